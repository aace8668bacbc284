"""A fully connected feed-forward network, trained by backpropagation.

The seed's network is ``Network()``: 784 -> 16 -> 16 -> 10 with sigmoid neurons and the
mean squared error cost, 13,002 weights and biases. Examples are rows: ``X`` is
(n, 784), ``Y`` the one-hot targets (n, 10). Left out on purpose: convolutions,
dropout, batch normalisation; anything beyond what the seed's lesson needs.
"""

import numpy as np

from .activations import HIDDEN_ACTIVATIONS, get_activation
from .costs import get_cost, output_delta

SEED_SIZES = (784, 16, 16, 10)
_DTYPES = {"float32": np.float32, "float64": np.float64}


class Network:
    """Weights and biases of a layered network, with the forward and backward passes.

    ``weights[l]`` has shape (sizes[l], sizes[l+1]) and ``biases[l]`` shape (sizes[l+1],).
    Hidden layers use ``activation``; the output layer uses ``output`` (by default the
    one that suits the cost: sigmoid for ``mse``, softmax for ``cross_entropy``).
    Weights start as N(0, gain^2 / fan_in), gain 1 (sqrt 2 for relu), biases at 0,
    drawn from ``np.random.default_rng(seed)``: the same seed gives the same network.
    """

    def __init__(self, sizes=SEED_SIZES, activation="sigmoid", cost="mse", seed=0,
                 output=None, dtype="float32"):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be at least two positive layer sizes, got {sizes}")
        if str(np.dtype(dtype)) not in _DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; choose one of: float32, float64")
        self.sizes = sizes
        self.activation = get_activation(activation, allowed=HIDDEN_ACTIVATIONS)
        self.cost = get_cost(cost)
        self.output = get_activation(output or self.cost.default_output)
        self.seed = seed
        self.dtype = np.dtype(dtype)
        self.metadata = {}  # how it was trained: recipe, epochs, accuracy, data checksum
        rng = np.random.default_rng(seed)
        gain = np.sqrt(2.0) if activation == "relu" else 1.0
        self.weights = [
            (rng.standard_normal((n_in, n_out)) * (gain / np.sqrt(n_in))).astype(self.dtype)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])
        ]
        self.biases = [np.zeros(n_out, dtype=self.dtype) for n_out in sizes[1:]]

    @property
    def n_params(self):
        """The number of weights and biases (13,002 for the seed's network)."""
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    @property
    def params(self):
        """Every weight and bias array, weights first: the list an optimizer updates in place."""
        return self.weights + self.biases

    def config(self):
        """What it takes to build this network again (without its weights)."""
        return {
            "sizes": list(self.sizes),
            "activation": self.activation.name,
            "cost": self.cost.name,
            "output": self.output.name,
            "seed": self.seed,
            "dtype": str(self.dtype),
        }

    def _layer_activation(self, l):
        return self.output if l == len(self.weights) - 1 else self.activation

    def forward_trace(self, X):
        """Return (zs, activations) for X (n, sizes[0]).

        ``zs[l]`` is layer l+1's weighted input (n, sizes[l+1]); ``activations[0]`` is X
        itself and ``activations[l+1] = f(zs[l])``.
        """
        a = np.asarray(X, dtype=self.dtype)
        zs, activations = [], [a]
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ w
            z += b                                  # z = a_prev W + b
            a = self._layer_activation(l)(z)        # a = f(z)
            zs.append(z)
            activations.append(a)
        return zs, activations

    def feedforward(self, X):
        """The output layer's activations (n, sizes[-1]) for X (n, sizes[0])."""
        a = np.asarray(X, dtype=self.dtype)
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ w
            z += b
            a = self._layer_activation(l)(z)
        return a

    def backprop(self, X, Y):
        """Return (grad_w, grad_b): the gradient of the batch's mean cost for X (n, 784), Y (n, 10)."""
        zs, activations = self.forward_trace(X)
        n_layers = len(self.weights)
        grad_w, grad_b = [None] * n_layers, [None] * n_layers
        delta = output_delta(self.cost, self.output, zs[-1], activations[-1], Y)    # BP1
        for l in reversed(range(n_layers)):
            grad_w[l] = activations[l].T @ delta                                   # BP4
            grad_b[l] = delta.sum(axis=0)                                          # BP3
            if l > 0:
                delta = self.activation.backward(zs[l - 1], activations[l], delta @ self.weights[l].T)  # BP2
        return grad_w, grad_b

    def cost_value(self, X, Y):
        """The mean cost over the examples X (n, 784) with one-hot targets Y (n, 10)."""
        return self.cost.value(self.feedforward(X), Y)

    def predict_proba(self, X):
        """For each row of X, how strongly the network believes in each class (rows sum to 1).

        Softmax outputs are returned as they are; sigmoid outputs, each a number from 0 to 1
        on its own, are divided by their sum.
        """
        a = self.feedforward(X)
        if self.output.name == "softmax":
            return a
        return a / np.maximum(a.sum(axis=1, keepdims=True), 1e-12)

    def predict(self, X):
        """The class (digit) with the brightest output for each row of X, shape (n,)."""
        return self.feedforward(X).argmax(axis=1)

    def score(self, X, labels):
        """The fraction of rows of X whose predicted class equals ``labels`` (n,)."""
        return float((self.predict(X) == np.asarray(labels)).mean())

    def copy_params(self):
        """A copy of every weight and bias, to put back with ``set_params``."""
        return [p.copy() for p in self.params]

    def set_params(self, params):
        """Overwrite the weights and biases (in place) with ``params`` from ``copy_params``."""
        for mine, theirs in zip(self.params, params):
            mine[...] = theirs

    def save(self, path):
        """Write the network and its metadata to ``path`` (see ``digitnet.storage``)."""
        from .storage import save

        return save(self, path)
