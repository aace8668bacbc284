"""The numbers behind the figures that probe a trained network: dreams, and the float64 copy and
relative error that the backprop figures (``_gradients``) use too.

NumPy only. Each helper works on a float64 copy of the network (``as_float64``), so the
network it is given is never changed and finite differences are accurate.
"""

import numpy as np

from ..data.mnist import one_hot
from ..network import Network


def as_float64(network):
    """A float64 copy of ``network``: the same layers, the same weights and biases."""
    copy = Network(**dict(network.config(), dtype="float64"))
    copy.vector[...] = network.vector
    return copy


def backward_to_input(network, zs, activations, grad_a):
    """Carry dJ/da of the output layer (n, 10) back through every layer to dJ/dx (n, 784)."""
    functions = network.layer_activations
    for l in reversed(range(len(network.weights))):
        delta = functions[l].backward(zs[l], activations[l + 1], grad_a)  # BP1, BP2: dJ/dz
        grad_a = delta @ network.weights[l].T                              # dJ/da one layer down
    return grad_a


_TINY = 1e-12  # keeps ln 0 and division by zero out of the dream's objective


def yes_no_log_likelihood(a, Y):
    """J = sum_k y_k ln a_k + (1 - y_k) ln(1 - a_k) for outputs a and one-hot targets Y, both (n, 10): (n,).

    The higher J, the nearer the output of Y's digit is to 1 (yes) and every other output to 0 (no).
    """
    return (Y * np.log(np.maximum(a, _TINY)) + (1 - Y) * np.log(np.maximum(1 - a, _TINY))).sum(axis=1)


def yes_no_gradient(a, Y):
    """dJ/da (n, 10) of ``yes_no_log_likelihood``: y / a - (1 - y) / (1 - a).

    Through a sigmoid output this is dJ/dz = y - a, which does not vanish where a saturates
    (the seed's own cost, 2(a - y) a(1 - a), does, and the ascent then stalls at an output of 0).
    """
    return Y / np.maximum(a, _TINY) - (1 - Y) / np.maximum(1 - a, _TINY)


def dream(network, digit, steps=300, lr=0.03, rng=None):
    """An input x (784,) in [0, 1] that the network reads as ``digit``.

    Gradient ascent on the pixels, not the weights: each step raises J(x) =
    ln a_digit + sum over the other outputs k of ln(1 - a_k) (``yes_no_log_likelihood``),
    pushing output ``digit`` towards 1 and the other nine towards 0. It starts almost black
    (faint noise from ``rng``: from grey the hidden sigmoids saturate and the ascent stalls),
    and x is clipped to [0, 1] after every step. Nothing charges for bright pixels.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    network = as_float64(network)
    x = 0.05 * rng.random((1, network.sizes[0]))
    Y = one_hot([digit], network.sizes[-1], dtype=np.float64)
    for _ in range(steps):
        zs, activations = network.forward_trace(x)
        grad_a = yes_no_gradient(activations[-1], Y)
        grad_x = backward_to_input(network, zs, activations, grad_a)
        x = np.clip(x + lr * grad_x, 0.0, 1.0)                  # ascent: up the gradient
    return x[0]


# below this a gradient is compared absolutely: a central difference of the cost (C ~ 1,
# eps 1e-4) carries a rounding error of about 1e-12, so a gradient of 1e-12 has no digits left
GRADIENT_FLOOR = 1e-6


def relative_error(backprop, finite_difference):
    """|backprop - finite difference| / max(|backprop|, |finite difference|, GRADIENT_FLOOR)."""
    scale = max(abs(backprop), abs(finite_difference), GRADIENT_FLOOR)
    return abs(backprop - finite_difference) / scale
