"""Files that are either complete or absent: write to a temporary name beside the target, then
rename it over the target in one step (`os.replace` is atomic on one file system).

Every write passes the output policy first (`common.outputs.output_file`: not inside a run this
process does not hold, nothing followed out of a run, no folder in the way; its folder is created).
The temporary name is new and created exclusively (`.<stem>.<random>.tmp<suffix>`), so it can never
be a user's file; a block that fails removes it. `write_image` adds what OpenCV does not do: it
checks the write (OpenCV's return value, and that the file reads back: a full disk can leave a
zero-byte PNG behind a successful `imwrite`), a failure being a `SystemFault` naming the path.

Example:
    with atomic_path("runs/quickstart/curves.png") as temporary:
        figure.savefig(temporary)
    write_image("out/depth.png", depth_uint16)
"""

import contextlib
import json
import os
import re
import secrets

from common.errors import SystemFault
from common.outputs import output_file

_TOKEN_BYTES = 4  # the random part of a temporary name: 8 hexadecimal digits
_TEMPORARY_NAME = re.compile(rf"\..*\.[0-9a-f]{{{2 * _TOKEN_BYTES}}}\.tmp(\.[^.]*)?")


def is_temporary(path):
    """True when `path`'s name is one `atomic_path` gives its temporary files (what a killed write
    leaves behind)."""
    return _TEMPORARY_NAME.fullmatch(os.path.basename(path)) is not None


def _new_temporary(path):
    for _ in range(100):
        temporary = path.with_name(f".{path.stem}.{secrets.token_hex(_TOKEN_BYTES)}.tmp{path.suffix}")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temporary
    raise SystemFault(f"{path.parent}: cannot create a temporary file there")


@contextlib.contextmanager
def atomic_path(path):
    """Yields a new temporary path beside `path` with the same suffix (so writers that pick the
    format by extension still do), moved over `path` when the block succeeds and removed when it
    fails."""
    path = output_file(path)
    temporary = _new_temporary(path)
    try:
        yield temporary
        try:
            os.replace(temporary, path)
        except OSError as error:  # name the output, not the temporary file
            raise SystemFault(f"{path}: cannot write it ({error.strerror or error})") from error
    finally:
        temporary.unlink(missing_ok=True)


def write_json_atomically(path, payload):
    """Writes `payload` as indented JSON to `path`, complete or not at all."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(payload, indent=2) + "\n")


def write_image(path, array):
    """Writes `array` with OpenCV (the format by the suffix: PNG, JPEG, PFM), complete or not at
    all; raises SystemFault naming `path` when OpenCV refuses or the file does not read back."""
    import cv2

    with atomic_path(path) as temporary:
        written = cv2.imwrite(str(temporary), array)
        if not written or temporary.stat().st_size == 0 or cv2.imread(str(temporary), cv2.IMREAD_UNCHANGED) is None:
            raise SystemFault(f"{path}: the image was not written whole (a full disk or an unwritable folder)")
