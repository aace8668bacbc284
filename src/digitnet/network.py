"""A fully connected feed-forward network, trained by backpropagation.

The seed's network is ``Network()``: 784 -> 16 -> 16 -> 10 with sigmoid neurons and the
mean squared error cost, 13,002 weights and biases. Examples are rows: ``X`` is
(n, 784), ``Y`` the one-hot targets (n, 10). Left out on purpose: convolutions,
batch normalisation; anything beyond what the seed's lesson and its recipe ladder need.
"""

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .activations import HIDDEN_ACTIVATIONS, get_activation
from .costs import get_cost, output_delta

SEED_SIZES = (784, 16, 16, 10)
# the largest network digitnet builds: training, loading a model file and the page all hold to these
MAX_PARAMS = 10_000_000  # weights and biases (80 MB in float64)
MAX_LAYERS = 100         # layer sizes, the input's included
MAX_SEED = 2**64 - 1     # NumPy's generators take any whole number from 0; JSON keeps this many exactly
_DTYPES = {"float32": np.float32, "float64": np.float64}
INITS = ("fan_in", "normal")
Array = NDArray[np.floating]  # float32 or float64, as the network's dtype


FasterForward = Callable[["Network", ArrayLike, bool], "list[Array] | None"]
_faster_forward: FasterForward | None = None


def use_faster_forward(forward: FasterForward | None) -> None:
    """Let ``Network.feedforward`` and ``activations`` ask ``forward(network, X, every_layer)`` first: the same
    activations computed faster (every layer's, or with every_layer False at least the output's, last), or None
    where it does not cover the network. ``digitnet.fast`` sets its compiled pass here once its code is loaded;
    this module itself is NumPy alone. None: the readable pass only."""
    global _faster_forward
    _faster_forward = forward


def check_sizes(sizes: Sequence[int]) -> int:
    """The number of weights and biases of a network with layers of ``sizes``; ValueError unless they are
    2 to MAX_LAYERS whole numbers from 1 up that make at most MAX_PARAMS weights and biases."""
    if not 2 <= len(sizes) <= MAX_LAYERS or any(type(size) is not int or size < 1 for size in sizes):
        shown = list(sizes) if len(sizes) <= 8 else f"{len(sizes)} sizes"
        raise ValueError(f"a network needs 2 to {MAX_LAYERS} layer sizes, each a whole number from 1 up, "
                         f"not {shown}")
    n_params = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMS:
        raise ValueError(f"layer sizes {'-'.join(map(str, sizes))} make {n_params:,} weights and biases, more than "
                         f"the {MAX_PARAMS:,} digitnet builds; use fewer or smaller layers")
    return n_params


class Network:
    """Weights and biases of a layered network, with the forward and backward passes.

    ``weights[l]`` has shape (sizes[l], sizes[l+1]) and ``biases[l]`` shape (sizes[l+1],).
    Hidden layers use ``activation``; the output layer uses ``output`` (by default the
    one that suits the cost: sigmoid for ``mse``, softmax for ``cross_entropy``).
    Weights start as N(0, gain^2 / fan_in), gain 1 (sqrt 2 for relu), biases at 0 (``init``
    "fan_in"); or, with ``init`` "normal", all of them N(0, 1), as in Nielsen's book (a simple
    start whose big weights saturate sigmoid neurons). They are drawn from
    ``np.random.default_rng(seed)``: the same seed gives the same network.
    """

    def __init__(self, sizes: Sequence[int] = SEED_SIZES, activation: str = "sigmoid", cost: str = "mse",
                 seed: int = 0, output: str | None = None, dtype: DTypeLike = "float32", init: str = "fan_in"):
        sizes = tuple(int(s) for s in sizes)
        check_sizes(sizes)
        if type(seed) is not int and not isinstance(seed, np.integer) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to 2**64 - 1, got {seed!r}")
        if str(dtype) not in _DTYPES and dtype not in _DTYPES.values():
            raise ValueError(f"unknown dtype {dtype!r}; choose one of: float32, float64")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; choose one of: {', '.join(INITS)}")
        self.sizes = sizes
        self.activation = get_activation(activation, allowed=HIDDEN_ACTIVATIONS)
        self.cost = get_cost(cost)
        self.output = get_activation(output or self.cost.default_output)
        # the activation of each layer after the input: the hidden one, then the output's
        self.layer_activations = [self.activation] * (len(sizes) - 2) + [self.output]
        self.seed = seed
        self.init = init
        self.dtype = np.dtype(dtype)
        self.metadata: dict[str, Any] = {}  # how it was trained: recipe, epochs, accuracy, data checksum
        shapes: list[tuple[int, ...]] = [(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        shapes += [(n_out,) for n_out in sizes[1:]]
        self._layout = _layout(shapes)
        # every weight and bias lives in one vector of n_params numbers, weights first;
        # weights[l] and biases[l] are views into it, so change them in place only
        self.vector = np.zeros(self._layout[-1][2], dtype=self.dtype)
        self.weights, self.biases = self.unflatten(self.vector)
        rng = np.random.default_rng(seed)
        if init == "normal":
            self.vector[...] = rng.standard_normal(self.vector.shape)
            return
        gain = np.sqrt(2.0) if activation == "relu" else 1.0
        for w in self.weights:
            w[...] = rng.standard_normal(w.shape) * (gain / np.sqrt(w.shape[0]))

    def unflatten(self, vector: Array) -> tuple[list[Array], list[Array]]:
        """Split a vector of n_params numbers into (weights, biases) lists of views into it."""
        views = [vector[start:stop].reshape(shape) for shape, start, stop in self._layout]
        n_layers = len(self.sizes) - 1
        return views[:n_layers], views[n_layers:]

    def __getstate__(self) -> dict[str, Any]:
        """For pickle and copy.deepcopy: the vector, without the views into it (a copy would not share it)."""
        return {key: value for key, value in vars(self).items() if key not in ("weights", "biases")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self.weights, self.biases = self.unflatten(self.vector)

    @property
    def n_params(self) -> int:
        """The number of weights and biases (13,002 for the seed's network)."""
        return self.vector.size

    @property
    def n_weights(self) -> int:
        """How many of the n_params come first and are weights (the rest are biases)."""
        return self._layout[len(self.sizes) - 2][2]

    def config(self) -> dict[str, Any]:
        """What it takes to build this network again (without its weights)."""
        return {
            "sizes": list(self.sizes),
            "activation": self.activation.name,
            "cost": self.cost.name,
            "output": self.output.name,
            "seed": self.seed,
            "dtype": str(self.dtype),
            "init": self.init,
        }

    def forward_trace(self, X: ArrayLike, keep: list[Array] | None = None) -> tuple[list[Array], list[Array]]:
        """Return (zs, activations) for X (n, sizes[0]).

        ``zs[l]`` is layer l+1's weighted input (n, sizes[l+1]); ``activations[0]`` is X
        itself and ``activations[l+1] = f(zs[l])``. Dropout: ``keep[l]`` (n, sizes[l+1]), one
        array per hidden layer, multiplies that layer's activations (0 for a dropped neuron).
        """
        a = np.asarray(X, dtype=self.dtype)
        zs, activations = [], [a]
        for l, (w, b, f) in enumerate(zip(self.weights, self.biases, self.layer_activations)):
            z = a @ w
            z += b          # z = a_prev W + b
            a = f.function(z)  # a = f(z)
            if keep is not None and l < len(keep):
                a = a * keep[l]
            zs.append(z)
            activations.append(a)
        return zs, activations

    def feedforward(self, X: ArrayLike) -> Array:
        """The output layer's activations (n, sizes[-1]) for X (n, sizes[0])."""
        return self._forward_layers(X, every_layer=False)[-1]

    def activations(self, X: ArrayLike) -> list[Array]:
        """Every layer's activations for X (n, sizes[0]), the input's left out: [a_1, ..., the output's]."""
        return self._forward_layers(X, every_layer=True)

    def _forward_layers(self, X: ArrayLike, every_layer: bool) -> list[Array]:
        """The layers' activations, the input's left out: by the faster pass where one is plugged in and covers
        this network (with ``every_layer`` False it may give the output's alone), else by ``forward_trace``."""
        if _faster_forward is not None and np.ndim(X) == 2 and np.shape(X)[1] == self.sizes[0]:
            layers = _faster_forward(self, X, every_layer)  # the same numbers, compiled, where it covers this network
            if layers is not None:
                return layers
        zs, activations = self.forward_trace(X)
        return activations[1:]

    def backprop(self, X: ArrayLike, Y: ArrayLike) -> tuple[list[Array], list[Array]]:
        """Return (grad_w, grad_b): the gradient of the batch's mean cost for X (n, 784), Y (n, 10).

        ``grad_w[l]`` is shaped like ``weights[l]`` and ``grad_b[l]`` like ``biases[l]``.
        """
        return self.unflatten(self.gradient(X, Y))

    def gradient(self, X: ArrayLike, Y: ArrayLike, keep: list[Array] | None = None) -> Array:
        """The gradient of the batch's mean cost as one vector of n_params numbers, laid out as ``vector``.

        ``keep``: dropout masks, as ``forward_trace`` takes them.
        """
        zs, activations = self.forward_trace(X, keep)
        gradient = np.empty_like(self.vector)
        grad_w, grad_b = self.unflatten(gradient)
        delta = output_delta(self.cost, self.output, zs[-1], activations[-1], Y)    # BP1
        for l in reversed(range(len(self.weights))):
            np.matmul(activations[l].T, delta, out=grad_w[l])                      # BP4
            np.add.reduce(delta, axis=0, out=grad_b[l])                            # BP3
            if l > 0:
                grad_a = delta @ self.weights[l].T
                a = activations[l]
                if keep is not None:  # a dropped neuron passes nothing back; f' needs f(z) before the mask
                    grad_a *= keep[l - 1]
                    a = self.activation.function(zs[l - 1])
                delta = self.activation.backward(zs[l - 1], a, grad_a)             # BP2
        return gradient

    def cost_value(self, X: ArrayLike, Y: ArrayLike) -> float:
        """The mean cost over the examples X (n, 784) with one-hot targets Y (n, 10)."""
        return self.cost.value(self.feedforward(X), Y)

    def predict_proba(self, X: ArrayLike) -> Array:
        """For each row of X, how strongly the network believes in each class (rows sum to 1).

        Softmax outputs are returned as they are; sigmoid outputs, each a number from 0 to 1
        on its own, are divided by their sum.
        """
        return self.probabilities(self.feedforward(X))

    def probabilities(self, outputs: Array) -> Array:
        """The output layer's activations (n, sizes[-1]) as ``predict_proba`` gives them."""
        if self.output.name == "softmax":
            return outputs
        return outputs / np.maximum(outputs.sum(axis=1, keepdims=True), 1e-12)

    def predict(self, X: ArrayLike) -> NDArray[np.intp]:
        """The class (digit) with the brightest output for each row of X, shape (n,)."""
        return self.feedforward(X).argmax(axis=1)

    def score(self, X: ArrayLike, labels: ArrayLike) -> float:
        """The fraction of rows of X whose predicted class equals ``labels`` (n,)."""
        return float((self.predict(X) == np.asarray(labels)).mean())

    def save(self, path: str | os.PathLike) -> Path:
        """Write the network and its metadata to ``path`` (see ``digitnet.storage``)."""
        from .storage import save

        return save(self, path)


def _layout(shapes):
    """(shape, start, stop) of each array in a flat vector holding them one after another."""
    layout, start = [], 0
    for shape in shapes:
        stop = start + int(np.prod(shape))
        layout.append((shape, start, stop))
        start = stop
    return layout
