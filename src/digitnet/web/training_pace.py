"""Following a training step by step: how fast it goes (full, slow, paused, one mini-batch at a time),
and what each step event tells the page (the mini-batch cost, the weights now and then, one step's batch).

``Pace`` is asked by the training's per-step hook (``train(..., on_step=...)``) after the mini-batches it
reports on: it answers how many mini-batches until the next report, and blocks the training thread
while the page has paused it. ``StepWatch`` turns a ``Step`` into the event the page draws.
"""

import copy
import threading
import time

import numpy as np

from ..data.mnist import one_hot

STEPS_PER_EPOCH = 20   # step events per epoch at full speed
SLOW_SECONDS = 0.2     # a mini-batch's time at the slow speed: five a second, slow enough to follow
WEIGHTS_SECONDS = 0.2  # the first-layer weights are sent at most this often (12,544 numbers each time)
DEAD_PROBE = 500       # test digits on which a first-layer neuron that never fires is called dead
SPEEDS = ("full", "slow")


class Pace:
    """The speed the page chose, whether it paused, and the single steps it asked for.

    ``turn()`` runs on the training thread after each reported mini-batch; the other methods on the
    server's. A paused training waits in ``turn()`` until it is resumed, stopped or given a step."""

    def __init__(self, speed="full", paused=False):
        self._changed = threading.Condition()
        self.speed = speed
        self.paused = paused
        self.waiting = False  # whether the training thread is waiting in turn() right now
        self.granted = paused  # the mini-batch now running was asked for as one step (so a paused start's first)
        self._steps_asked = 0
        self._stopping = False

    def set_speed(self, speed):
        with self._changed:
            self.speed = speed
            self._changed.notify_all()

    def pause(self, paused=True):
        with self._changed:
            self.paused = paused
            self._steps_asked = 0
            self._changed.notify_all()

    def one_step(self):
        """Paused: let exactly one more mini-batch run, whose step is shown in full. Running: pause (at the next
        report), so that the next one step is one mini-batch, not all those up to that report."""
        with self._changed:
            if self.paused:
                self._steps_asked += 1
            self.paused = True
            self._changed.notify_all()

    def stop(self):
        """No more waiting: the training runs at full speed to the end of its epoch."""
        with self._changed:
            self._stopping = True
            self.paused = False
            self.speed = "full"
            self._changed.notify_all()

    def status(self):
        with self._changed:
            return {"speed": self.speed, "paused": self.paused, "waiting": self.waiting}

    def turn(self, every):
        """Wait as the page asks; then the number of mini-batches until the next report (``every`` at full speed)."""
        with self._changed:
            self.granted = False
            if self.speed == "slow" and not self.paused and not self._stopping:
                deadline = time.monotonic() + SLOW_SECONDS
                while self.speed == "slow" and not self.paused and not self._stopping:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
            while self.paused and not self._stopping:
                if self._steps_asked:
                    self._steps_asked -= 1
                    self.granted = True
                    break
                self.waiting = True
                self._changed.wait()
            self.waiting = False
            return every if self.speed == "full" and not self.paused else 1


class StepWatch:
    """What the page is told after a step: the step's numbers, the weights at most every WEIGHTS_SECONDS,
    which first-layer neurons are dead, and for a step asked for on its own, the whole of it."""

    def __init__(self, network, train_set, test_set, pace):
        self.network = network
        self.train_set = train_set
        self.pace = pace
        self.probe = test_set.X[:DEAD_PROBE]
        self._before = copy.deepcopy(network)  # the network before a single step, to show what it changed
        self._weights_sent = -np.inf

    def event(self, step):
        """The step event for ``step`` (a training ``Step``), as a dict the page reads."""
        event = {"type": "step", "epoch": step.epoch, "step": step.step, "steps": step.steps,
                 "batch_cost": _finite(step.batch_cost), "examples": step.examples,
                 "learning_rate": _finite(step.learning_rate)}
        if self.pace.granted:
            event["batch"] = self.batch(step)
        if self.pace.granted or time.monotonic() - self._weights_sent >= WEIGHTS_SECONDS:
            event.update(self.first_layer())
        return event

    def remember(self):
        """Keep the network as it is before the next mini-batch (called when that one is a single step)."""
        self._before.vector[...] = self.network.vector

    def first_layer(self):
        """The first layer's weights (16 rows of 784) and which of its neurons are dead (the epoch events send
        them too: within WEIGHTS_SECONDS of one, a step event does not)."""
        self._weights_sent = time.monotonic()
        return {"weights0": self.network.weights[0].T.tolist(), "dead": dead_neurons(self.network, self.probe)}

    def batch(self, step):
        """The mini-batch of a single step (``step.rows``): its digits, the answers and cost before and after it,
        and the change it made to the first layer's weights. The digits are the training set's, as they are
        before the shift of up to a pixel that the modern recipe gives them each epoch."""
        rows = step.rows
        X, labels = self.train_set.X[rows], self.train_set.labels[rows]
        Y = one_hot(labels, self.network.sizes[-1], self.network.dtype)
        before, after = self._before, self.network
        change = after.weights[0] - before.weights[0]
        return {"images": np.round(X, 3).tolist(), "labels": labels.tolist(),
                "answers_before": before.predict(X).tolist(), "answers_after": after.predict(X).tolist(),
                "cost_before": _finite(before.cost_value(X, Y)), "cost_after": _finite(after.cost_value(X, Y)),
                "weight_change": change.T.tolist(),
                "change_size": _finite(float(np.linalg.norm(after.vector - before.vector)))}


def dead_neurons(network, probe):
    """The first-layer ReLU neurons whose z is at most 0 for every digit of ``probe``: they output 0 and no
    gradient reaches their weights through those digits (one that makes z positive can still revive them).
    Sigmoid and tanh neurons never die this way: []."""
    if network.activation.name != "relu":
        return []
    z = probe @ network.weights[0] + network.biases[0]
    return np.flatnonzero((z <= 0).all(axis=0)).tolist()


def _finite(value):
    return None if value is None or not np.isfinite(value) else float(value)
