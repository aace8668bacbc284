"""Which engine a training takes (``training.choose_engine``: compiled where it computes the same steps,
readable otherwise), what it loads first, and how it reads its inputs: the readable path whenever Numba is
missing, broken or turned off."""

import os

import numpy as np
import pytest

from digitnet import Network, fast
from digitnet.optimizers import SGD, Adam, Momentum
from digitnet.training import train

pytest.importorskip("numba", reason="the fast path needs Numba (pip install numba)")

# these tests ask which path a training or a prediction takes: with DIGITNET_FAST=0 there is only one
needs_fast_path = pytest.mark.skipif(os.environ.get("DIGITNET_FAST", "1") == "0",
                                     reason="DIGITNET_FAST=0 turns the fast path off; the default run tests it")


@needs_fast_path
def test_train_takes_the_fast_path_for_sgd_and_adam_only(mnist, monkeypatch):
    fast.warm_up(Network(), training=True)  # loaded: even a short training takes it then (and loads nothing)
    calls = []

    class Recorded(fast.Steps):
        def take(self, order):
            calls.append(self.batch_size)
            return super().take(order)

    monkeypatch.setattr(fast, "Steps", Recorded)
    small = type(mnist[0])(mnist[0].X[:2000], mnist[0].labels[:2000])
    train(Network(seed=0), small, optimizer=SGD(3.0), epochs=1, batch_size=10, rng=np.random.default_rng(0))
    assert calls == [10]  # 2,000 examples: one piece, well under the health check's 1,000 batches
    train(Network(seed=0), small, optimizer=Adam(0.001), epochs=1, batch_size=16, rng=np.random.default_rng(0))
    assert calls == [10, 16]
    train(Network(seed=0), small, optimizer=Momentum(0.3), epochs=1, batch_size=10, rng=np.random.default_rng(0))
    train(Network(seed=0), small, optimizer=Adam(0.001), epochs=1, batch_size=16, rng=np.random.default_rng(0),
          dropout=0.2)
    train(Network(seed=0), small, optimizer=SGD(3.0), epochs=1, batch_size=10, rng=np.random.default_rng(0),
          fast_path=False)
    assert calls == [10, 16]
    train(Network(seed=0), small, optimizer=SGD(3.0), epochs=1, batch_size=128, rng=np.random.default_rng(0))
    assert calls == [10, 16, 128]  # large batches too: the compiled loops beat NumPy's products at any size

@needs_fast_path
def test_adam_trainings_off_the_fast_path_take_its_compiled_update_and_no_others_do(mnist, monkeypatch):
    fast.warm_up(Network())
    updates = []
    original = fast.adam_step
    monkeypatch.setattr(fast, "adam_step", lambda *args: updates.append(type(args[0]).__name__) or original(*args))
    small = type(mnist[0])(mnist[0].X[:320], mnist[0].labels[:320])
    rng = np.random.default_rng(0)
    wider = Network((784, 32, 10), "relu", "cross_entropy", seed=0)
    train(wider, small, optimizer=Adam(0.001), epochs=1, batch_size=32, rng=rng, dropout=0.1)  # dropout: readable
    assert updates == ["Adam"] * 10
    train(Network(seed=0), small, optimizer=Adam(0.001), epochs=1, batch_size=32, rng=rng, dropout=0.2)
    assert len(updates) == 20
    for optimizer, settings in [(Adam(0.001), {"dropout": 0.2, "fast_path": False}), (Adam(0.001, eps=1e-13),
                                {"dropout": 0.2}), (Momentum(0.3), {"dropout": 0.2}), (SGD(3.0), {"dropout": 0.2}),
                                (Adam(0.001), {})]:  # the last: all on the fast path, update included
        train(Network(seed=0), small, optimizer=optimizer, epochs=1, batch_size=32, rng=rng, **settings)
    assert len(updates) == 20

@needs_fast_path
def test_a_short_training_does_not_wait_for_numba_to_load(mnist, monkeypatch):
    monkeypatch.setattr(fast, "loaded", lambda: False)
    used = []
    monkeypatch.setattr(fast.Steps, "take", lambda self, order: used.append(1) or 0.0)
    small = type(mnist[0])(mnist[0].X[:2000], mnist[0].labels[:2000])
    train(Network(seed=0), small, optimizer=SGD(3.0), epochs=2, batch_size=10, rng=np.random.default_rng(0))
    assert not used  # 4,000 examples in all: the readable path
    train(Network(seed=0), small, optimizer=SGD(3.0), epochs=50, batch_size=10, rng=np.random.default_rng(0))
    assert used

def test_a_numba_that_fails_to_import_leaves_the_readable_path(mnist, monkeypatch):
    import sys

    import digitnet

    monkeypatch.setattr(fast, "_BROKEN", [])
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    for name in [name for name in sys.modules if name.startswith(("digitnet._kernels", "digitnet._lane", "digitnet._tiles"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(digitnet, "_kernels", raising=False)
    assert not fast.available() and not fast.loaded()
    small = type(mnist[0])(mnist[0].X[:500], mnist[0].labels[:500])
    network = Network(seed=0)
    history = train(network, small, optimizer=SGD(3.0), epochs=300, batch_size=10, rng=np.random.default_rng(0))
    assert len(history.epochs) == 300 and network.feedforward(small.X[:1]).shape == (1, 10)

@needs_fast_path
def test_the_fast_path_is_not_offered_where_it_would_compute_something_else(monkeypatch):
    assert fast.supports(Network())
    assert fast.supports(Network((784, 256, 128, 10), "relu", "cross_entropy"))
    assert fast.supports(Network((784, 16, 10))) and fast.supports(Network((784, 16, 16, 16, 10)))  # any number
    assert not fast.supports(Network(cost="mse", output="softmax"))  # not a pair it knows
    assert fast.supports(Network(), Adam(0.001))
    assert not fast.supports(Network(), Adam(0.001, eps=1e-20))  # the compiled step flushes moments below 1e-19
    assert not fast.supports(Network(), Momentum(0.3))
    monkeypatch.setenv("DIGITNET_FAST", "0")
    assert not fast.supports(Network())

def test_without_numba_training_and_prediction_use_the_readable_path(mnist, monkeypatch):
    monkeypatch.setattr(fast.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(fast, "loaded", lambda: False)  # as in a process that never had Numba
    assert not fast.available()
    small = type(mnist[0])(mnist[0].X[:500], mnist[0].labels[:500])
    network = Network(seed=0)
    history = train(network, small, optimizer=SGD(3.0), epochs=1, batch_size=10, rng=np.random.default_rng(0))
    assert len(history.epochs) == 1
    assert network.feedforward(small.X[:1]).shape == (1, 10)

@needs_fast_path
def test_a_training_works_out_its_sparse_rows_once_and_loads_the_compiled_forward_pass(mnist, monkeypatch):
    """A writeable set is not kept between trainings (digitnet.frozen), but within one its rows are the same
    every epoch; the cost check after each epoch goes through the compiled forward pass."""
    fast.warm_up(Network(), training=True)
    monkeypatch.setattr(fast, "_LOADED", {("training", np.dtype("float32"), 4)})  # the forward pass not loaded
    worked = []  # the training's sparse rows, of 8-bit levels (the cost sample's, kept as they are, are not counted)
    original = fast._sparse_rows
    monkeypatch.setattr(fast, "_sparse_rows", lambda X, levels=True: worked.append(levels) or original(X, levels))
    small = type(mnist[0])(mnist[0].X[:3000].copy(), mnist[0].labels[:3000])
    network = Network(seed=0)
    train(network, small, optimizer=SGD(3.0), epochs=40, batch_size=10, rng=np.random.default_rng(0))
    assert worked.count(True) == 1 and fast.ready(network)

@needs_fast_path
@pytest.mark.parametrize("moved", ["distort", "max_shift", None])
def test_moved_images_are_read_anew_each_epoch_and_still_ones_once(mnist, monkeypatch, moved):
    """Moved images come in one array used again each epoch: the engine must not take it for the same images."""
    from digitnet.data.distort import Distortions

    fast.warm_up(Network(), training=True)
    worked = []  # the training's sparse rows, of 8-bit levels (the cost sample's, kept as they are, are not counted)
    original = fast._sparse_rows
    monkeypatch.setattr(fast, "_sparse_rows", lambda X, levels=True: worked.append(levels) or original(X, levels))
    small = type(mnist[0])(mnist[0].X[:2000].copy(), mnist[0].labels[:2000])
    settings = {"distort": {"distort": Distortions()}, "max_shift": {"max_shift": 1}, None: {}}[moved]
    train(Network(seed=0), small, optimizer=SGD(3.0), epochs=3, batch_size=10, rng=np.random.default_rng(0),
          **settings)
    assert worked.count(True) == (3 if moved else 1)

@pytest.mark.parametrize("optimizer, settings, engine, update", [
    (SGD(3.0), {}, "Compiled", None),
    (Adam(0.001), {}, "Compiled", None),
    (Adam(0.001), {"dropout": 0.2}, "Readable", "adam_step"),
    (Adam(0.001, eps=1e-13), {}, "Readable", None),        # the compiled step flushes moments too small for it
    (Momentum(0.3), {}, "Readable", None),
    (SGD(3.0), {"fast_path": False}, "Readable", None),
    (SGD(3.0), {"examples": 10}, "Readable", None),          # too short to wait for Numba, if it is not loaded
])
def test_the_engine_chosen_for_each_training(monkeypatch, optimizer, settings, engine, update):
    from digitnet.training import choose_engine

    if os.environ.get("DIGITNET_FAST", "1") == "0":
        engine, update = "Readable", None
    monkeypatch.setattr(fast, "loaded", lambda: False)
    chosen = choose_engine(Network(seed=0), optimizer, **settings)
    assert type(chosen).__name__ == engine
    assert getattr(getattr(chosen, "update", None), "__name__", None) == update
