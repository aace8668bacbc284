"""The numbers behind the backpropagation figures: one example's gradient, one weight's chain rule.

NumPy only. Each function works on a float64 copy of the network (``as_float64``), so the
network it is given is never changed and finite differences are accurate. Everything here
is a derivative of the cost, dC/d(something), with its own sign; the figures decide how to
show it.

Names and indices are digitnet's: ``weights[l]`` and ``biases[l]`` lead into layer l + 1 (layer 0 is
the input), and ``weights[l]`` is (n_in, n_out): ``weights[l][k, j]`` joins neuron k of one layer to
neuron j of the next, the weight 3Blue1Brown and Nielsen call w_jk.
"""

import numpy as np

from ..data.mnist import one_hot
from ._probe import as_float64


def backprop_example(network, x, label, n_checks=5, eps=1e-4):
    """What backpropagation finds for one example x (784,) with target ``label``.

    Returns a dict: ``grad_a``, dC/da of each layer after the input, e.g. (16,), (16,), (10,);
    ``deltas``, dC/dz of the same layers; ``neuron`` j, the first-layer neuron with the largest
    |delta| (the one whose weights change most); ``grad_w_neuron``, dC/dweights[0][:, j] (784,); and
    ``checks``, a list of (name, backprop, finite difference) of dC/dp for the ``n_checks``
    weights into j with the largest gradient and every output bias, named as digitnet names them
    ("weights[0][i, j]", "biases[l][k]"). All in float64.
    """
    network = as_float64(network)
    X = np.asarray(x, dtype=np.float64).reshape(1, -1)
    Y = one_hot([label], network.sizes[-1], dtype=np.float64)
    zs, activations = network.forward_trace(X)
    grad_w, grad_b = network.backprop(X, Y)
    deltas = [g.copy() for g in grad_b]                        # BP3: for one example dC/db = delta
    grad_a = [delta @ w.T for delta, w in zip(deltas[1:], network.weights[1:])]  # dC/da one layer down
    grad_a.append(network.cost.prime(activations[-1], Y)[0])   # the output layer's, from the cost
    j = int(np.abs(deltas[0]).argmax())
    pixels = np.argsort(-np.abs(grad_w[0][:, j]))[:n_checks]
    out = len(network.biases) - 1                               # biases[out] are the output layer's
    checks = [(f"weights[0][{i}, {j}]", grad_w[0][i, j],
               central_difference(network, X, Y, network.weights[0], (i, j), eps)) for i in pixels]
    checks += [(f"biases[{out}][{k}]", grad_b[-1][k], central_difference(network, X, Y, network.biases[-1], (k,), eps))
               for k in range(network.sizes[-1])]
    return {
        "grad_a": grad_a,
        "deltas": deltas,
        "neuron": j,
        "grad_w_neuron": grad_w[0][:, j].copy(),
        "checks": checks,
    }


def central_difference(network, X, Y, array, index, eps=1e-4):
    """(C(p + eps) - C(p - eps)) / 2 eps for the one parameter p = array[index] of ``network``."""
    original = array[index]
    array[index] = original + eps
    cost_plus = network.cost_value(X, Y)
    array[index] = original - eps
    cost_minus = network.cost_value(X, Y)
    array[index] = original
    return (cost_plus - cost_minus) / (2 * eps)


def output_slope(network, z, a):
    """da/dz of each output neuron on its own, (n_out,) for one example's z and a (n_out,);
    None when the output activation mixes its neurons (softmax), so that no such number exists."""
    if network.output.name == "softmax":
        return None
    return network.output.backward(z[None], a[None], np.ones((1, len(z))))[0]


def chain_rule(network, x, label, X_batch, labels_batch, eps=1e-4):
    """One weight's derivative worked by hand, as 3Blue1Brown's chapter 4 does, beside backprop's.

    The weight is w = weights[-1][k, j] of the output layer (neuron k of the layer before to output j), the one this
    example x (784,) with target ``label`` pulls on hardest (the largest |dC0/dw|). For this one
    example's cost C0: dC0/dw = a_k * f'(z_j) * dC0/da_j (dz_j/dw, da_j/dz_j, the cost's prime).
    One layer further back, for the weight w' = weights[-2][i, k] with the largest
    |dC0/dw'|: dC0/da_k = sum over outputs j of weights[-1][k, j] * dC0/dz_j, and dC0/dw' = a_i * f'(z_k) *
    dC0/da_k. Over the mini-batch X_batch (n, 784) with ``labels_batch`` (n,), the cost is the mean
    of the examples' costs, so dC/dw is the mean of their dC_x/dw.

    Returns a dict of float64 numbers and arrays (see the keys below); ``previous`` is None for
    a network without a hidden layer. ``network`` itself is not changed.
    """
    network = as_float64(network)
    n_out = network.sizes[-1]
    X = np.asarray(x, dtype=np.float64).reshape(1, -1)
    Y = one_hot([label], n_out, dtype=np.float64)
    zs, activations = network.forward_trace(X)
    grad_w, _ = network.backprop(X, Y)
    z, a, y = zs[-1][0], activations[-1][0], Y[0]
    a_prev = activations[-2][0]
    cost_prime = network.cost.prime(a[None], y[None])[0]           # dC0/da, the cost's prime for n = 1
    slope = output_slope(network, z, a)                             # da_j/dz_j
    delta = network.output.backward(z[None], a[None], cost_prime[None])[0]  # dC0/dz: BP1
    k, j = np.unravel_index(np.abs(grad_w[-1]).argmax(), grad_w[-1].shape)
    k, j = int(k), int(j)
    last = {
        "k": k, "j": j, "a_prev": a_prev[k], "z": z[j], "a": a[j], "y": y[j],
        "slope": None if slope is None else slope[j], "cost_prime": cost_prime[j], "delta": delta[j],
        "by_hand": a_prev[k] * delta[j],                                         # dz/dw * dC0/dz
        "backprop": grad_w[-1][k, j],
        "finite_difference": central_difference(network, X, Y, network.weights[-1], (k, j), eps),
    }
    return {
        "layers": len(network.weights),
        "last": last,
        "previous": _one_layer_back(network, X, Y, zs, activations, grad_w, delta, eps),
        "batch": _over_the_batch(network, X_batch, labels_batch, k, j),
    }


def _one_layer_back(network, X, Y, zs, activations, grad_w, delta, eps):
    """The chain rule for the weight weights[-2][i, k], the one of the layer before the output layer that
    this example pulls on hardest: dC0/da_k summed over the outputs, then times f'(z_k) and a_i."""
    if len(network.weights) < 2:
        return None
    i, k = np.unravel_index(np.abs(grad_w[-2]).argmax(), grad_w[-2].shape)
    i, k = int(i), int(k)
    terms = network.weights[-1][k] * delta                           # weights[-1][k, j] dC0/dz_j, one per output j
    grad_a_k = terms.sum()                                           # BP2, before f'
    z_k, a_k = zs[-2][0, k], activations[-2][0, k]
    slope = network.activation.backward(np.array([z_k]), np.array([a_k]), np.ones(1))[0]  # f'(z_k)
    a_i = activations[-3][0, i]
    return {
        "i": i, "k": k, "terms": terms, "grad_a_k": grad_a_k, "backprop_grad_a_k": (delta @ network.weights[-1].T)[k],
        "z": z_k, "a": a_k, "slope": slope, "a_prev": a_i,
        "by_hand": a_i * slope * grad_a_k,
        "backprop": grad_w[-2][i, k],
        "finite_difference": central_difference(network, X, Y, network.weights[-2], (i, k), eps),
    }


def _over_the_batch(network, X_batch, labels_batch, k, j):
    """Each example's dC_x/dw of w = weights[-1][k, j] by the chain rule, their mean, and backprop's dC/dw
    for the batch's mean cost."""
    X = np.asarray(X_batch, dtype=np.float64)
    Y = one_hot(labels_batch, network.sizes[-1], dtype=np.float64)
    zs, activations = network.forward_trace(X)
    per_example = []
    for n in range(len(X)):
        z, a, y = zs[-1][n:n + 1], activations[-1][n:n + 1], Y[n:n + 1]
        delta = network.output.backward(z, a, network.cost.prime(a, y))[0]   # dC_x/dz for this example alone
        per_example.append(activations[-2][n, k] * delta[j])
    grad_w, _ = network.backprop(X, Y)
    per_example = np.array(per_example)
    return {"labels": np.asarray(labels_batch), "per_example": per_example, "mean": per_example.mean(),
            "backprop": grad_w[-1][k, j]}
