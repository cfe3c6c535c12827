import pytest

from common.atomic import atomic_path, is_temporary


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


def test_a_users_file_is_never_the_temporary(tmp_path):
    """The temporary name is created anew, exclusively: a user's file of any name is untouched."""
    users = tmp_path / ".curves.tmp.png"
    users.write_text("mine")
    for _ in range(3):
        with atomic_path(tmp_path / "curves.png") as temporary:
            assert temporary.exists() and temporary != users
            temporary.write_text("new")
    assert users.read_text() == "mine" and (tmp_path / "curves.png").read_text() == "new"


def test_a_folder_in_the_way_is_the_users_mistake(tmp_path):
    from common.errors import OutputError

    (tmp_path / "out.png").mkdir()
    with pytest.raises(OutputError, match=f"{tmp_path / 'out.png'}: a folder is in the way of the output file"):
        with atomic_path(tmp_path / "out.png") as temporary:
            temporary.write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_an_image_write_that_leaves_nothing_readable_is_a_system_fault(tmp_path, monkeypatch):
    """OpenCV on a full disk can return success and leave a zero-byte file: checked, and the
    target is left as it was."""
    import cv2
    import numpy as np

    from common.atomic import write_image
    from common.errors import SystemFault

    target = tmp_path / "depth.png"
    write_image(target, np.full((4, 5), 7, np.uint16))
    assert cv2.imread(str(target), cv2.IMREAD_UNCHANGED).tolist() == [[7] * 5] * 4
    monkeypatch.setattr(cv2, "imwrite", lambda path, array: True)  # "written", nothing in the file
    with pytest.raises(SystemFault, match=f"{target}: the image was not written whole"):
        write_image(target, np.zeros((4, 5), np.uint16))
    assert cv2.imread(str(target), cv2.IMREAD_UNCHANGED).tolist() == [[7] * 5] * 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["depth.png"]


def test_a_killed_writes_temporary_is_told_from_a_users_file(tmp_path):
    """`is_temporary` knows the names `atomic_path` gives (what a kill mid-write leaves), and no
    other: a user's `.curves.tmp.png` or `notes.tmp` is not one."""
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "curves.png") as temporary:
            assert is_temporary(temporary)
            raise RuntimeError("killed")
    with atomic_path(tmp_path / "manifest") as temporary:
        assert is_temporary(temporary)
        temporary.write_text("{}")
    for users in (".curves.tmp.png", "notes.tmp", "curves.png", ".curves.1234.tmp.png", "manifest"):
        assert not is_temporary(tmp_path / users)
