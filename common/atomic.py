"""Files that are either complete or absent: write to a temporary name beside the target, then
rename it over the target in one step (`os.replace` is atomic on one file system).

Example:
    with atomic_path("runs/quickstart/curves.png") as temporary:
        figure.savefig(temporary)
"""

import contextlib
import json
import os
import pathlib


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path` with the same suffix (so writers that pick the format
    by extension still do), moved over `path` when the block succeeds and removed when it fails."""
    path = pathlib.Path(path)
    temporary = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json_atomically(path, payload):
    """Writes `payload` as indented JSON to `path`, complete or not at all."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(payload, indent=2) + "\n")
