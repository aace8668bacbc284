"""The numbers behind the figures that probe a trained network: dreams, and the float64 copy and
relative error that the backprop figures (``_gradients``) use too.

NumPy only. Each helper works on a float64 copy of the network (``as_float64``), so the
network it is given is never changed and finite differences are accurate.
"""

import numpy as np

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


def log_proba_gradient(network, a, digit):
    """d/da of log p_digit, where p = predict_proba: a itself for softmax, else a / sum(a); a is (n, 10)."""
    grad_a = np.zeros_like(a)
    grad_a[:, digit] = 1.0 / a[:, digit]
    if network.output.name != "softmax":
        grad_a -= 1.0 / a.sum(axis=1, keepdims=True)
    return grad_a


def dream(network, digit, steps=300, lr=0.03, penalty=0.01, rng=None):
    """An input x (784,) in [0, 1] that the network reads as ``digit``.

    Gradient ascent on J(x) = log p_digit(x) - penalty ||x||^2, where p = predict_proba,
    starting from black with faint noise from ``rng``; x is clipped to [0, 1] after every
    step. (Starting from grey saturates the hidden sigmoids and the ascent often stalls.)
    """
    rng = np.random.default_rng(0) if rng is None else rng
    network = as_float64(network)
    x = 0.05 * rng.random((1, network.sizes[0]))
    for _ in range(steps):
        zs, activations = network.forward_trace(x)
        grad_a = log_proba_gradient(network, activations[-1], digit)
        grad_x = backward_to_input(network, zs, activations, grad_a) - 2.0 * penalty * x
        x = np.clip(x + lr * grad_x, 0.0, 1.0)
    return x[0]


# below this a gradient is compared absolutely: a central difference of the cost (C ~ 1,
# eps 1e-4) carries a rounding error of about 1e-12, so a gradient of 1e-12 has no digits left
GRADIENT_FLOOR = 1e-6


def relative_error(backprop, finite_difference):
    """|backprop - finite difference| / max(|backprop|, |finite difference|, GRADIENT_FLOOR)."""
    scale = max(abs(backprop), abs(finite_difference), GRADIENT_FLOOR)
    return abs(backprop - finite_difference) / scale
