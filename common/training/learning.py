"""Is an enhancement run learning? The gain of each validation during training over the input depth,
and one warning when the network looks stuck.

A depth-enhancement network (IGDE) must beat its own input: Table 1's "Input depth" row. Two
signs that a run is not on that path: its output equals its input (PSNRt absent or infinite:
not one correct pixel changed), or, after a quarter of the epochs, its PSNRf (the erroneous
pixels) is less than `MIN_PSNR_F_GAIN` dB over the input's. The README's "Is a long run
learning?" gives the pilot command; RESULTS.md's "The paper's loss" shows a healthy curve.

Example:
    print(gain_line(tested, input_scores, epoch=8))
    warning = not_learning_warning(tested, input_scores, epoch=8, epochs=32)
"""

import math

MIN_PSNR_F_GAIN = 0.5  # dB; the healthy pilots of RESULTS.md gain more by a quarter of their steps
PILOT_HINT = "see the README, 'Is a long run learning?' (python -m commands.pilot)"
GAIN_METRICS = ("psnr", "psnr_t", "psnr_f")
TITLES = {"psnr": "PSNR", "psnr_t": "PSNRt", "psnr_f": "PSNRf"}


def _finite(value):
    return value is not None and math.isfinite(value)


def gain_line(tested, input_scores, epoch):
    """One line: PSNR, PSNRt and PSNRf of the test at `epoch`, each beside the input's level and
    the gain over it (the input has no PSNRt: all of its correct pixels are exact)."""
    cells = []
    for name in GAIN_METRICS:
        value, level = tested.get(name), input_scores.get(name)
        cell = f"{TITLES[name]} {value:.2f} dB" if _finite(value) else f"{TITLES[name]} {value}"
        if _finite(value) and _finite(level):
            cell += f" (input {level:.2f}, gain {value - level:+.2f})"
        cells.append(cell)
    return f"validation after epoch {epoch}: " + ", ".join(cells)


def not_learning_warning(tested, input_scores, epoch, epochs):
    """The warning line for a run that is not learning at `epoch` of `epochs`, or None."""
    if not _finite(tested.get("psnr_t")):
        return (
            f"warning: after epoch {epoch} the network's output equals its input (PSNRt {tested.get('psnr_t')}): "
            f"it is not learning; {PILOT_HINT}"
        )
    value, level = tested.get("psnr_f"), input_scores.get("psnr_f")
    if 4 * epoch >= epochs and _finite(value) and _finite(level) and value - level < MIN_PSNR_F_GAIN:
        return (
            f"warning: after epoch {epoch} of {epochs} PSNRf is {value - level:+.2f} dB over the input "
            f"(expected at least +{MIN_PSNR_F_GAIN} dB by a quarter of the epochs): the run may not be learning; "
            f"{PILOT_HINT}"
        )
    return None
