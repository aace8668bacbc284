"""Where a function's minima are: found between two points or from a point by the slope's sign, or
picked from a list of known ones. The verdicts on walks (``walks.describe_walk``) name them."""

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike


def local_minima(gradient: Callable[[float], float], low: float, high: float, n: int = 1001) -> list[float]:
    """The local minima of a function of one variable from ``low`` to ``high``, to 1e-9: where its
    ``gradient`` goes from negative to positive between n points spaced evenly, narrowed by bisection."""
    xs = np.linspace(low, high, n)
    slopes = [float(gradient(x)) for x in xs]
    return [_bisect(gradient, xs[i], xs[i + 1]) for i in range(n - 1) if slopes[i] < 0 <= slopes[i + 1]]


def valley_minimum(gradient: Callable[[float], float], x: float) -> float | None:
    """The minimum of the valley x lies in, to 1e-9, found by striding downhill, each stride twice the
    last, until the slope turns; None if it never turns (the function falls for ever that way)."""
    slope = float(gradient(x))
    if slope == 0:
        return float(round(x, 9))
    direction = -1.0 if slope > 0 else 1.0
    near, stride = x, 1e-6 * (1 + abs(x))
    for _ in range(80):
        far = x + direction * stride
        if float(gradient(far)) * slope <= 0:
            return _bisect(gradient, *sorted((near, far)))
        near, stride = far, 2 * stride
    return None


def _bisect(gradient, low, high):
    """Where the gradient, negative at low and not at high, turns: narrowed to a float's last bit, to 1e-9."""
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if float(gradient(middle)) < 0:
            low = middle
        else:
            high = middle
    return float(round((low + high) / 2, 9))


def nearest_minimum(minima: Sequence[Sequence[float]], point: ArrayLike) -> tuple[tuple[float, ...] | None, float]:
    """Of ``minima`` (points), the one nearest ``point``, and how far it is (Euclidean); (None, 0.0) if
    there are none."""
    if not minima:
        return None, 0.0
    distances = [float(np.sqrt(((np.asarray(m) - point) ** 2).sum())) for m in minima]
    k = int(np.argmin(distances))
    return tuple(float(v) for v in minima[k]), distances[k]
