"""Reading image files whole or not at all (`read_image`, used by the data sets' readers and the
inference commands); the colour images of the data sets; resizing an image (bilinear) and a depth
map (nearest)."""

import cv2
import numpy as np

from common.errors import DatasetError

# A file must end as its format says: OpenCV decodes a truncated JPEG or PNG with a warning and
# fills the missing rows grey.
_ENDINGS = {
    b"\xff\xd8": (b"\xff\xd9", "JPEG", "end-of-image marker"),
    b"\x89PNG": (b"IEND\xaeB`\x82", "PNG", "IEND chunk"),
}


def read_image(path, flags=cv2.IMREAD_UNCHANGED, error=DatasetError):
    """The decoded image file at `path` (`cv2.imdecode` with `flags`).

    Raises:
        `error` (a UserError class) naming the file: missing, not a readable image, a truncated
        JPEG or PNG, or larger than OpenCV decodes (its header's size is refused before any
        pixel memory is taken).
    """
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as reason:
        raise error(f"{path}: missing or not a readable image") from reason
    for magic, (ending, kind, what) in _ENDINGS.items():
        # JPEG writers may pad after the marker; look at the file's last kilobyte.
        if data[: len(magic)].tobytes() == magic and ending not in data[-1024:].tobytes():
            raise error(f"{path}: truncated {kind} (no {what}); the file is incomplete")
    try:
        image = cv2.imdecode(data, flags) if data.size else None
    except cv2.error as reason:  # a header claiming more than CV_IO_MAX_IMAGE_PIXELS
        raise error(f"{path}: missing or not a readable image (OpenCV: {reason.err})") from reason
    if image is None:
        raise error(f"{path}: missing or not a readable image")
    return image


def read_colour_image(path):
    """[H, W, 3] uint8 RGB of an image file (grey files are expanded to three channels).

    Raises:
        DatasetError: the file is missing, truncated or not a readable image.
    """
    return cv2.cvtColor(read_image(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def resize_image(image, size):
    """uint8 RGB -> float32 RGB in [0, 1] at size (H, W), resized bilinearly, as DPDE resizes NYU
    Depth v2 ("rescaled to 240 x 320 pixels via bilinear interpolation") and Make3D ("a bilinear
    interpolation algorithm is used to adjust all the images"); Middlebury, of which the text says
    nothing, is treated alike."""
    height, width = size
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0


def resize_depth(depth, size):
    """Depth resized to size (H, W) by taking the nearest sample (reconstruction; FCRN's protocol
    for Make3D's ground truth): interpolating across an object boundary would invent depths that
    lie on no surface, and NaN (unknown) stays NaN without spreading."""
    height, width = size
    return cv2.resize(depth.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
