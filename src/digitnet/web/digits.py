"""GET /api/digit: an MNIST test digit to drop on the page's canvas, chosen by index, by digit, or misread.

``?index=N`` gives test digit N; ``?label=D&after=N`` the first test digit D after index N (from
the start again past the end); ``?misread=true&after=N`` the first after N that the network
answering now reads wrong. The answer holds the 784 pixels (0 paper to 1 ink, row by row), the
index, the label and the digit the network answering now reads in those 784 pixels as they are
(the page's canvas prepares them again, which can change the answer), and for the misread ones
how many there are. GET /api/verdict-rule: the
"not sure" rule in words (``digitnet.verdicts``).
"""

from functools import cache

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..data.mnist import load_mnist
from ..verdicts import RULE
from .errors import refuse

router = APIRouter()


@cache
def test_set():
    """The bundled MNIST test set, read once."""
    (test,) = load_mnist(parts=("test",))
    return test


def _next(chosen, after):
    """The first index in ``chosen`` (sorted) after ``after``, or the first of all past the end."""
    later = chosen[chosen > after]
    return int(later[0] if later.size else chosen[0])


@router.get("/api/digit")
def digit(request: Request, index: int | None = None, label: int | None = None,
          misread: bool = False, after: int = -1):
    test = test_set()
    n = len(test.labels)
    if sum([index is not None, label is not None, misread]) != 1:
        return refuse(422, "ask for one of: index=N, label=D (with after=N) or misread=true (with after=N)")
    if index is not None:
        if not 0 <= index < n:
            return refuse(404, f"there is no test digit {index}; they are numbered 0 to {n - 1}")
        chosen = index
    elif label is not None:
        if not 0 <= label <= 9:
            return refuse(422, f"label must be a digit from 0 to 9, not {label}")
        chosen = _next(np.flatnonzero(test.labels == label), after)
    else:
        wrong = np.flatnonzero(request.app.state.network.predict(test.X) != test.labels)
        if not wrong.size:
            return refuse(404, "the network reads every test digit right: there is no misread one")
        chosen = _next(wrong, after)
    network = request.app.state.network
    answer = {"index": chosen, "label": int(test.labels[chosen]),
              "reads": int(network.predict(test.X[chosen][None, :])[0]),
              "pixels": np.round(test.X[chosen].astype(float), 3).tolist()}
    if misread:
        answer["misread"] = int(wrong.size)
    return JSONResponse(answer)


@router.get("/api/verdict-rule")
def verdict_rule():
    """The "not sure" rule in words, for the page to state before the first answer."""
    return {"rule": RULE}
