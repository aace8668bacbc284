"""Whether an answer of the network deserves trust: the page's "not sure / maybe not a digit" rule.

The network always names a digit, even for an X or a dot: its ten outputs alone do not say that
the drawing was no digit at all. ``judge`` looks at three things a reader can check on the page:
the largest output, the margin between the two largest, and the amount and height of the ink in
the 28x28 input, compared with what the 10,000 MNIST test digits have. Any one of them out of
range makes the answer "not sure". The thresholds are MNIST's own spread (the ink) or round
numbers chosen by measuring (the outputs); ``benchmarks/not_sure.py`` prints how many MNIST test
digits and drawn non-digits (X, dot, dash, letters, scribbles) each rule flags.

Left out: a rule that flags an X (the seed network reads it as an 8 with an output near 1, and
its ink looks like a digit's): only a network trained on non-digits could say that.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

TOP = 0.5        # the largest output below this: no digit stands out
MARGIN = 0.3     # the two largest outputs closer than this: two digits compete
INKED = 0.5      # a pixel of the input at least this dark is inked
INK_LOW, INK_HIGH = 34, 215  # inked pixels of 99% of MNIST's test digits (the 0.5th and 99.5th percentiles)
ROWS_LOW = 10    # rows with ink: fewer than 0.1% of MNIST's test digits have fewer (a dash has 2 to 6)
RULE = (f"Not sure when the largest output is below {TOP}, or the two largest are less than {MARGIN} apart, "
        f"or the 28x28 input has fewer than {INK_LOW} or more than {INK_HIGH} inked pixels "
        f"(99% of MNIST's test digits have {INK_LOW} to {INK_HIGH}), or ink in fewer than {ROWS_LOW} "
        f"of its rows (a dash).")


@dataclass(frozen=True)
class Verdict:
    """``sure``: no rule objects; ``reasons``: one sentence for each rule that does."""

    sure: bool
    reasons: tuple[str, ...]


def measures(outputs: ArrayLike, X: ArrayLike) -> dict[str, np.ndarray]:
    """What the rule reads, for ``outputs`` (n, 10) and inputs ``X`` (n, 784): each an array of shape (n,)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    inked = np.asarray(X).reshape(len(outputs), 28, 28) >= INKED
    ordered = np.sort(outputs, axis=1)
    return {"top": ordered[:, -1], "margin": ordered[:, -1] - ordered[:, -2],
            "inked": inked.sum(axis=(1, 2)), "rows": inked.any(axis=2).sum(axis=1)}


def flags(outputs: ArrayLike, X: ArrayLike) -> np.ndarray:
    """Which answers are not sure, (n,) bool, for ``outputs`` (n, 10) and inputs ``X`` (n, 784)."""
    m = measures(outputs, X)
    return ((m["top"] < TOP) | (m["margin"] < MARGIN) | (m["inked"] < INK_LOW) | (m["inked"] > INK_HIGH)
            | (m["rows"] < ROWS_LOW))


def judge(outputs: ArrayLike, x: ArrayLike) -> Verdict:
    """The verdict on one answer, in words: ``outputs`` the output layer's activations (10,), ``x`` the input (784,)."""
    m = {name: value[0].item() for name, value in measures(np.asarray(outputs)[None, :], x).items()}
    reasons = []
    if m["top"] < TOP:
        reasons.append(f"no output reaches {TOP}: the largest is {m['top']:.2f}")
    if m["margin"] < MARGIN:
        reasons.append(f"the two largest outputs are only {m['margin']:.2f} apart")
    if not INK_LOW <= m["inked"] <= INK_HIGH:
        amount = "little" if m["inked"] < INK_LOW else "much"
        reasons.append(f"too {amount} ink for a digit: {m['inked']} inked pixels, MNIST's have {INK_LOW} to {INK_HIGH}")
    if m["rows"] < ROWS_LOW:
        reasons.append(f"the ink is flat: it fills only {m['rows']} of the 28 rows, an MNIST digit at least {ROWS_LOW}")
    return Verdict(sure=not reasons, reasons=tuple(reasons))
