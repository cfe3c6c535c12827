"""The README's Python example runs as written (its data sizes are the example's own)."""

import re

import pytest

from tests.conftest import ROOT

MARKER = "<!-- python-example: tests/test_readme.py runs this block as written -->"


def readme_example():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```python\n(.*?)\n```", text, re.S)
    assert match, "the README's Python example is missing its marker"
    return match.group(1)


def test_the_example_is_at_most_20_lines_of_code():
    lines = [line for line in readme_example().splitlines() if line.strip() and not line.startswith(("import", "from"))]
    assert len(lines) <= 20


@pytest.mark.slow
def test_the_readme_python_example_trains_both_networks(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(compile(readme_example(), "README.md", "exec"), namespace)
    for name in ("igde", "fcrn"):
        losses = namespace[name].history.history["loss"]
        assert len(losses) == 2 and all(loss == loss for loss in losses)
