"""Small training runs for the figures, recording what ``train`` does not: costs between epochs.

``descend`` is plain (stochastic) gradient descent that writes down, at chosen steps, the
examples seen so far, the seconds spent on steps, the cost on a fixed sample and, if asked, a
copy of the weights; and, if asked, every mini-batch's own cost. (``train`` tells each mini-batch's
cost itself, through ``on_step``.)
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..network import Network
from ..optimizers import SGD

MONITOR_SIZE = 2_000  # training examples the cost is measured on
BELOW = 0.9           # a walk has left the plateau (``plateau_cost``) once its cost is under this share of it


@dataclass
class Run:
    """What ``descend`` recorded: one entry per recorded step, the start (step 0) first."""

    steps: list = field(default_factory=list)
    examples: list = field(default_factory=list)   # examples seen before the record
    seconds: list = field(default_factory=list)    # seconds spent on steps (not on records)
    costs: list = field(default_factory=list)      # mean cost on the monitor sample
    vectors: list = field(default_factory=list)    # copies of network.vector, if kept
    batch_costs: list = field(default_factory=list)  # each step's mini-batch's own cost before it, if kept
    stopped: str | None = None                     # "diverged" if the cost turned NaN or infinite

    @property
    def failed(self):
        return self.stopped is not None


def descend(network, X, Y, sample, *, lr, batch_size, steps, rng, record_at=None, keep_vectors=False,
            keep_batch_costs=False):
    """Take ``steps`` steps of p <- p - lr * grad on shuffled mini-batches of (X, Y); return a Run.

    A ``batch_size`` of len(X) or more is full-batch gradient descent. ``sample`` is a
    (X, Y) pair on which the cost is measured at step 0 and after every step in
    ``record_at`` (default: every step). ``keep_batch_costs`` also keeps the cost of each
    step's own mini-batch, measured before the step. Trains ``network`` in place.
    """
    n = len(X)
    batch_size = min(batch_size, n)
    record_at = set(range(steps + 1)) if record_at is None else set(record_at) | {0, steps}
    optimizer = SGD(lr)
    run = Run()
    seconds = 0.0
    order = np.arange(n)
    _record(run, network, sample, 0, 0, seconds, keep_vectors)
    batches_per_epoch = -(-n // batch_size)
    for step in range(1, steps + 1):
        start = ((step - 1) % batches_per_epoch) * batch_size
        if start == 0 and batch_size < n:
            order = rng.permutation(n)  # a new epoch
        batch = order[start:start + batch_size]
        if keep_batch_costs:
            with np.errstate(over="ignore", invalid="ignore"):
                run.batch_costs.append(network.cost_value(X[batch], Y[batch]))
        began = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):
            optimizer.step([network.vector], [network.gradient(X[batch], Y[batch])])
        seconds += time.perf_counter() - began
        if step in record_at:
            _record(run, network, sample, step, step * batch_size, seconds, keep_vectors)
            if not math.isfinite(run.costs[-1]):
                run.stopped = "diverged"
                break
    return run


def _record(run, network, sample, step, examples, seconds, keep_vectors):
    with np.errstate(over="ignore", invalid="ignore"):
        cost = network.cost_value(*sample)
    run.steps.append(step)
    run.examples.append(examples)
    run.seconds.append(seconds)
    run.costs.append(cost)
    if keep_vectors:
        run.vectors.append(network.vector.copy())


def plateau_cost(Y):
    """The least cost of an answer that is the same for every image, for one-hot targets Y (n, n_out).

    That answer is the mean of Y: each output k says p_k, the share of class k, and the
    mean squared error (the seed's cost) is then sum_k p_k (1 - p_k): about 10 x 0.1 x 0.9
    = 0.9 for ten classes equally often. Training from a random start often sits here a while.
    """
    p = np.asarray(Y, dtype=np.float64).mean(axis=0)
    return float((p * (1 - p)).sum())


def copy_network(network):
    """A new Network with the same layout and weights (deepcopy would break the views into ``vector``)."""
    clone = Network(**network.config())
    clone.vector[...] = network.vector
    return clone


def sample_of(dataset, n=MONITOR_SIZE):
    """(X, Y) of the first n examples of a Dataset."""
    part = dataset.take(n)
    return part.X, part.Y
