"""Activation functions and their derivatives, looked up by name in ``ACTIVATIONS``.

Each activation maps the weighted input ``z`` of a layer to its activation ``a``.
``backward(z, a, grad_a)`` returns dC/dz given dC/da (a vector-Jacobian product):
for the element-wise functions that is ``grad_a * f'(z)``; for softmax, whose
outputs depend on every input of the row, it is the full Jacobian product.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """A named activation: ``function(z) -> a`` and ``backward(z, a, grad_a) -> grad_z``."""

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

    def __call__(self, z):
        return self.function(z)


def sigmoid(z):
    """1 / (1 + e^-z), written as (1 + tanh(z/2)) / 2 so that no input overflows."""
    a = np.tanh(0.5 * z)
    a += 1.0
    a *= 0.5
    return a


def _sigmoid_backward(z, a, grad_a):
    # sigma'(z) = sigma(z) (1 - sigma(z)), read from the activation already computed
    return grad_a * a * (1.0 - a)


def relu(z):
    """max(0, z)."""
    return np.maximum(z, 0.0)


def _relu_backward(z, a, grad_a):
    return grad_a * (z > 0)


def tanh(z):
    """The hyperbolic tangent, from -1 to 1."""
    return np.tanh(z)


def _tanh_backward(z, a, grad_a):
    return grad_a * (1.0 - a * a)


def softmax(z):
    """e^z_j / sum_k e^z_k for each row, shifted by the row's maximum so nothing overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _softmax_backward(z, a, grad_a):
    # Jacobian of softmax: da_j/dz_k = a_j (delta_jk - a_k), applied to each row
    return a * (grad_a - (grad_a * a).sum(axis=1, keepdims=True))


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward),
    "relu": Activation("relu", relu, _relu_backward),
    "tanh": Activation("tanh", tanh, _tanh_backward),
    "softmax": Activation("softmax", softmax, _softmax_backward),
}
HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh")


def get_activation(name, allowed=tuple(ACTIVATIONS)):
    """Return the activation called ``name``; a clear ValueError for anything else."""
    if name not in allowed:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(sorted(allowed))}")
    return ACTIVATIONS[name]
