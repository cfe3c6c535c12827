import pytest

from common.training.learning import gain_line, not_learning_warning

INPUT = {"psnr": 36.25, "psnr_t": None, "psnr_f": 21.03}


def test_the_gain_line_puts_each_psnr_beside_the_input_level():
    tested = {"psnr": 37.0, "psnr_t": 52.5, "psnr_f": 22.53}
    assert gain_line(tested, INPUT, 8) == (
        "validation after epoch 8: PSNR 37.00 dB (input 36.25, gain +0.75), PSNRt 52.50 dB, "
        "PSNRf 22.53 dB (input 21.03, gain +1.50)"
    )
    assert "PSNRt None" in gain_line({**tested, "psnr_t": None}, INPUT, 1)


@pytest.mark.parametrize("psnr_t", [None, float("inf")])
def test_an_output_equal_to_its_input_is_warned_at_once(psnr_t):
    warning = not_learning_warning({"psnr": 36.25, "psnr_t": psnr_t, "psnr_f": 21.03}, INPUT, epoch=1, epochs=100)
    assert warning.startswith("warning: after epoch 1 the network's output equals its input")


@pytest.mark.parametrize(
    "psnr_f, epoch, warned",
    [
        (21.40, 24, False),  # +0.37 dB, but before a quarter of the 100 epochs
        (21.40, 25, True),  # +0.37 dB at a quarter
        (21.53, 25, False),  # +0.50 dB: enough
        (20.00, 90, True),  # below the input late in the run
    ],
)
def test_a_small_psnr_f_gain_is_warned_after_a_quarter_of_the_epochs(psnr_f, epoch, warned):
    tested = {"psnr": 36.3, "psnr_t": 50.0, "psnr_f": psnr_f}
    warning = not_learning_warning(tested, INPUT, epoch=epoch, epochs=100)
    assert (warning is not None) == warned
    if warned:
        assert f"PSNRf is {psnr_f - 21.03:+.2f} dB over the input" in warning and "commands.pilot" in warning
