"""The seed's gradient-descent lesson, ``simple_gd``, corrected for vectors.

The slide's version moves ``start`` in place and appends that same object to its list
on every step, so the path it returns is one point repeated; and it compares a whole
vector with ``<=``, which NumPy refuses. This one copies every point and stops when
every component of the step is within the tolerance. ``FUNCTIONS`` holds the lesson's
small functions to walk down, by name, each with its known local minima. What a walk did is said
by ``walks.describe_walk``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def simple_gd(gradient: Callable[[Any], Any], start: ArrayLike, learn_rate: float, n_iter: int = 50,
              tolerance: float = 1e-06) -> tuple[Any, list[Any]]:
    """Follow the negative gradient from ``start``; return (vector, path).

    ``gradient(x)`` gives the gradient at x (a number or an array shaped like ``start``).
    Each step is ``x <- x - learn_rate * gradient(x)``. The walk stops after ``n_iter``
    steps, or as soon as every component of a step is at most ``tolerance`` in size.
    ``path`` holds every point visited, ``start`` first. A scalar start gives floats back.
    """
    if not (isinstance(learn_rate, (int, float, np.number)) and math.isfinite(learn_rate) and learn_rate > 0):
        raise ValueError(f"learn_rate must be a positive number, got {learn_rate!r}")
    if not (isinstance(n_iter, (int, np.integer)) and n_iter >= 0):
        raise ValueError(f"n_iter must be 0 or a positive whole number, got {n_iter!r}")
    scalar = np.ndim(start) == 0
    vector = np.array(start, dtype=float)
    path = [vector.copy()]
    for _ in range(n_iter):
        step = learn_rate * np.asarray(gradient(vector), dtype=float)
        vector = vector - step
        path.append(vector.copy())
        if np.all(np.abs(step) <= tolerance):
            break
    if scalar:
        return float(vector), [float(x) for x in path]
    return vector, path


@dataclass(frozen=True)
class Function:
    """A small function to walk down: ``f(x)`` or ``f(x, y)`` (NumPy arrays work too), its
    ``gradient(point)`` as ``simple_gd`` wants it, the lesson's ``start``, and its local ``minima``
    (each a point: a tuple of one or two numbers), where a walk's distance to the goal is measured."""

    formula: str
    f: Callable[..., Any]
    gradient: Callable[[Any], Any]
    start: Any
    minima: tuple[tuple[float, ...], ...]

    @property
    def dimensions(self):
        return int(np.size(self.start))


def _quartic_minima():
    """Where x^4 - 5x^2 - 3x has its minima: f'(x) = 4x^3 - 10x - 3 = 0 with f''(x) = 12x^2 - 10 > 0."""
    roots = sorted(float(r.real) for r in np.roots([4, 0, -10, -3]) if abs(r.imag) < 1e-12)
    return tuple((x,) for x in roots if 12 * x**2 - 10 > 0)


FUNCTIONS = {
    "square": Function("x^2", lambda x: x**2, lambda x: 2 * x, 10.0, ((0.0,),)),
    "quartic": Function("x^4 - 5x^2 - 3x", lambda x: x**4 - 5 * x**2 - 3 * x,
                        lambda x: 4 * x**3 - 10 * x - 3, 0.0, _quartic_minima()),
    "bowl": Function("x^2 + 10y^2", lambda x, y: x**2 + 10 * y**2,
                     lambda p: np.array([2 * p[0], 20 * p[1]]), (8.0, 1.0), ((0.0, 0.0),)),
    "rosenbrock": Function(
        "(1 - x)^2 + 100(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        lambda p: np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)]),
        (-1.2, 1.0), ((1.0, 1.0),)),
}
