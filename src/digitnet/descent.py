"""The seed's gradient-descent lesson, ``simple_gd``, corrected for vectors.

The slide's version moves ``start`` in place and appends that same object to its list
on every step, so the path it returns is one point repeated; and it compares a whole
vector with ``<=``, which NumPy refuses. This one copies every point and stops when
every component of the step is within the tolerance.
"""

import numpy as np


def simple_gd(gradient, start, learn_rate, n_iter=50, tolerance=1e-06):
    """Follow the negative gradient from ``start``; return (vector, path).

    ``gradient(x)`` gives the gradient at x (a number or an array shaped like ``start``).
    Each step is ``x <- x - learn_rate * gradient(x)``. The walk stops after ``n_iter``
    steps, or as soon as every component of a step is at most ``tolerance`` in size.
    ``path`` holds every point visited, ``start`` first. A scalar start gives floats back.
    """
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
