"""The "not sure" rule: each of its parts flags what it says, and a clear digit passes them all."""

import numpy as np

from digitnet import verdicts


def _field(rows, columns):
    """A 28x28 input (784,) inked over ``rows`` x ``columns`` (slices)."""
    field = np.zeros((28, 28))
    field[rows, columns] = 1.0
    return field.reshape(784)


BAR = _field(slice(4, 24), slice(10, 14))  # 80 inked pixels in 20 rows: like a 1
CLEAR = np.array([0.01, 0.95, 0.02, 0.01, 0.05, 0.0, 0.01, 0.03, 0.02, 0.01])


def test_a_clear_answer_with_digit_like_ink_is_sure():
    verdict = verdicts.judge(CLEAR, BAR)
    assert verdict.sure and verdict.reasons == ()


def test_a_low_largest_output_is_not_sure_and_says_its_value():
    outputs = CLEAR * 0.4
    verdict = verdicts.judge(outputs, BAR)
    assert not verdict.sure
    assert f"{outputs.max():.2f}" in verdict.reasons[0]


def test_two_close_outputs_are_not_sure():
    outputs = CLEAR.copy()
    outputs[7] = 0.8
    verdict = verdicts.judge(outputs, BAR)
    assert verdict.reasons == ("the two largest outputs are only 0.15 apart",)


def test_a_dot_a_blob_and_a_dash_are_flagged_by_their_ink():
    dot = _field(slice(10, 14), slice(10, 14))    # 16 pixels
    blob = _field(slice(4, 24), slice(4, 24))     # 400 pixels
    dash = _field(slice(12, 16), slice(4, 24))    # 80 pixels in 4 rows
    assert "too little ink" in verdicts.judge(CLEAR, dot).reasons[0]
    assert "too much ink" in verdicts.judge(CLEAR, blob).reasons[0]
    assert "flat" in verdicts.judge(CLEAR, dash).reasons[0]


def test_flags_agrees_with_judge_row_by_row():
    rng = np.random.default_rng(0)
    outputs = rng.uniform(0, 1, (200, 10)) ** 4
    X = (rng.uniform(0, 1, (200, 784)) < rng.uniform(0, 0.4, (200, 1))).astype(float)
    flagged = verdicts.flags(outputs, X)
    assert flagged.any() and not flagged.all()
    assert flagged.tolist() == [not verdicts.judge(o, x).sure for o, x in zip(outputs, X)]
