"""Optimizers: each turns a gradient into a step, ``step(params, grads)``, in place.

An optimizer keeps its own state (velocities, Adam's moments), never the network.
``lr`` is an attribute, so a learning-rate schedule can change it between steps.
``state()`` and ``set_state(state)`` give that state as named arrays, for a checkpoint.
"""

import math

import numpy as np

State = dict[str, np.ndarray]  # an optimizer's state, for a checkpoint


class SGD:
    """Plain gradient descent, p <- p - lr * grad, on whatever batch it is given.

    Given mini-batches this is the seed's stochastic gradient descent; given the whole
    training set at once (``GradientDescent``) it is full-batch gradient descent.
    """

    full_batch = False

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update each array of ``params`` in place by its gradient in ``grads`` (same shapes)."""
        for p, g in zip(params, grads):
            p -= self.lr * g

    def state(self) -> State:
        """What the next steps depend on besides ``lr``, as {name: array}: nothing, for plain SGD."""
        return {}

    def set_state(self, state: State) -> None:
        """Go on from ``state()``; ValueError if it is not one this optimizer gave."""
        _check_names(state, ())


class GradientDescent(SGD):
    """Full-batch gradient descent: one step per pass over the whole training set."""

    full_batch = True


class Momentum:
    """Gradient descent with momentum: v <- mu v - lr grad;  p <- p + v."""

    full_batch = False

    def __init__(self, lr: float, mu: float = 0.9):
        self.lr = lr
        self.mu = mu
        self.velocities: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocities):
            v *= self.mu
            v -= self.lr * g
            p += v

    def state(self) -> State:
        return {} if self.velocities is None else {f"velocity_{i}": v for i, v in enumerate(self.velocities)}

    def set_state(self, state: State) -> None:
        _check_names(state, [f"velocity_{i}" for i in range(len(state))])
        self.velocities = [np.array(state[f"velocity_{i}"]) for i in range(len(state))] or None


class Adam:
    """Adam (Kingma and Ba, 2015): steps scaled by running moments of the gradient.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    p <- p - lr * m_hat / (sqrt(v_hat) + eps), with the moments' bias corrected by 1 - b^t.
    """

    full_batch = False

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.moments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        moments = self._start_moments(params)
        self.t += 1
        corrected_m, corrected_v = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        # the same formulas, computed in place in a scratch array (no new arrays at each step)
        for p, g, (m, v, scratch) in zip(params, grads, moments):
            m *= self.beta1
            np.multiply(g, 1 - self.beta1, out=scratch)
            m += scratch                       # m = b1 m + (1 - b1) g
            v *= self.beta2
            np.multiply(g, g, out=scratch)
            scratch *= 1 - self.beta2
            v += scratch                       # v = b2 v + (1 - b2) g^2
            np.sqrt(v, out=scratch)
            scratch *= 1 / math.sqrt(corrected_v)  # a Python float: NumPy keeps float32
            scratch += self.eps                # sqrt(v_hat) + eps
            np.divide(m, scratch, out=scratch)
            scratch *= self.lr / corrected_m   # lr m_hat / (sqrt(v_hat) + eps)
            p -= scratch

    def moments_for(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """(m, v, t) for one vector of parameters: the moments ``step`` keeps, as the live arrays, and how many
        steps it has taken.

        For an engine that takes Adam's steps its own way (``digitnet.fast``): it updates m and v in place, by
        these formulas, then says how many steps it took with ``count_steps``; either can go on from the
        other. The moments are made (zeros) on first use. ValueError if this Adam keeps moments for other
        parameters (it was used for another network): the engine would read and write past their ends.
        """
        moments = self._start_moments([vector])
        fits = len(moments) == 1 and all(
            array.shape == vector.shape and array.dtype == vector.dtype for array in moments[0])
        if not fits:
            raise ValueError("this Adam's moments belong to other parameters (was it used for another network?); "
                             "give each network a new optimizer")
        m, v, _ = moments[0]
        return m, v, self.t

    def _start_moments(self, params: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(m, v, scratch) for each array of ``params``, zeros, unless this Adam has its moments already."""
        if self.moments is None:
            self.moments = [(np.zeros_like(p), np.zeros_like(p), np.empty_like(p)) for p in params]
        return self.moments

    def count_steps(self, n: int) -> None:
        """Count ``n`` steps taken on the moments that ``moments_for`` gave (the bias correction depends on it)."""
        self.t += int(n)

    def state(self) -> State:
        if self.moments is None:
            return {}
        named = {"t": np.array(self.t)}
        for i, (m, v, _) in enumerate(self.moments):
            named.update({f"moment1_{i}": m, f"moment2_{i}": v})
        return named

    def set_state(self, state: State) -> None:
        n = (len(state) - 1) // 2 if state else 0
        _check_names(state, [f"moment{k}_{i}" for i in range(n) for k in (1, 2)] + (["t"] if state else []))
        if not state:
            self.t, self.moments = 0, None
            return
        self.t = int(state["t"])
        self.moments = [(np.array(state[f"moment1_{i}"]), np.array(state[f"moment2_{i}"]),
                         np.empty_like(state[f"moment1_{i}"])) for i in range(n)]


def _check_names(state: State, expected: list[str] | tuple[()]) -> None:
    if sorted(state) != sorted(expected):
        raise ValueError(f"an optimizer state with {sorted(state)} does not fit this optimizer "
                         f"(it keeps {sorted(expected) or 'nothing'})")


OPTIMIZERS = {
    "gd": GradientDescent,
    "sgd": SGD,
    "momentum": Momentum,
    "adam": Adam,
}


def make_optimizer(name: str, lr: float) -> SGD | Momentum | Adam:
    """Build the optimizer called ``name`` with learning rate ``lr``."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(sorted(OPTIMIZERS))}")
    return OPTIMIZERS[name](lr)
