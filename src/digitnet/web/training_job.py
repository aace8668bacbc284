"""One training at a time, in a background thread, reporting its steps and epochs as server-sent events.

The network being trained is a new one; whoever started the job gets it through ``on_done``
only when training ends, so until then the app keeps answering with the previous network.
Before the first step an epoch-0 event gives the random network's test cost and accuracy; within
an epoch, step events (``training_pace``) give the mini-batch cost, at the pace the page chose.
The events of the last training are kept, for a page loaded after it (``history``).
A teaching (``Teaching``) is a training that goes on from the network the page uses, with one's own
digits mixed in (``data.mixing``); its done event gives MNIST test and held-out-own accuracies before and after.
"""

import copy
import json
import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from .. import __version__
from ..data.mixing import WEIGHT, mix_in
from ..data.mnist import Dataset, load_mnist
from ..network import Network
from ..recipes import check_fits, check_weight_decay, get_recipe, train_recipe
from ..training import evaluate
from .training_pace import STEPS_PER_EPOCH, Pace, StepWatch

log = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 10  # an SSE comment this often keeps proxies from closing a quiet stream
HEAVY = ("weights0", "batch")  # what only the latest event keeps: the first-layer weights (12,544 numbers)
                               # and a single step's digits and weight changes (about 370 KB as JSON)


class Busy(Exception):
    """A training is already running."""


@dataclass(frozen=True)
class Teaching:
    """Teach ``network`` one's own digits: a copy of it goes on training with ``own`` mixed into the training
    set (``data.mixing.mix_in``: copies, varied, until they are a small share of it); ``held_out`` (never
    trained on) and the test set measure it before and after."""

    network: Network
    own: Dataset
    held_out: Dataset
    weight: float = WEIGHT  # the copies' share of the training set (``mix_in``)
    varied: bool = True  # each copy varied by ``mixing.varied`` (the first of each as it is), or exact copies

    def accuracies(self, network, test_set):
        """(MNIST test accuracy, held-out-own accuracy) of ``network``."""
        return evaluate(network, test_set)[1], evaluate(network, self.held_out)[1]


def _finite(value):
    return value if value is None or math.isfinite(value) else None


def sse(event, data):
    """One server-sent event: ``event: NAME``, one ``data:`` line of JSON, a blank line."""
    return f"event: {event}\ndata: {json.dumps(data, allow_nan=False)}\n\n"


class TrainingJob:
    """Starts, paces, stops and reports trainings; ``on_done(network)`` receives each finished network,
    ``current()`` is the network it would replace (to say whether the new one is worse)."""

    def __init__(self, on_done, data_dir=None, current=None):
        self.on_done = on_done
        self.current = current
        self.data_dir = data_dir
        self._data = None
        self._running = threading.Lock()   # held for as long as a training runs
        self._changed = threading.Condition()  # guards events, epoch, epochs
        self.events = []  # (name, data) of the current or last training
        self.epoch = 0
        self.epochs = 0
        self.settings = None  # what the current or last training was started with
        self.step = 0  # the last reported mini-batch of the running epoch
        self.pace = Pace()
        self._stop = threading.Event()
        self._kept = {}  # for each of HEAVY, the one event that keeps it

    @property
    def running(self):
        return self._running.locked()

    def data(self):
        """(train_set, test_set), read once on first use and kept."""
        if self._data is None:
            self._data = load_mnist(self.data_dir)
        return self._data

    def start(self, recipe_name, learning_rate=None, batch_size=None, epochs=None, examples=None, speed="full",
              teach=None, schedule=None):
        """Start training in a thread; raise Busy if one runs, or the data's errors (the job stays free).

        ``speed``: "full", "slow", or "step" (paused after the first mini-batch, shown in full);
        ``teach``: a ``Teaching``, to go on from its network with its digits mixed in, rather than a new network."""
        if not self._running.acquire(blocking=False):
            raise Busy("a training is already running; stop it or wait until it is done")
        self._stop.clear()
        self.pace = Pace("full", paused=True) if speed == "step" else Pace(speed)
        with self._changed:
            self.events, self.epoch, self.epochs, self.step, self._kept = [], 0, 0, 0, {}
        try:
            recipe = get_recipe(recipe_name).with_changes(learning_rate=learning_rate, batch_size=batch_size,
                                                          epochs=epochs, schedule=schedule)
            train_set, test_set = self.data()
            if examples is not None:
                train_set = train_set.take(examples)
            check_fits(recipe.sizes, train_set)
            if teach is not None:
                X, labels = mix_in(train_set.X, train_set.labels, teach.own.X, teach.own.labels,
                                   rng=np.random.default_rng(0), weight=teach.weight,
                                   vary=None if teach.varied else (lambda copies, rng: copies))
                train_set = Dataset(X, labels, train_set.n_classes, train_set.checksum)
            check_weight_decay(recipe, len(train_set))  # as digitnet train refuses it
        except BaseException:
            self._running.release()
            raise
        with self._changed:
            self.epochs = recipe.epochs
            self.settings = {"recipe": recipe.name, "learning_rate": recipe.learning_rate,
                             "batch_size": recipe.batch_size, "epochs": recipe.epochs, "examples": len(train_set)}
            if teach is not None:
                self.settings["teach"] = {"taught": len(teach.own), "held_out": len(teach.held_out)}
        thread = threading.Thread(target=self._run, args=(recipe, train_set, test_set, teach), daemon=True,
                                  name="digitnet-training")
        thread.start()

    def stop(self):
        """Ask the running training to stop after its current epoch (run at full speed); False if none runs."""
        if not self.running:
            return False
        self._stop.set()
        self.pace.stop()
        return True

    def pace_with(self, change):
        """``change(pace)`` for the running training (pause, resume, one step, a speed); False if none runs."""
        if not self.running or self._stop.is_set():
            return False
        change(self.pace)
        return True

    def status(self):
        """Whether a training runs, its last finished epoch of how many, its last reported step, its pace
        (speed, paused, waiting: held paused right now) and the settings it was started with."""
        with self._changed:
            return {"running": self.running, "epoch": self.epoch, "epochs": self.epochs, "step": self.step,
                    **self.pace.status(), "settings": self.settings}

    def history(self):
        """The last (or running) training's settings and events, each as {"event": name, **data}; only the
        latest event with the first-layer weights keeps them."""
        with self._changed:
            return {"running": self.running, "settings": self.settings,
                    "events": [{"event": name, **data} for name, data in self.events]}

    def _emit(self, name, data):
        with self._changed:
            for key in HEAVY:  # an older picture of the weights or a step is no longer worth its size
                if key in data:
                    if key in self._kept:
                        old_name, old = self.events[self._kept[key]]
                        self.events[self._kept[key]] = (old_name, {k: v for k, v in old.items() if k != key})
                    self._kept[key] = len(self.events)
            self.events.append((name, data))
            self._changed.notify_all()

    def _run(self, recipe, train_set, test_set, teach=None):
        network = recipe.network(seed=0) if teach is None else copy.deepcopy(teach.network)
        done = {"stopped": None, "test_accuracy": None, "epochs": 0}
        try:
            before = teach.accuracies(teach.network, test_set) if teach is not None else None
            history = self._train(network, recipe, train_set, test_set)
            done = {"stopped": history.stopped, "epochs": len(history.epochs),
                    "test_accuracy": _finite(history.last.test_accuracy) if history.epochs else None}
            if teach is not None:  # a teaching stopped before its first epoch leaves the network as it was
                after = teach.accuracies(network, test_set) if history.epochs else before
                done["teach"] = {"mnist_before": _finite(before[0]), "own_before": _finite(before[1]),
                                 "mnist_after": _finite(after[0]), "own_after": _finite(after[1]),
                                 "held_out": len(teach.held_out), "taught": len(teach.own)}
            if history.epochs and self.current is not None:  # said plainly if the new network is worse
                done["replaced_test_accuracy"] = _finite(evaluate(self.current(), test_set)[1])
            if history.epochs:  # a training stopped before its first epoch leaves the old network in place
                network.metadata = {"recipe": recipe.as_dict(), "epochs": len(history.epochs),
                                    "test_accuracy": done["test_accuracy"], "stopped": history.stopped,
                                    "data_checksum": train_set.checksum, "examples": len(train_set),
                                    "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "version": __version__,
                                    "history": [vars(result) for result in history.epochs]}
                if teach is not None:  # what it learnt from, besides its recipe
                    network.metadata["taught"] = {**(teach.network.metadata or {}).get("taught", {}),
                                                  "own_digits": len(teach.own), **done["teach"]}
                self.on_done(network)
        except Exception as error:  # noqa: BLE001 (reported to the page, not lost in a thread)
            log.exception("training failed")
            done = {**done, "stopped": "error", "error": f"training failed: {error}"}
        finally:
            with self._changed:
                self._running.release()
                self.events.append(("done", done))
                self._changed.notify_all()

    def _train(self, network, recipe, train_set, test_set):
        watch = StepWatch(network, train_set, test_set, self.pace)
        test_cost, test_accuracy = evaluate(network, test_set)
        self._emit("epoch", {"type": "epoch", "epoch": 0, "epochs": recipe.epochs, "train_cost": None,
                             "test_cost": _finite(test_cost), "test_accuracy": _finite(test_accuracy),
                             "seconds": 0.0, **watch.first_layer()})

        def on_step(step):
            with self._changed:
                self.epoch, self.step = step.epoch - 1, step.step
            self._emit("step", watch.event(step))
            every = self.pace.turn(max(1, step.steps // STEPS_PER_EPOCH))
            if self.pace.granted:
                watch.remember()
            return every

        def on_epoch(result):
            with self._changed:
                self.epoch = result.epoch
            self._emit("epoch", {
                "type": "epoch", "epoch": result.epoch, "epochs": recipe.epochs,
                "train_cost": _finite(result.train_cost), "test_cost": _finite(result.test_cost),
                "test_accuracy": _finite(result.test_accuracy), "seconds": result.seconds, **watch.first_layer(),
            })
            if self._stop.is_set():
                raise KeyboardInterrupt  # train() keeps this epoch and stops as "interrupted"

        rng = np.random.default_rng(0)
        first_every = 1 if self.pace.paused or self.pace.speed != "full" else None
        return train_recipe(network, recipe, train_set, test_set, rng=rng, on_epoch=on_epoch, on_step=on_step,
                            every=first_every)

    def stream(self):
        """Server-sent events: the epochs so far, then live ones, ending after "done".

        If nothing ever ran, one "done" with 0 epochs."""
        sent = 0
        while True:
            with self._changed:
                if not self.events and not self.running:
                    yield sse("done", {"stopped": None, "test_accuracy": None, "epochs": 0})
                    return
                if sent == len(self.events):
                    self._changed.wait(KEEPALIVE_SECONDS)
                new = self.events[sent:]
            if not new:
                yield ": still training\n\n"
            for name, data in new:
                yield sse(name, data)
                if name == "done":
                    return
            sent += len(new)
