"""The one check of a depth map read from a file (a prediction to score, a depth to enhance): every
reader of depth files ends here, so an empty, complex, negative or malformed map is the same
one-line error whichever command reads it.

Example:
    values = check_depth_map(load_npy(path, InputError), path, InputError)  # [H, W] float32
"""

import numpy as np


def load_npy(path, error):
    """The array of an NPY file, without pickles; `error` (an exception type) names a file that is
    empty, truncated or not an NPY file."""
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as failure:
        reason = "an empty file" if path.stat().st_size == 0 else str(failure).splitlines()[0][:120]
        raise error(f"{path}: not a readable NPY file ({reason})") from failure


def check_depth_map(values, path, error):
    """`values` as an [H, W] float32 depth map ([H, W, 1] is taken too), or `error` naming `path`:
    not real numbers (strings, booleans, complex), not one channel, no pixels, NaN or infinite
    values, negative depths (depth and disparity are never negative; 0 means unknown)."""
    values = np.asarray(values)
    if not (np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)):
        raise error(f"{path}: expected real numbers, got {values.dtype}")
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[..., 0]
    if values.ndim != 2:
        channels = f" ({values.shape[2]} channels)" if values.ndim == 3 else ""
        raise error(f"{path}: expected a one-channel depth map, got shape {values.shape}{channels}")
    if values.size == 0:
        raise error(f"{path}: an empty depth map ({values.shape[0]}x{values.shape[1]})")
    values = values.astype(np.float32)
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise error(f"{path}: {bad} depth values are NaN or infinite")
    negative = int(np.count_nonzero(values < 0))
    if negative:
        raise error(f"{path}: {negative} depth values are negative (depth is >= 0; 0 is unknown)")
    return values
