"""POST /api/backprop: backpropagation, step by step, for the digit on the canvas (3Blue1Brown's chapter 3).

Every number comes from the core, on a float64 copy of the page's network: the forward pass from
``forward_trace``, the gradient from ``backprop``, dC/da of the outputs from the network's own cost.
With one example the batch is that example, so ``grad_b[l]`` is layer l+1's delta = dC/dz itself.
The gradient step is taken on another copy: the page's network is never changed here.
"""

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from ..network import Network
from ..optimizers import SGD
from .errors import refuse
from .schemas import Body, Finite

MAX_INPUTS = 10_000  # far more than any layer of inputs the page's networks read (784)
MAX_STEP_RATE = 1000  # one example's gradient is small: a rate up to here is a step a learner may try

router = APIRouter()


class BackpropRequest(Body):
    """The network's input for the digit on the canvas (its 784 pixels, 0 paper to 1 ink, as /api/predict
    answered them), the digit it should be (None: the network's own answer) and the step's learning rate."""

    input: list[Finite] = Field(max_length=MAX_INPUTS)
    target: int | None = Field(default=None, ge=0)
    learning_rate: Finite = Field(default=3.0, gt=0, le=MAX_STEP_RATE)


def as_float64(network):
    """A float64 copy of ``network``: the same layers, weights and biases."""
    copy = Network(**dict(network.config(), dtype="float64"))
    copy.vector[...] = network.vector
    return copy


def outputs_json(network, X, Y):
    """The output layer's activations for the one row of X, its cost against Y and the digit it reads."""
    a = network.feedforward(X)[0]
    return {"outputs": a.tolist(), "cost": network.cost_value(X, Y), "digit": int(a.argmax())}


def backprop_json(page_network, x, target, learning_rate):
    """Backpropagation of the cost of one input ``x`` (sizes[0],) with the one-hot ``target`` (or the
    network's answer if None), layer by layer, and one gradient step at ``learning_rate`` on a copy.

    ``layers[l]`` is layer l+1 (the first hidden layer first, the output layer last): its z, a, what it
    "wants", -dC/da, and its delta, dC/dz; a hidden layer also its activation's slope f'(z).
    ``nudges[k][j]`` is what output j asks of neuron k of the last hidden layer through weights[-1][k, j]:
    -weights[-1][k, j] * delta_j; the sum over j is that neuron's -dC/da. ``first_layer`` holds each
    first-layer neuron's incoming weights and -dC/dW (one row of sizes[0] per neuron).
    Raises ValueError saying what does not fit the network.
    """
    network = as_float64(page_network)
    n_in, n_out = network.sizes[0], network.sizes[-1]
    if len(network.sizes) < 3:
        raise ValueError("this network has no hidden layer for the error to go back through")
    if len(x) != n_in:
        raise ValueError(f"input has {len(x)} values but the network reads {n_in} pixels")
    X = np.asarray(x, dtype=np.float64)[None, :]
    if X.min() < 0 or X.max() > 1:
        raise ValueError(f"input must be from 0 (paper) to 1 (ink), got values from {X.min():g} to {X.max():g}")
    zs, activations = network.forward_trace(X)
    answer = int(activations[-1][0].argmax())
    target = answer if target is None else target
    if not 0 <= target < n_out:
        raise ValueError(f"target must be a digit from 0 to {n_out - 1}, got {target}")
    Y = np.zeros((1, n_out))
    Y[0, target] = 1.0

    # backward pass: the library's gradient; with one example, grad_b[l] is layer l+1's delta = dC/dz
    grad_w, grad_b = network.backprop(X, Y)
    wishes = [-network.cost.prime(activations[-1], Y)[0]]                     # -dC/da of the outputs
    for l in reversed(range(1, len(network.weights))):
        wishes.insert(0, -(network.weights[l] @ grad_b[l]))                   # -dC/da = -W delta (BP2)
    layers = [{"z": z[0].tolist(), "a": a[0].tolist(), "wish": wish.tolist(), "delta": delta.tolist()}
              for z, a, wish, delta in zip(zs, activations[1:], wishes, grad_b)]
    for layer, z, a in zip(layers[:-1], zs, activations[1:]):  # a hidden neuron's slope f'(z): delta / (dC/da)
        layer["slope"] = network.activation.backward(z, a, np.ones_like(a))[0].tolist()
    nudges = -network.weights[-1] * grad_b[-1][None, :]                      # one term of BP2's sum each

    # one gradient step on another copy: the page's network stays as it is
    stepped = as_float64(page_network)
    SGD(learning_rate).step(stepped.weights + stepped.biases, grad_w + grad_b)
    return {
        "sizes": list(network.sizes), "cost_name": network.cost.name, "output_name": network.output.name,
        "hidden_name": network.activation.name, "answer": answer, "target": target,
        "learning_rate": learning_rate, "layers": layers, "nudges": nudges.tolist(),
        "first_layer": {"weights": network.weights[0].T.tolist(), "minus_grad": (-grad_w[0]).T.tolist()},
        "before": outputs_json(network, X, Y), "after": outputs_json(stepped, X, Y),
        "step_length": float(np.linalg.norm(stepped.vector - network.vector)),
    }


@router.post("/api/backprop")
def backprop(body: BackpropRequest, request: Request):
    try:
        answer = backprop_json(request.app.state.network, body.input, body.target, body.learning_rate)
    except ValueError as error:
        return refuse(422, str(error))
    return JSONResponse(answer)
