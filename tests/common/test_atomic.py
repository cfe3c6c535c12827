import pytest

from common.atomic import atomic_path


def test_the_target_is_replaced_whole_or_left_as_it_was(tmp_path):
    target = tmp_path / "curves.png"
    target.write_text("old")
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".png" and temporary != target
        temporary.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]
