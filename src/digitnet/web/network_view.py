"""What the network view needs beyond /api/model: which hidden neurons are dead, and why.

A hidden neuron is dead when its output hardly moves over the MNIST test digits (by less than
STILL from its lowest to its highest): whatever the digit, it tells the next layer the same
thing. A ReLU neuron whose weighted input z is below 0 on every digit is the usual case (it gives
0, and no gradient reaches its weights, so training cannot revive it); a sigmoid neuron stuck at
0 or 1 (saturated), or one whose incoming weights are all 0, is another.
"""

import threading

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..data.idx import IDXError
from ..data.mnist import load_mnist
from .errors import refuse

STILL = 0.01  # an output that moves less than this over all the test digits is dead

router = APIRouter()
_test_sets: dict = {}  # data folder -> its test images (n, 784), read once
_reading = threading.Lock()


def test_images(data_dir):
    """The test images of the MNIST in ``data_dir`` (the bundled one if None), read once."""
    with _reading:
        if data_dir not in _test_sets:
            (test,) = load_mnist(data_dir, parts=("test",))
            _test_sets[data_dir] = test.X
    return _test_sets[data_dir]


def why_dead(weights, activation, low, high, n):
    """One sentence on why a neuron whose outputs over ``n`` digits span ``low`` to ``high`` is dead."""
    digits = f"{n:,} test digits"
    if not np.any(weights):
        return f"all its incoming weights are 0, so it gives {high:.3f} whatever the digit"
    if activation == "relu" and high == 0:
        return (f"its weighted sum z is below 0 on all {digits}, so ReLU gives 0, and no gradient "
                "reaches its weights or passes back through it")
    return (f"its output stays between {low:.3f} and {high:.3f} on all {digits} (saturated): "
            "it tells the next layer nothing about the digit")


def dead_json(network, X):
    """For each hidden layer, each neuron's lowest and highest output over X (n, 784), and whether
    (and why) it is dead."""
    _, activations = network.forward_trace(X)
    layers = []
    for layer, a in enumerate(activations[1:-1], start=1):
        weights = network.weights[layer - 1]
        activation = network.layer_activations[layer - 1].name
        low, high = a.min(axis=0), a.max(axis=0)
        neurons = []
        for i in range(a.shape[1]):
            dead = bool(high[i] - low[i] < STILL)
            neurons.append({"low": float(low[i]), "high": float(high[i]), "dead": dead,
                            "why": why_dead(weights[:, i], activation, float(low[i]), float(high[i]), len(X))
                            if dead else None})
        layers.append(neurons)
    return {"digits": len(X), "still": STILL, "layers": layers}


@router.get("/api/dead-neurons")
def dead_neurons(request: Request):
    """The hidden neurons of the network in use that are dead on the MNIST test digits."""
    app = request.app
    network = app.state.network
    cached = getattr(app.state, "dead_neurons", None)
    if cached is not None and cached[0] is network:
        return JSONResponse(cached[1])
    try:
        X = test_images(getattr(app.state.training, "data_dir", None))
    except (IDXError, OSError) as error:
        return refuse(503, f"the test digits could not be read: {error}")
    answer = dead_json(network, X)
    app.state.dead_neurons = (network, answer)
    return JSONResponse(answer)
