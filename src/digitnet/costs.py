"""Cost functions, looked up by name in ``COSTS``.

Each cost is the mean over the n examples of a batch, so a gradient step does not
grow with the batch size. ``prime(a, Y)`` is dC/da for the whole batch (the 1/n is in it).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_TINY = 1e-12  # keeps log(0) and division by zero out of cross-entropy


@dataclass(frozen=True)
class Cost:
    """A named cost: ``value(a, Y) -> float`` and ``prime(a, Y) -> dC/da``."""

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    prime: Callable[[np.ndarray, np.ndarray], np.ndarray]
    default_output: str


def mse_value(a, Y):
    """The seed's cost: C = (1/n) sum_x ||a(x) - y(x)||^2.

    The mean over examples of the *summed* squared error of the ten outputs, with no
    factor 1/2. Nielsen's book uses (1/2n) sum ||a - y||^2, whose gradient is half of
    this one: a learning rate eta in the book is eta/2 here (his 3.0 is our 1.5).
    """
    return float(np.square(a - Y).sum() / len(a))


def mse_prime(a, Y):
    """dC/da of the seed's cost for outputs a and targets Y, both (n, n_out): 2 (a - Y) / n."""
    return (2.0 / len(a)) * (a - Y)


def cross_entropy_value(a, Y):
    """C = -(1/n) sum_x sum_j y_j ln a_j: the categorical cross-entropy of a softmax output.

    Its gradient with respect to the softmax's input is (a - y)/n, so it keeps
    learning fast where MSE + sigmoid saturates.
    """
    return float(-(Y * np.log(np.maximum(a, _TINY))).sum() / len(a))


def cross_entropy_prime(a, Y):
    """dC/da of the cross-entropy for outputs a and targets Y, both (n, n_out): -Y / (a n)."""
    return -Y / (np.maximum(a, _TINY) * len(a))


COSTS = {
    "mse": Cost("mse", mse_value, mse_prime, default_output="sigmoid"),
    "cross_entropy": Cost("cross_entropy", cross_entropy_value, cross_entropy_prime, default_output="softmax"),
}


def get_cost(name):
    """Return the cost called ``name``; a clear ValueError for anything else."""
    if name not in COSTS:
        raise ValueError(f"unknown cost {name!r}; choose one of: {', '.join(sorted(COSTS))}")
    return COSTS[name]


def output_delta(cost, output, z, a, Y):
    """BP1: delta = dC/dz of the output layer, (n, n_out), from its z, a and the targets Y (n, n_out).

    For softmax with cross-entropy the product of the two derivatives is exactly (a - y)/n,
    which we use because it is also numerically stable. Every other pair goes through the
    general chain rule, so sigmoid + MSE keeps its sigma'(z).
    """
    if cost.name == "cross_entropy" and output.name == "softmax":
        return (a - Y) / len(a)
    return output.backward(z, a, cost.prime(a, Y))
