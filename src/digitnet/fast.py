"""The fast path: the same forward pass and SGD and Adam steps as ``Network``, compiled by Numba.

``Network`` is written to be read: a handful of NumPy calls per layer, each of which costs
about a microsecond before it does any arithmetic. At mini-batches of 10 that overhead, not
the arithmetic, is most of an epoch. Here the same arithmetic runs in compiled loops
(``_kernels``): a stage of the mini-batch at a time and one example at a time within it, on
16 numbers at once where the CPU can (``_lanes``), skipping the zero pixels of an image (four
in five of MNIST's). The README's Speed section gives the figures, and why these loops are
written beneath Numba's public API.

``Compiled`` is the step engine ``training.train`` takes where this path computes what the
readable one would (``supports``: sigmoid, relu or tanh hidden neurons, any number of layers; a
sigmoid output with the mean squared error, or a softmax output with cross-entropy; plain SGD
or Adam with L2 weight decay); ``training.Readable`` takes every other training, with Adam's
update compiled where it can be (``adam_step``). ``Network.feedforward`` and ``activations``
ask this path first once it is loaded (``use_faster_forward``). Without Numba, or with
``DIGITNET_FAST=0``, everything is readable. The two paths agree to float32 rounding
(``tests/test_fast.py``).

The compiled loops are imported on first use, since importing Numba takes a while. Numba
compiles them the first time they run (seconds) and keeps the result in its cache
(``__pycache__`` beside them, or NUMBA_CACHE_DIR), so later runs load them. ``Network.feedforward``
uses the fast path only once it is loaded (``ready``, after ``warm_up``), so a one-off
``digitnet predict`` does not wait for Numba; for the same reason ``train`` takes it only for
trainings long enough to be worth loading it.
"""

import importlib.util
import os
import sys
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from . import frozen
from ._kinds import HIDDEN, OUTPUTS
from .network import use_faster_forward
from .optimizers import SGD, Adam

ADAM_MIN_EPS = 1e-12
KEPT_ROWS_MIN = 1000  # a read-only set of fewer rows is fed forward as it is: keeping its non-zero values costs more


_BROKEN: list[Exception] = []  # why the compiled loops could not be imported, once they were tried
# what this process has loaded: ("forward" or "training", dtype, number of layers) (see ``warm_up``)
_LOADED: set[tuple[str, np.dtype, int]] = set()


def available():
    """True when Numba is installed and imports, and DIGITNET_FAST=0 does not turn the fast path off."""
    if os.environ.get("DIGITNET_FAST", "1") == "0" or _BROKEN:
        return False
    if loaded():  # asked before every prediction: this answer costs no look for Numba on disk
        return True
    return importlib.util.find_spec("numba") is not None and _kernels() is not None


def loaded():
    """True when the compiled loops are already imported in this process (importing them takes a while)."""
    return "digitnet._kernels" in sys.modules and not _BROKEN


def _kernels():
    """The compiled loops, imported on first use; None if Numba is installed but fails to import."""
    if loaded():  # the quick way, for each prediction once loaded
        return sys.modules["digitnet._kernels"]
    try:
        from . import _kernels
        _kernels.run(_kernels.compiles, np.arange(20, dtype=np.float32))
    except Exception as error:  # a Numba built for another NumPy, or whose LLVM cannot compile the
        _BROKEN.append(error)   # loops (before 0.62), say: the readable path still works
        return None
    return _kernels


def ready(network):
    """True when the compiled forward pass for ``network`` is already loaded (this never loads it)."""
    return _shape("forward", network) in _LOADED and supports(network)


def _shape(part, network):
    return part, network.dtype, len(network.sizes)


def warm_up(network, training=False):
    """Load (or compile) the fast forward pass, and with ``training`` the SGD and Adam steps, for networks of
    ``network``'s dtype and number of layers.

    Every function they call is compiled here, at once, under ``_kernels.compiling``: called
    first elsewhere, for a shape not loaded yet, it would compile without it and round
    differently. The forward pass and the steps load this way the first time they are asked for
    a shape. Compiled code is cached on disk, so ``scripts/setup.sh`` calls this once at
    installation and no training waits for the compiler later.
    """
    if not supports(network):
        return
    parts = ["forward", "training"] if training else ["forward"]
    with _kernels().compiling():
        for part in parts:
            if _shape(part, network) not in _LOADED:
                _LOADED.add(_shape(part, network))  # first: the calls below ask for it
                try:
                    _run_once(part, network)
                except BaseException:
                    _LOADED.discard(_shape(part, network))
                    raise
    use_faster_forward(_activations_if_ready)  # loaded: ``Network`` asks the compiled pass first from now on


def _run_once(part, network):
    """The forward pass (``part`` "forward") or the SGD and Adam steps ("training") once, for ``network``'s shape."""
    X = np.zeros((KEPT_ROWS_MIN, network.sizes[0]), dtype=network.dtype)
    if part == "forward":
        feedforward(network, X[:1])
        X.flags.writeable = False
        feedforward(network, X)  # as many rows that cannot change go through their non-zero values: loaded too
        return
    scratch = type(network)(network.sizes, network.activation.name, network.cost.name, seed=0,
                            output=network.output.name, dtype=network.dtype)
    for rows in (sparse_rows(X), sparse_rows(X + np.pi / 10)):  # values stored as uint8, and as they are
        for optimizer in (SGD(0.1), Adam(0.001)):
            steps(scratch, optimizer, rows, [0, 0], [0, 1], 1, 0.0)


def supports(network, optimizer=None):
    """True when the fast path computes what ``network`` (and ``optimizer``) would, to rounding.

    Networks of any number of layers, of any widths, are compiled; Adam only with an eps of at
    least ADAM_MIN_EPS: the compiled step counts moments below 1e-19
    as 0 (see ``_kernels.training.adam_update``), which is no change only next to a larger eps.
    """
    known = optimizer is None or type(optimizer) is SGD or _compiled_adam(optimizer)
    return (available() and known and network.activation.name in HIDDEN
            and (network.cost.name, network.output.name) in OUTPUTS)


class SparseRows(NamedTuple):
    """The non-zero values of a matrix, row by row: row r's are columns/values[starts[r]:starts[r + 1]],
    times ``scale``.

    Four in five MNIST pixels are 0; the first layer's work on them is skipped this way.
    Images whose values are all k / 255 (as every image read from 8-bit pixels is) keep k, as
    uint8, with ``scale`` 1/255: the rows are read at random, and a quarter of the bytes to
    fetch is worth more than a multiplication.
    """

    starts: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    scale: np.floating


def sparse_rows(X):
    """X (n, m) as SparseRows; kept while X lives if it is read-only (see ``frozen``), as MNIST's images are."""
    return frozen.worked_out(X, "sparse rows", _sparse_rows)


def _sparse_rows(X, levels=True):
    """SparseRows of X; with ``levels``, of 8-bit levels where every value is one (see SparseRows)."""
    X = np.ascontiguousarray(X)
    starts = np.zeros(len(X) + 1, dtype=np.int64)
    kernels = _kernels()
    kernels.run(kernels.count_nonzero, X, starts)
    columns = np.empty(starts[-1], dtype=np.uint16 if X.shape[1] <= 2**16 else np.int64)
    values = np.empty(starts[-1], dtype=X.dtype)
    kernels.run(kernels.fill_nonzero, X, starts, columns, values)
    eight_bit = np.empty(len(values) if levels else 0, dtype=np.uint8)
    if levels and kernels.run(kernels.eight_bit_levels, values, eight_bit):
        return SparseRows(starts, columns, eight_bit, X.dtype.type(1 / 255))
    return SparseRows(starts, columns, values, X.dtype.type(1))


def steps(network, optimizer, rows, labels, order, batch_size, decay):
    """The optimizer's steps on the mini-batches ``order[0:batch_size]``, ``order[batch_size:2 batch_size]``, ...;
    returns the cost of the last mini-batch, measured before its step.

    ``rows`` are the training inputs as SparseRows, ``labels`` (n,) their classes (the one-hot
    targets' 1s; a small array, cheaper to look up at random than rows of targets). Each step is
    what ``training`` does with ``Network.gradient`` and the optimizer: the gradient of the
    batch's mean cost, plus ``decay`` times the weights, given to plain SGD or to Adam.
    """
    taken = Steps(network, optimizer, rows, labels, batch_size, decay)
    cost = taken.take(order)
    taken.settle()
    return cost


class Compiled:
    """The compiled step engine, for ``training.train``: ``steps(...)`` gives the ``Steps`` of one epoch.

    ``training.Readable`` is the other engine: both are ``training.Engine``s. Made for ``network``, it loads
    the compiled code it will use first (``warm_up``), so that no epoch's time counts it."""

    def __init__(self, network):
        warm_up(network, training=True)  # and the forward pass, for the cost check after each epoch

    def inputs(self, X):
        """The training inputs X (n, m) as this engine reads them: SparseRows."""
        return sparse_rows(X)

    def epoch(self, network, optimizer, inputs, Y, labels, batch_size, decay, rng, measure=False):
        """The Steps of one epoch on ``inputs`` (from ``inputs``) with classes ``labels``; ``Y``, ``rng`` and
        ``measure`` are the readable engine's (this one needs no one-hot targets, draws nothing and always
        measures)."""
        return Steps(network, optimizer, inputs, labels, batch_size, decay)


class Steps:
    """``steps`` a piece at a time: ``take(order)`` for each piece of an epoch's order, then ``settle()``.

    The pieces take the same steps, to the last bit, as one call on the whole order: under L2 the
    compiled SGD keeps the first layer's weights as a factor times the array (see
    ``_kernels.training.sgd_steps``), and the factor goes on from piece to piece. Where to put it
    into the array is the caller's choice, the same with pieces as without: ``settle()`` does, and
    the weights are then the network's own. Between two pieces, ``showing()`` lets others read the
    weights (the factor times the array) and then puts the array back, bit for bit.
    """

    def __init__(self, network, optimizer, rows, labels, batch_size, decay):
        self.network, self.optimizer, self.rows = network, optimizer, rows
        self.labels = np.asarray(labels, dtype=np.int64)
        self.batch_size, self.decay = int(batch_size), decay
        self.dtype = network.dtype.type
        self.w0_scale = self.dtype(1)
        self.gradient = None  # Adam's: room for one mini-batch's gradient

    def take(self, order):
        """The steps on the mini-batches of ``order``; returns the cost of the last one before its step."""
        if _shape("training", self.network) not in _LOADED:
            warm_up(self.network, training=True)
        kernels = _kernels()
        network, optimizer, dtype = self.network, self.optimizer, self.dtype
        common = (*_parameters(network), *_kinds(network), *self.rows, self.labels,
                  np.asarray(order, dtype=np.int64), self.batch_size)
        if type(optimizer) is SGD:
            w0_scale, cost = kernels.run(kernels.sgd_steps, *common, dtype(optimizer.lr),
                                         dtype(1.0 - optimizer.lr * self.decay), self.w0_scale)
            self.w0_scale = dtype(w0_scale)  # Numba hands back a Python float: float32 again, or it compiles anew
            return cost
        moment1, moment2, t = optimizer.moments_for(network.vector)
        if self.gradient is None:
            self.gradient = np.empty_like(network.vector)
        t_after, cost = kernels.run(kernels.adam_steps, *common, network.vector, self.gradient,
                                    _parameters(network, self.gradient), moment1, moment2, network.n_weights,
                                    dtype(self.decay), _adam_settings(optimizer, dtype), t)
        optimizer.count_steps(t_after - t)
        return cost

    def settle(self):
        """Put the first layer's factor into its weights: the network's weights are then its own."""
        if self.w0_scale != 1:
            self.network.weights[0][...] *= self.w0_scale
            self.w0_scale = self.dtype(1)

    @contextmanager
    def showing(self):
        """While inside, the network holds its weights as they are now; after, the array as it was.

        If the block raises, the weights stay settled (the training will not go on from them)."""
        if self.w0_scale == 1:
            yield
            return
        w0 = self.network.weights[0]
        kept = w0.copy()
        w0 *= self.w0_scale
        try:
            yield
        except BaseException:
            self.w0_scale = self.dtype(1)
            raise
        w0[...] = kept


def updates(optimizer):
    """True when ``adam_step`` can take ``optimizer``'s steps: an Adam that ``supports`` allows."""
    return _compiled_adam(optimizer) and available()


def _compiled_adam(optimizer):
    return type(optimizer) is Adam and optimizer.eps >= ADAM_MIN_EPS


def adam_step(optimizer, vector, gradient):
    """``optimizer.step([vector], [gradient])`` for an Adam (see ``updates``), compiled into one pass over
    the numbers where Adam.step makes thirteen NumPy calls; for the Adam trainings that ``steps`` does not
    take (dropout; other numbers of layers). It keeps the same state, so either can go on from the other."""
    kernels = _kernels()
    dtype = vector.dtype.type
    moment1, moment2, t = optimizer.moments_for(vector)
    optimizer.count_steps(1)
    t += 1
    step = dtype(optimizer.lr / (1 - optimizer.beta1 ** t))
    scale_v = dtype(1 / np.sqrt(1 - optimizer.beta2 ** t))
    kernels.run(kernels.adam_update, vector, gradient, moment1, moment2, dtype(0), _adam_settings(optimizer, dtype),
                step, scale_v)


def _adam_settings(optimizer, dtype):
    return tuple(dtype(x) for x in (optimizer.lr, optimizer.beta1, 1 - optimizer.beta1, optimizer.beta2,
                                    1 - optimizer.beta2, optimizer.eps))


def feedforward(network, X):
    """The output layer's activations for the rows of X, as ``Network.feedforward`` gives them."""
    return activations(network, X)[-1]


def activations(network, X):
    """Each layer's activations for the rows of X, the input's left out, as ``Network.activations`` gives them."""
    if _shape("forward", network) not in _LOADED:
        warm_up(network)
    kernels = _kernels()
    layers = [np.empty((len(X), size), dtype=network.dtype) for size in network.sizes[1:]]
    if isinstance(X, np.ndarray) and len(X) >= KEPT_ROWS_MIN and X.dtype == network.dtype and frozen.read_only(X):
        # a set that cannot change (MNIST's test images, the training's cost sample) is read again after every
        # epoch: its non-zero values are kept, a fifth of its numbers, and the same outputs computed from them
        rows = frozen.worked_out(X, "sparse rows as they are", lambda X: _sparse_rows(X, levels=False))
        finite = kernels.run(kernels.sparse_feedforward, *_parameters(network), *_kinds(network), rows.starts,
                             rows.columns, rows.values, tuple(layers))
    else:
        X = np.ascontiguousarray(X, dtype=network.dtype)
        finite = kernels.run(kernels.feedforward, *_parameters(network), *_kinds(network), X, tuple(layers))
    return layers if finite else network.forward_trace(X)[1][1:]  # inf or NaN weights: see _kernels.feedforward


def _activations_if_ready(network, X, every_layer):
    """``activations`` for ``Network.feedforward`` and ``activations`` (``use_faster_forward``), where it is
    loaded; else None."""
    return activations(network, X) if ready(network) else None


def _parameters(network, vector=None):
    """(weights, biases): tuples of views into the network's vector (or one like it), so that a step changes it."""
    weights, biases = (network.weights, network.biases) if vector is None else network.unflatten(vector)
    return tuple(weights), tuple(biases)


def _kinds(network):
    """The hidden layers' and the output layer's ``Kind``, as the compiled loops take them: as plain ints,
    which they compare with ``Kind``'s members. (Numba's dispatcher types an ``IntEnum`` argument in
    Python, not in C: two of them made a call 25 us slower, four times a forward pass of one image.)"""
    return int(HIDDEN[network.activation.name]), int(OUTPUTS[(network.cost.name, network.output.name)])


