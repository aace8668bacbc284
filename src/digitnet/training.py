"""Train a Network with mini-batch gradient descent; report through a callback, never print.

``train`` returns a ``History``: one ``EpochResult`` per finished epoch, and why it stopped
early if it did. A cost that turns NaN or infinite ("diverged"), or a network stuck on one
answer with its sigmoid neurons saturated ("stuck", see ``health``), stops training at the
next check (every 1,000 mini-batches) and puts back the weights of the last good epoch; so does
Ctrl-C (KeyboardInterrupt) in the middle of an epoch ("interrupted"). Between mini-batches an
``on_step`` callback sees where the training is (a ``Step``), about STEP_CALLS times an epoch or
as often as it asks, down to every mini-batch: the page and the figures follow a training by it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from . import fast, frozen
from .data.augment import RandomShift
from .data.distort import Distortions, RandomDistortion
from .data.mnist import one_hot
from .health import check_health

if TYPE_CHECKING:
    from .data.mnist import Dataset
    from .network import Network

Schedule = Callable[[int], float]  # epoch (from 0) -> learning rate


@dataclass
class EpochResult:
    """What one epoch did: costs and accuracies after it, its learning rate and duration.

    ``train_cost`` is measured on 10,000 training examples spread evenly over the set (a full
    pass over all 60,000 would cost a third of an epoch); ``seconds`` counts the training steps only.
    """

    epoch: int
    learning_rate: float
    train_cost: float
    test_cost: float | None
    test_accuracy: float | None
    seconds: float
    saturation: float | None = None
    top_class_share: float | None = None


@dataclass
class History:
    """The epochs finished; ``stopped``: None, "interrupted", "diverged" or "stuck"; ``health``
    at the last check."""

    epochs: list[EpochResult] = field(default_factory=list)
    stopped: str | None = None
    health: Any = None

    @property
    def last(self) -> EpochResult | None:
        return self.epochs[-1] if self.epochs else None


def constant_schedule(lr0: float, epochs: int) -> Schedule:
    """The same learning rate every epoch."""
    return lambda epoch: lr0


def cosine_schedule(lr0: float, epochs: int) -> Schedule:
    """From lr0 at the first epoch down along half a cosine, to about lr0 (pi / 2 epochs)^2 at the last."""
    return lambda epoch: lr0 * 0.5 * (1 + math.cos(math.pi * epoch / epochs))


def warmup_cosine_schedule(lr0: float, epochs: int) -> Schedule:
    """The cosine schedule, reached over the first WARMUP_EPOCHS epochs: lr0 / 3, then 2/3 of the cosine's rate.

    A full rate from the first step can push ReLU neurons to where they never fire again
    ("dead"), and a net of 16 misses each one it loses. The warm-up takes at most a tenth of
    the epochs: a run of 10 to 19 warms up for one, and a shorter one not at all."""
    cosine, warm = cosine_schedule(lr0, epochs), warmup_epochs(epochs)
    return lambda epoch: cosine(epoch) * min(1.0, (epoch + 1) / (warm + 1))


def warmup_epochs(epochs: int) -> int:
    """How many of a run's epochs ``warmup_cosine_schedule`` warms up over: WARMUP_EPOCHS, at most a tenth."""
    return min(WARMUP_EPOCHS, epochs // 10)


WARMUP_EPOCHS = 2
TRAIN_COST_SAMPLE = 10_000
PROBE_SIZE = 500     # examples the check inside an epoch looks at
CHECK_EVERY = 1_000  # mini-batches between two checks inside an epoch (and one after it)
SATURATION_LIMIT = 0.3  # stuck and this saturated: training cannot recover (a fresh network: 0)
STEP_CALLS = 20  # on_step's calls in an epoch, by default
FAST_MIN_EXAMPLES = 100_000  # shorter trainings would wait longer for Numba to load than they save
SCHEDULES = {"constant": constant_schedule, "cosine": cosine_schedule, "warmup_cosine": warmup_cosine_schedule}


def evaluate(network: Network, dataset: Dataset) -> tuple[float, float]:
    """(mean cost, accuracy) of the network on a Dataset of X (n, sizes[0]) and labels (n,)."""
    output = network.feedforward(dataset.X)
    cost = network.cost.value(output, one_hot(dataset.labels, network.sizes[-1], output.dtype))
    accuracy = float((output.argmax(axis=1) == dataset.labels).mean())
    return cost, accuracy


def _spread_sample(X, Y, size):
    """Up to ``size`` examples spread evenly over the set (so a set sorted by label gives all labels)."""
    rows = np.unique(np.linspace(0, len(X) - 1, min(size, len(X))).astype(int))
    # kept beside a read-only X, and read-only itself: what the forward pass works out from it is kept too
    return frozen.worked_out(X, f"spread sample of {size}", lambda X: _made_read_only(X[rows])), Y[rows]


def _made_read_only(array):
    array.flags.writeable = False
    return array


def _hopeless(health):
    """Why training should stop now ("diverged", "stuck"), or None."""
    if not health.finite:
        return "diverged"
    if health.stuck and (health.saturation or 0) >= SATURATION_LIMIT:
        return "stuck"
    return None


def dropout_masks(network: Network, n: int, rate: float, rng: np.random.Generator) -> list[np.ndarray]:
    """For each hidden layer, (n, width) of 0 (dropped, with probability ``rate``) or 1/(1 - rate).

    Dividing the kept activations by 1 - rate keeps their expected sum the same, so the
    trained network is used as it is, with every neuron, after training ("inverted dropout").
    """
    scale, zero = np.array(1 / (1 - rate), dtype=network.dtype), np.zeros((), dtype=network.dtype)
    return [np.where(rng.random((n, width), dtype=np.float32) >= rate, scale, zero)
            for width in network.sizes[1:-1]]


@dataclass(frozen=True)
class Step:
    """Where a training is when it calls ``on_step``: after mini-batch ``step`` of the ``steps`` in epoch ``epoch``.

    ``epoch`` counts from 1, as ``EpochResult.epoch`` does (the epoch under way); ``batch_cost`` is the
    mean cost of the last mini-batch (the step-th) on its own examples, measured before its step (one
    batch of 10 digits: a noisy number, to be smoothed); ``examples`` counts the examples trained on
    since the training's first epoch (a training that goes on from ``first_epoch`` counts the epochs
    before it as done); ``learning_rate`` is the epoch's; ``rows`` (m,) are the last mini-batch's examples,
    as row numbers of the training set (shifted or distorted this epoch if ``max_shift`` or ``distort`` moves
    the images).
    """

    epoch: int
    step: int
    steps: int
    batch_cost: float
    examples: int
    learning_rate: float
    rows: np.ndarray


OnStep = Callable[[Step], int | None]  # the mini-batches until the next call, or None: ``every``


class _Clock:
    """When ``train`` calls ``on_step``: after every ``every`` mini-batches, or after as many as its last call
    returned, and after the last mini-batch of each epoch (whose answer counts on into the next epoch)."""

    def __init__(self, on_step: OnStep, every: int):
        self.on_step, self.every = on_step, _steps_between(every, "every")
        self.countdown = self.every

    def call(self, step: Step) -> None:
        wanted = self.on_step(step)
        self.countdown = self.every if wanted is None else _steps_between(wanted, "on_step's answer")


def _steps_between(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number of mini-batches, at least 1 (or None), got {value!r}")
    return int(value)


class EpochSteps(Protocol):
    """One epoch's steps, as an engine takes them: ``take(order)`` a piece of the epoch's order at a time
    (returns the cost of the piece's last mini-batch before its step, or None if not measured); ``settle()``
    makes the network's weights its own (the compiled engine may keep a factor apart, see ``fast.Steps``);
    ``showing()`` is a context in which others may read the weights between two pieces."""

    def take(self, order: np.ndarray) -> float | None: ...

    def settle(self) -> None: ...

    def showing(self) -> AbstractContextManager: ...


class Engine(Protocol):
    """What takes a training's steps: ``Readable`` (NumPy) or ``fast.Compiled`` (Numba); ``choose_engine``.

    ``inputs(X)``: the training inputs as the engine reads them (once for a training's own images, each epoch
    for moved ones). ``epoch(...)``: the ``EpochSteps`` of one epoch on them."""

    def inputs(self, X: np.ndarray) -> Any: ...

    def epoch(self, network: Network, optimizer: Any, inputs: Any, Y: np.ndarray, labels: np.ndarray,
              batch_size: int, decay: float, rng: np.random.Generator, measure: bool = False) -> EpochSteps: ...


class Readable:
    """The readable step engine: each step's gradient from ``Network.gradient``, given to the optimizer's own
    ``step``, or to ``update(optimizer, vector, gradient)`` (``fast.adam_step``: Adam's arithmetic in one
    compiled pass). ``dropout`` leaves out that share of hidden neurons in each example (``dropout_masks``).

    ``fast.Compiled`` is the other engine; ``train`` takes one of them (``choose_engine``)."""

    def __init__(self, dropout: float = 0.0, update: Callable[[Any, np.ndarray, np.ndarray], None] | None = None):
        self.dropout, self.update = dropout, update

    def inputs(self, X):
        """The training inputs X (n, m) as this engine reads them: as they are."""
        return X

    def epoch(self, network, optimizer, inputs, Y, labels, batch_size, decay, rng, measure=False):
        """The steps of one epoch on ``inputs`` with one-hot targets Y (``labels`` are the compiled engine's);
        ``measure``: each ``take`` returns the cost of its last mini-batch before its step (one more forward
        pass)."""
        return _ReadableSteps(self, network, optimizer, inputs, Y, batch_size, decay, rng, measure)


class _ReadableSteps:
    """``take(order)``: a step per mini-batch of ``order``. The weights are always the network's own, so
    ``settle`` and ``showing`` (the compiled engine's, see ``fast.Steps``) have nothing to do."""

    def __init__(self, engine, network, optimizer, X, Y, batch_size, decay, rng, measure):
        self.engine, self.network, self.optimizer = engine, network, optimizer
        self.X, self.Y, self.batch_size, self.decay, self.rng, self.measure = X, Y, batch_size, decay, rng, measure

    def take(self, order):
        return _readable_steps(self.network, self.optimizer, self.X, self.Y, order, self.batch_size, self.decay,
                               self.engine.dropout, self.rng, self.engine.update, self.measure)

    def settle(self):
        pass

    def showing(self):
        return nullcontext()


def choose_engine(network: Network, optimizer: Any, *, fast_path: bool = True, dropout: float = 0.0,
                  examples: int = FAST_MIN_EXAMPLES) -> Engine:
    """The step engine for a training of ``examples`` examples in all: compiled (``fast.Compiled``) where
    ``fast_path`` allows it and it computes the same steps (``fast.supports``: plain SGD or Adam, no dropout);
    else the readable one, with Adam's update compiled where that is possible. A training shorter than
    FAST_MIN_EXAMPLES takes neither compiled part unless it is loaded already: it would wait for Numba longer
    than it saves."""
    compiled = fast_path and (fast.loaded() or examples >= FAST_MIN_EXAMPLES)
    if compiled and not dropout and fast.supports(network, optimizer):
        return fast.Compiled(network)
    return Readable(dropout, fast.adam_step if compiled and fast.updates(optimizer) else None)


def _readable_steps(network, optimizer, X, Y, order, batch_size, decay, dropout=0.0, rng=None, update=None,
                    measure_last=False):
    """One optimizer step per mini-batch of ``order``, with the gradient from ``Network.gradient``.

    ``update(optimizer, vector, gradient)`` takes the step if given, else ``optimizer.step``.
    ``measure_last``: return the cost of the last mini-batch, measured before its step (one more
    forward pass); else None."""
    weights = network.vector[:network.n_weights]
    cost = None
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        X_batch, Y_batch = X.take(batch, axis=0), Y.take(batch, axis=0)
        if measure_last and start + batch_size >= len(order):
            cost = network.cost_value(X_batch, Y_batch)
        keep = dropout_masks(network, len(batch), dropout, rng) if dropout else None
        gradient = network.gradient(X_batch, Y_batch, keep)
        if decay:
            gradient[:network.n_weights] += decay * weights
        if update is not None:
            update(optimizer, network.vector, gradient)
        else:
            optimizer.step([network.vector], [gradient])
    return cost


def _run_epoch(engine, network, optimizer, inputs, Y, labels, batch_size, rng, weight_decay, probe=None, clock=None,
               epoch=0):
    """One pass over (inputs, Y) in shuffled mini-batches, one optimizer step per batch, taken by ``engine``
    (``inputs`` as it reads them: ``engine.inputs(X)``).

    Every CHECK_EVERY batches the network's health on ``probe`` (X, Y) is checked; returns
    the Health that says training is hopeless, else None. A ``clock`` (``_Clock``) calls its
    ``on_step`` between the batches, in epoch ``epoch`` (from 0); the steps are the same, bit for bit,
    with or without it."""
    n = len(Y)
    order = rng.permutation(n)
    decay = weight_decay / n  # L2: C + (lambda / 2n) sum w^2 adds (lambda / n) w to dC/dw
    steps = -(-n // batch_size)
    taken = engine.epoch(network, optimizer, inputs, Y, labels, batch_size, decay, rng, measure=clock is not None)
    done = 0
    while done < steps:
        until = min(steps, (done // CHECK_EVERY + 1) * CHECK_EVERY, done + clock.countdown if clock else steps)
        cost = taken.take(order[done * batch_size:until * batch_size])
        if clock is not None:
            clock.countdown -= until - done
        done = until
        if done % CHECK_EVERY == 0 or done == steps:
            taken.settle()  # where an uncut epoch settles its weights: the same with a clock or not
        if clock is not None and (clock.countdown == 0 or done == steps):
            with taken.showing():
                clock.call(Step(epoch + 1, done, steps, float(cost), epoch * n + min(done * batch_size, n),
                                float(optimizer.lr), order[(done - 1) * batch_size:done * batch_size].copy()))
        if probe is not None and done % CHECK_EVERY == 0:
            health = check_health(network, *probe)
            if _hopeless(health):
                return health
    return None


def train(network: Network, train_set: Dataset, test_set: Dataset | None = None, *, optimizer: Any, epochs: int,
          batch_size: int, rng: np.random.Generator, schedule: Schedule | None = None, weight_decay: float = 0.0,
          max_shift: int = 0, dropout: float = 0.0, on_epoch: Callable[[EpochResult], None] | None = None,
          fast_path: bool = True, first_epoch: int = 0, on_step: OnStep | None = None,
          every: int | None = None, distort: Distortions | None = None) -> History:
    """Train ``network`` in place on a Dataset for ``epochs`` passes; return a History.

    ``optimizer`` is one from ``digitnet.optimizers``; a full-batch one takes the whole
    set as one batch. ``schedule(epoch) -> learning rate`` sets ``optimizer.lr`` before each
    epoch (epochs count from 0). ``weight_decay`` is the L2 strength lambda, relative to the
    training set's size. ``max_shift`` > 0 moves every training image by up to that many
    pixels, anew each epoch. ``distort`` (``data.distort.Distortions``) rotates, scales, thickens or thins and
    elastically distorts every training image (in the same resampling as its shift), anew each epoch.
    ``dropout`` is the share of hidden neurons left out of each training example (see ``dropout_masks``).
    ``on_epoch(result)`` is called after every epoch. ``fast_path``
    lets ``digitnet.fast`` take the steps where it can (plain SGD or Adam, no dropout, any batch size), and
    Adam's updates where it cannot (dropout, ...): see ``choose_engine``.
    ``first_epoch`` > 0 goes on with a training whose first epochs are done (see ``checkpoint``): given the
    network, optimizer state and ``rng`` as they were then, it takes the same steps as if it had not stopped.

    ``on_step(step)``, on the training's thread, is called with a ``Step`` after every ``every`` mini-batches
    (by default STEP_CALLS times an epoch, or after each if it has fewer) and after each epoch's last; if it
    returns a number, that many mini-batches come before the next call instead (1: one at a time). It may
    block (a pause), and raise KeyboardInterrupt to stop as Ctrl-C does; any other error it raises comes out
    of ``train``, with the network put back as its last whole epoch left it. The steps are the same with it as
    without, on either path, bit for bit: the compiled path runs the epoch in pieces between the calls.
    """
    X = np.asarray(train_set.X, dtype=network.dtype)
    Y = one_hot(train_set.labels, network.sizes[-1], network.dtype)  # as many columns as outputs
    monitor = _spread_sample(X, Y, TRAIN_COST_SAMPLE)
    probe = _spread_sample(X, Y, PROBE_SIZE)
    # the images moved (and distorted) afresh each epoch, or None to train on X as it is
    shift: Callable[[np.random.Generator], np.ndarray] | None = (
        RandomDistortion(X, distort, max_shift) if distort is not None
        else RandomShift(X, max_shift) if max_shift else None)
    if optimizer.full_batch:
        batch_size = len(X)
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be from 0 up to (not including) 1, got {dropout}")
    engine = choose_engine(network, optimizer, fast_path=fast_path, dropout=dropout, examples=len(X) * epochs)
    inputs = None if shift else engine.inputs(X)  # moved images are new each epoch (in the same array)
    history = History()
    last_good = network.vector.copy()
    steps_per_epoch = -(-len(X) // batch_size)
    default_every = max(1, steps_per_epoch // STEP_CALLS)
    every = default_every if every is None else _steps_between(every, "every")
    clock = _Clock(on_step, every) if on_step is not None else None
    for epoch in range(first_epoch, epochs):
        if schedule is not None:
            optimizer.lr = schedule(epoch)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                started = time.perf_counter()
                epoch_inputs = engine.inputs(shift(rng)) if shift else inputs
                health = _run_epoch(engine, network, optimizer, epoch_inputs, Y, train_set.labels, batch_size, rng,
                                    weight_decay, probe, clock, epoch)
                seconds = time.perf_counter() - started
                health = health or check_health(network, *monitor)
                test_cost, test_accuracy = evaluate(network, test_set) if test_set is not None else (None, None)
        except KeyboardInterrupt:
            network.vector[...] = last_good
            history.stopped = "interrupted"
            break
        except BaseException:  # an error in the epoch (from on_step, say): the network as its last whole epoch left it
            network.vector[...] = last_good
            raise
        history.health = health
        if _hopeless(health):
            network.vector[...] = last_good
            history.stopped = _hopeless(health)
            break
        last_good = network.vector.copy()
        result = EpochResult(epoch + 1, optimizer.lr, health.cost, test_cost, test_accuracy, seconds,
                             health.saturation, health.top_class_share)
        history.epochs.append(result)
        try:
            if on_epoch is not None:
                on_epoch(result)
        except KeyboardInterrupt:  # the epoch is finished and kept
            history.stopped = "interrupted"
            break
    return history
