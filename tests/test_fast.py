"""The fast path (digitnet.fast, compiled by Numba) computes what the readable Network computes."""

import os

import numpy as np
import pytest

from digitnet import Network, fast
from digitnet._kinds import Kind
from digitnet.optimizers import SGD, Adam
from digitnet.training import _readable_steps, train

pytest.importorskip("numba", reason="the fast path needs Numba (pip install numba)")

# these tests ask which path a training or a prediction takes: with DIGITNET_FAST=0 there is only one
needs_fast_path = pytest.mark.skipif(os.environ.get("DIGITNET_FAST", "1") == "0",
                                     reason="DIGITNET_FAST=0 turns the fast path off; the default run tests it")

SETTINGS = [(hidden, cost) for hidden in ("sigmoid", "relu", "tanh") for cost in ("mse", "cross_entropy")]


def _readable_and_fast(mnist, hidden, cost, dtype, steps, batch_size, lr, weight_decay, optimizer=SGD,
                       sizes=(784, 16, 16, 10), examples=None):
    """Two copies of one network after the same ``steps`` optimizer steps: by Network.gradient, and by fast.steps.

    ``examples``, if given, instead of steps times batch_size: the last step takes what is left."""
    train_set, _ = mnist
    n = examples or steps * batch_size
    X = train_set.X[:n].astype(dtype)
    labels = train_set.labels[:n]
    Y = train_set.Y[:n].astype(dtype)
    order = np.random.default_rng(1).permutation(len(X))
    readable, compiled = (Network(sizes, hidden, cost, seed=3, dtype=dtype) for _ in range(2))
    decay = weight_decay / len(X)
    _readable_steps(readable, optimizer(lr), X, Y, order, batch_size, decay)
    fast.steps(compiled, optimizer(lr), fast.sparse_rows(X), labels, order, batch_size, decay)
    start = Network(sizes, hidden, cost, seed=3, dtype=dtype).vector
    return start, readable.vector, compiled.vector


@pytest.mark.parametrize("hidden, cost", SETTINGS)
def test_300_fast_steps_agree_with_the_readable_network_to_float32_rounding(mnist, hidden, cost):
    """Each of 300 steps, taken from the readable network's weights, lands where the readable step does.

    One step at a time: over a long float32 run, a ReLU whose z comes within rounding of 0 goes
    one way in one run and the other way in the other, and the runs part by 1e-2 for good
    (it happened here, at step 185 of 300). That says nothing about either; whole runs are
    compared in float64 below, where rounding is 1e-16.
    """
    train_set, _ = mnist
    lr = 3.0 if cost == "mse" and hidden == "sigmoid" else 0.1
    X, labels, Y = train_set.X[:3000], train_set.labels[:3000], train_set.Y[:3000]
    order, rows, decay = np.random.default_rng(1).permutation(3000), fast.sparse_rows(X), 1.0 / 3000
    readable, compiled = (Network((784, 16, 16, 10), hidden, cost, seed=3) for _ in range(2))
    start, worst = readable.vector.copy(), 0.0
    for step in range(300):
        batch = order[10 * step:10 * step + 10]
        compiled.vector[...] = readable.vector
        _readable_steps(readable, SGD(lr), X, Y, batch, 10, decay)
        fast.steps(compiled, SGD(lr), rows, labels, batch, 10, decay)
        worst = max(worst, np.abs(compiled.vector - readable.vector).max() / max(1.0, np.abs(readable.vector).max()))
    assert np.abs(readable.vector - start).max() > 0.1  # the steps did change the weights
    assert worst < 1e-6  # one step's float32 rounding, a few times over


@pytest.mark.parametrize("hidden, cost", [("sigmoid", "mse"), ("relu", "cross_entropy")])
def test_in_float64_the_two_paths_agree_to_1e_10(mnist, hidden, cost):
    start, readable, compiled = _readable_and_fast(mnist, hidden, cost, "float64", 50, 10, 0.5, 1.0)
    assert np.abs(readable - start).max() > 0.01
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-10)


@pytest.mark.parametrize("sizes", [(784, 20, 12, 10), (784, 40, 7, 10), (784, 10), (784, 24, 10),
                                   (784, 30, 16, 9, 10)], ids=str)
def test_layers_of_any_width_and_number_agree_too(mnist, sizes):
    """The compiled loops take a layer 8 neurons at a time in float64 (16 in float32): here some are partial;
    and any number of layers, none hidden to three.

    In float64, so that the two paths' rounding cannot be what tells them apart."""
    start, readable, compiled = _readable_and_fast(mnist, "relu", "cross_entropy", "float64", 100, 10, 0.1, 1.0,
                                                   sizes=sizes)
    assert np.abs(readable - start).max() > 0.01
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-9)
    start, readable, compiled = _readable_and_fast(mnist, "sigmoid", "mse", "float64", 20, 16, 0.5, 0.0, Adam,
                                                   sizes=sizes)
    assert np.abs(readable - start).max() > 0.01
    # Adam's compiled step counts a gradient below 1e-17 as 0 (see _kernels.training.adam_update): such a weight
    # moves up to lr 1e-17 / eps = 5e-10 less a step, 1e-8 in 20 (784-24-10 has such weights: 1.0e-9 seen)
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-8)
    start, readable, compiled = _readable_and_fast(mnist, "relu", "cross_entropy", "float32", 100, 10, 0.1, 1.0,
                                                   sizes=sizes[:-1] + (16, 10))
    assert np.abs(compiled - readable).max() < 1e-4 * max(1.0, np.abs(readable).max())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_saturated_neurons_give_the_readable_activations(mnist, dtype):
    """Weights 300 times too large put z far beyond +-100, where the compiled exp would overflow unguarded."""
    _, test_set = mnist
    for hidden, cost in SETTINGS:
        network = Network((784, 16, 16, 10), hidden, cost, seed=5, dtype=dtype)
        network.vector *= 300
        z = network.forward_trace(test_set.X[:50])[0]
        assert min(layer.min() for layer in z) < -100 and max(layer.max() for layer in z) > 100
        # z is in the thousands: float32's rounding of z alone moves a sigmoid by 1e-5
        np.testing.assert_allclose(fast.feedforward(network, test_set.X[:50]),
                                   network.forward_trace(test_set.X[:50])[1][-1], rtol=0,
                                   atol=1e-4 if dtype == "float32" else 1e-9)


_CACHED_RUN = """
import numpy as np
from digitnet import Network, fast
from digitnet.data.mnist import load_mnist
from digitnet.optimizers import SGD
train_set = load_mnist()[0]
X, labels = train_set.X[:3000], train_set.labels[:3000]
network = Network((784, 16, 16, 10), "relu", "mse", seed=3)
fast.steps(network, SGD(0.1), fast.sparse_rows(X), labels, np.random.default_rng(1).permutation(3000), 10, 1e-4)
print(network.vector.tobytes().hex())
"""


def test_compiled_code_loaded_from_numbas_cache_computes_what_it_did_when_compiled(tmp_path):
    """Numba keeps compiled code on disk; a later process that loads it must get the same numbers.

    (It did not, once: the Lanes operators were compiled into functions of their own, and the
    code loaded from the cache computed other steps after a hundred or so.)"""
    import os
    import subprocess
    import sys

    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", _CACHED_RUN], capture_output=True, text=True, env=environment,
                           check=True).stdout for _ in range(2)]
    assert any(tmp_path.rglob("*.nbc"))  # the first run compiled and kept its code; the second loaded it
    assert runs[0] == runs[1]


_OTHER_CPU_RUN = """
import numpy as np
from digitnet import Network, fast
from digitnet._tiles import TILE_ROWS
from digitnet.data.mnist import load_mnist
from digitnet.optimizers import SGD, Adam
from digitnet.training import _readable_steps
train_set, test_set = load_mnist()
worst = 0.0
for hidden, cost, optimizer in (("sigmoid", "mse", SGD(3.0)), ("relu", "cross_entropy", Adam(0.002))):
    network = Network((784, 20, 16, 10), hidden, cost, seed=3, dtype="float64")
    X = test_set.X[:37].astype("float64")
    worst = max(worst, np.abs(fast.feedforward(network, X) - network.forward_trace(X)[1][-1]).max())
    readable = Network((784, 20, 16, 10), hidden, cost, seed=3, dtype="float64")
    X, Y = train_set.X[:500].astype("float64"), train_set.Y[:500].astype("float64")
    order = np.random.default_rng(1).permutation(500)
    fast.steps(network, optimizer, fast.sparse_rows(X), train_set.labels[:500], order, 10, 1e-4)
    _readable_steps(readable, type(optimizer)(optimizer.lr), X, Y, order, 10, 1e-4)
    worst = max(worst, np.abs(network.vector - readable.vector).max())
print(TILE_ROWS, worst)
"""


def test_code_compiled_for_a_cpu_without_avx512_computes_the_same(tmp_path):
    """Compiled for Haswell (AVX2: 16 registers of 32 bytes, so Tiles of 4 rows), as most laptops have."""
    import os
    import subprocess
    import sys

    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_CPU_NAME": "haswell",
                   "NUMBA_CPU_FEATURES": ""}
    tile_rows, worst = subprocess.run([sys.executable, "-c", _OTHER_CPU_RUN], capture_output=True, text=True,
                                      env=environment, check=True).stdout.split()
    assert tile_rows == "4"
    assert float(worst) < 1e-10


def test_strong_l2_agrees_too_though_the_fast_path_keeps_the_first_layers_shrinking_as_one_factor(mnist):
    """At weight_decay 50 the factor falls below a half, and goes into the weights, every 14 steps or so."""
    start, readable, compiled = _readable_and_fast(mnist, "sigmoid", "mse", "float64", 50, 10, 0.5, 50.0)
    assert np.abs(readable - start).max() > 0.01
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-10)


@pytest.mark.parametrize("weight_decay", [250.0, 500.0, 1000.0], ids=["shrink 0.5", "shrink 0", "shrink -1"])
def test_l2_so_strong_that_a_step_halves_zeroes_or_flips_the_weights_agrees_too(mnist, weight_decay):
    """lr 1 and a decay of weight_decay / 500 (50 steps of 10): each step shrinks by 1 - weight_decay / 500."""
    start, readable, compiled = _readable_and_fast(mnist, "sigmoid", "mse", "float64", 50, 10, 1.0, weight_decay)
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-10)


@pytest.mark.parametrize("hidden, cost", [("relu", "cross_entropy"), ("sigmoid", "mse")])
def test_300_fast_adam_steps_agree_with_the_readable_network(mnist, hidden, cost):
    start, readable, compiled = _readable_and_fast(mnist, hidden, cost, "float32", 300, 16, 0.002, 0.5, Adam)
    assert np.abs(readable - start).max() > 0.1
    assert np.abs(compiled - readable).max() < 1e-4 * max(1.0, np.abs(readable).max())
    start, readable, compiled = _readable_and_fast(mnist, hidden, cost, "float64", 50, 16, 0.002, 0.5, Adam)
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-10)


def test_adam_can_go_on_from_either_path_with_the_same_moments(mnist):
    """Five steps on the fast path, then five readable ones, equal ten readable ones."""
    X, labels = mnist[0].X[:160].astype("float64"), mnist[0].labels[:160]
    Y = mnist[0].Y[:160].astype("float64")
    order = np.arange(160)
    mixed, readable = (Network((784, 16, 16, 10), "relu", "cross_entropy", seed=4, dtype="float64") for _ in range(2))
    mixed_adam, readable_adam = Adam(0.002), Adam(0.002)
    fast.steps(mixed, mixed_adam, fast.sparse_rows(X), labels, order[:80], 16, 0.0)
    assert mixed_adam.t == 5
    _readable_steps(mixed, mixed_adam, X, Y, order[80:], 16, 0.0)
    _readable_steps(readable, readable_adam, X, Y, order, 16, 0.0)
    assert mixed_adam.t == readable_adam.t == 10
    np.testing.assert_allclose(mixed.vector, readable.vector, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-10), ("float32", 1e-5)])
def test_compiled_adam_updates_with_dropout_agree_with_adams_own_steps(mnist, dtype, tolerance):
    """The readable path with dropout (the best recipe's) and ``fast.adam_step`` for Adam's update."""
    train_set, _ = mnist
    X, Y = train_set.X[:400].astype(dtype), train_set.Y[:400].astype(dtype)
    order = np.random.default_rng(2).permutation(400)
    own, compiled = (Network((784, 64, 32, 10), "relu", "cross_entropy", seed=5, dtype=dtype) for _ in range(2))
    start = own.vector.copy()
    own_adam, compiled_adam = Adam(0.002), Adam(0.002)
    _readable_steps(own, own_adam, X, Y, order, 16, 1e-4, 0.2, np.random.default_rng(7))
    _readable_steps(compiled, compiled_adam, X, Y, order, 16, 1e-4, 0.2, np.random.default_rng(7), update=fast.adam_step)
    assert compiled_adam.t == own_adam.t == 25
    assert np.abs(own.vector - start).max() > 0.01
    np.testing.assert_allclose(compiled.vector, own.vector, rtol=0, atol=tolerance)
    for (m1, v1, _), (m2, v2, _) in zip(own_adam.moments, compiled_adam.moments):
        np.testing.assert_allclose(m2, m1, rtol=0, atol=tolerance)
        np.testing.assert_allclose(v2, v1, rtol=0, atol=tolerance)


@pytest.mark.parametrize("hidden, cost, optimizer, lr", [("sigmoid", "mse", SGD, 3.0), ("tanh", "mse", SGD, 0.3),
                                                         ("relu", "cross_entropy", Adam, 0.002)])
def test_a_last_batch_smaller_than_the_others_is_a_step_of_its_own(mnist, hidden, cost, optimizer, lr):
    """25 examples at batch 10: steps of 10, 10 and 5, as the readable path takes them (each stage
    of the fast path goes over the batch's examples only, not the whole buffer)."""
    start, readable, compiled = _readable_and_fast(mnist, hidden, cost, "float64", 3, 10, lr, 1.0, optimizer,
                                                   examples=25)
    assert np.abs(readable - start).max() > 1e-3
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-10)


@pytest.mark.parametrize("hidden, cost", SETTINGS)
def test_the_loops_are_given_the_activations_kinds_as_plain_ints(hidden, cost):
    """Each ``Kind`` by name, but as an int: Numba's dispatcher types an IntEnum argument in Python (slower)."""
    network = Network((784, 16, 10), hidden, cost)
    kinds = fast._kinds(network)
    assert [type(kind) for kind in kinds] == [int, int]
    assert Kind(kinds[0]).name == hidden.upper() and Kind(kinds[1]).name == network.output.name.upper()


@pytest.mark.parametrize("rows", [1, 15, 16, 203])
def test_fast_feedforward_gives_the_readable_outputs(mnist, rows):
    """Rows come 16 at a time (4 without AVX-512), and the rest one by one."""
    _, test_set = mnist
    for hidden, cost in SETTINGS:
        for sizes, dtype in (((784, 32, 16, 10), "float32"), ((784, 20, 9, 10), "float64")):
            network = Network(sizes, hidden, cost, seed=5, dtype=dtype)
            X = test_set.X[:rows].astype(dtype)
            np.testing.assert_allclose(fast.feedforward(network, X), network.forward_trace(X)[1][-1],
                                       rtol=1e-5, atol=1e-6 if dtype == "float32" else 1e-12)


@needs_fast_path
def test_a_rows_output_does_not_depend_on_the_rows_asked_with_it(mnist):
    """As scikit-learn checks of predict_proba: the same bits, alone, in a Tile, or with a Tile's leftovers."""
    network = Network(seed=4)
    fast.warm_up(network)
    X = mnist[1].X[:40]
    together = network.feedforward(X)
    for first, last in ((0, 1), (5, 6), (3, 19), (20, 40), (39, 40)):
        np.testing.assert_array_equal(network.feedforward(X[first:last]), together[first:last])
    np.testing.assert_array_equal(network.feedforward(X[::-1]), together[::-1])


@pytest.mark.parametrize("layer, value", [(0, np.nan), (0, np.inf), (1, -np.inf), (2, np.nan)])
def test_a_network_with_a_weight_that_is_not_finite_predicts_what_the_readable_one_does(mnist, layer, value):
    """The compiled layers skip inputs of 0; 0 times inf or NaN, which they never compute, is NaN."""
    network = Network(seed=1)
    network.weights[layer][0, 0] = value  # pixel 0 is 0 in every MNIST image
    X = mnist[1].X[:20]
    with np.errstate(invalid="ignore", over="ignore"):  # the readable path's own warnings about the NaNs
        np.testing.assert_array_equal(fast.feedforward(network, X), network.forward_trace(X)[1][-1])


def test_fast_feedforward_of_dense_rows_and_of_nan_is_the_readable_one():
    """Rows without zeros skip nothing; a NaN pixel is not skipped as a 0 would be, so it shows."""
    network = Network(seed=2)
    X = np.random.default_rng(0).random((40, 784), dtype=np.float32)
    np.testing.assert_allclose(fast.feedforward(network, X), network.forward_trace(X)[1][-1], rtol=1e-5, atol=1e-6)
    X[3, 100] = np.nan
    out = fast.feedforward(network, X)
    assert np.isnan(out[3]).all() and not np.isnan(np.delete(out, 3, axis=0)).any()


def test_sparse_rows_hold_exactly_the_nonzero_values(mnist):
    X = mnist[1].X[:100]
    rows = fast.sparse_rows(X)
    rebuilt = np.zeros_like(X)
    for r in range(len(X)):
        span = slice(rows.starts[r], rows.starts[r + 1])
        rebuilt[r, rows.columns[span]] = rows.values[span]
    np.testing.assert_array_equal(rebuilt, np.rint(X * 255))
    np.testing.assert_allclose(rebuilt * rows.scale, X, rtol=1.2e-7, atol=0)  # to float32 rounding
    assert rows.starts[-1] == np.count_nonzero(X)
    assert rows.values.dtype == np.uint8  # MNIST's pixels are k / 255: kept as k


def test_sparse_rows_keep_values_that_are_not_k_over_255_as_they_are(mnist):
    X = mnist[1].X[:100] * np.float32(0.7)
    rows = fast.sparse_rows(X)
    assert rows.values.dtype == np.float32 and rows.scale == 1
    np.testing.assert_array_equal(rows.values, X[X != 0])


def test_fast_steps_on_values_that_are_not_k_over_255_agree_too(mnist):
    dimmer = type(mnist[0])(mnist[0].X[:3000] * np.float32(0.7), mnist[0].labels[:3000])
    start, readable, compiled = _readable_and_fast((dimmer, mnist[1]), "sigmoid", "mse", "float64", 50, 10, 3.0, 1.0)
    assert np.abs(readable - start).max() > 0.01
    np.testing.assert_allclose(compiled, readable, rtol=0, atol=1e-10)


@needs_fast_path
def test_an_adam_used_for_another_network_is_refused_not_run_past_its_moments(mnist):
    """Its moments have the other network's length: the compiled loops would read and write past them."""
    fast.warm_up(Network())
    small = type(mnist[0])(mnist[0].X[:320], mnist[0].labels[:320])
    for dropout in (0.0, 0.2):  # the fast path's steps, and the readable path's compiled update
        adam = Adam(0.001)
        train(Network((784, 8, 8, 10), "relu", "cross_entropy", seed=0), small, optimizer=adam, epochs=1,
              batch_size=32, rng=np.random.default_rng(0), dropout=dropout)
        with pytest.raises(ValueError, match="belong to other parameters"):
            train(Network((784, 64, 32, 10), "relu", "cross_entropy", seed=0), small, optimizer=adam, epochs=1,
                  batch_size=32, rng=np.random.default_rng(0), dropout=dropout)


def test_an_epoch_by_either_path_ends_at_nearly_the_same_network(mnist):
    small = type(mnist[0])(mnist[0].X[:3000], mnist[0].labels[:3000])
    networks = []
    for fast_path in (True, False):
        network = Network(seed=0, dtype="float64")
        train(network, small, optimizer=SGD(3.0), epochs=1, batch_size=10, rng=np.random.default_rng(0),
              weight_decay=1.0, fast_path=fast_path)
        networks.append(network.vector)
    np.testing.assert_allclose(networks[0], networks[1], rtol=0, atol=1e-9)


@needs_fast_path
def test_feedforward_of_one_image_uses_the_fast_path_once_it_is_loaded(mnist, monkeypatch):
    network = Network(seed=0)
    fast.warm_up(network)
    assert fast.ready(network)
    assert fast.ready(Network(seed=0, dtype="float64")) == (("forward", np.dtype("float64"), 4) in fast._LOADED)
    used = []
    original = fast.activations
    monkeypatch.setattr(fast, "activations", lambda *args: used.append(1) or original(*args))
    x = mnist[1].X[:1]
    np.testing.assert_allclose(network.feedforward(x), network.forward_trace(x)[1][-1], rtol=1e-5, atol=1e-6)
    assert used
    network.feedforward(mnist[1].X[:100])
    assert len(used) == 2  # many rows too: the compiled loops take 16 rows at a time
    with pytest.raises(ValueError):
        network.feedforward(mnist[1].X[:100, :700])  # the readable path says what is wrong; no compiled loop
    assert len(used) == 2


@needs_fast_path
def test_every_layers_activations_come_from_the_fast_path_once_it_is_loaded(mnist, monkeypatch):
    """check_health reads them for the cost sample after each epoch: 10,000 rows."""
    network = Network(seed=0)
    fast.warm_up(network)
    used = []
    original = fast.activations
    monkeypatch.setattr(fast, "activations", lambda *args: used.append(1) or original(*args))
    X = mnist[1].X[:1000]
    layers = network.activations(X)
    assert used and [a.shape for a in layers] == [(1000, 16), (1000, 16), (1000, 10)]
    for compiled, readable in zip(layers, network.forward_trace(X)[1][1:]):
        np.testing.assert_allclose(compiled, readable, rtol=1e-5, atol=1e-6)


@needs_fast_path
@pytest.mark.parametrize("hidden, cost", SETTINGS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rows_that_cannot_change_go_through_their_nonzero_values_to_the_same_last_bit(mnist, hidden, cost, dtype):
    """A read-only set (MNIST's test images) keeps its non-zero values (digitnet.frozen) and is fed forward from
    them: the outputs are those of a writeable copy, bit for bit, and of the readable network to rounding."""
    from digitnet import frozen

    network = Network((784, 16, 16, 10), hidden, cost, seed=4, dtype=dtype)
    network.vector[:] = np.random.default_rng(0).standard_normal(network.n_params)  # saturating some neurons too
    fast.warm_up(network)
    X = mnist[1].X[:fast.KEPT_ROWS_MIN].astype(dtype)
    X.flags.writeable = False
    from_values = network.activations(X)
    assert frozen.kept(X, "sparse rows as they are")
    for a, b in zip(from_values, network.activations(X.copy())):
        np.testing.assert_array_equal(a, b)
    tolerance = 1e-12 if dtype == "float64" else 1e-4  # weights of size 1: sums in the tens, rounded apart (2e-5 seen)
    np.testing.assert_allclose(from_values[-1], network.forward_trace(X)[1][-1], rtol=tolerance, atol=tolerance)
    network.weights[0][3, 2] = np.inf  # the readable path's answer, as for any array
    with np.errstate(invalid="ignore", over="ignore"):
        np.testing.assert_array_equal(network.feedforward(X), network.forward_trace(X)[1][-1])


def test_a_diverging_run_on_the_fast_path_is_still_seen_as_one(mnist):
    network = Network(seed=0)
    start = network.vector.copy()
    history = train(network, mnist[0], optimizer=SGD(1e30), epochs=2, batch_size=10, rng=np.random.default_rng(0))
    assert history.stopped in ("diverged", "stuck")
    assert np.isfinite(network.vector).all()
    np.testing.assert_array_equal(network.vector, start)


def _recipe_run(mnist, name, fast_path, on_step=None, every=None, n=20_000):
    """The vector of ``name``'s network after 2 epochs on ``n`` digits, and whether the fast path took the steps."""
    from digitnet.recipes import RECIPES, train_recipe

    recipe = RECIPES[name].with_changes(epochs=2)
    network = recipe.network(seed=0)
    fast.warm_up(network, training=True)  # loaded: even a short training takes it then
    took = []
    original = fast.Steps.take

    def take(self, order):
        took.append(len(order))
        return original(self, order)

    fast.Steps.take = take
    try:
        train_recipe(network, recipe, mnist[0].take(n), rng=np.random.default_rng(0), fast_path=fast_path,
                     on_step=on_step, every=every)
    finally:
        fast.Steps.take = original
    return network.vector.copy(), len(took)


def _step_by_step_now_and_then(step):
    """A page's on_step: one mini-batch at a time in steps 300 to 310 of each epoch, else the default."""
    return 1 if 300 <= step.step < 310 else None


@needs_fast_path
@pytest.mark.parametrize("name", ["seed", "modern"])  # SGD with L2 (the weights' factor), Adam with shifts
def test_on_step_leaves_the_fast_steps_the_same_to_the_last_bit(mnist, name):
    plain, pieces = _recipe_run(mnist, name, True)
    followed, followed_pieces = _recipe_run(mnist, name, True, on_step=_step_by_step_now_and_then)
    assert pieces == 2 * 2  # without on_step, cut only at the health check's 1,000 mini-batches
    assert followed_pieces > 2 * 20  # cut at every call, at least STEP_CALLS an epoch
    assert np.array_equal(followed, plain)
    every_3, _ = _recipe_run(mnist, name, True, on_step=lambda step: None, every=3)
    assert np.array_equal(every_3, plain)


@needs_fast_path
def test_on_step_sees_the_networks_own_weights_on_the_fast_path(mnist):
    """Under L2 the compiled SGD keeps the first layer's weights as a factor times an array: the caller sees
    their product, what an uncut run of the same mini-batches ends with, and the run goes on from the array."""
    from digitnet.recipes import RECIPES, train_recipe

    recipe = RECIPES["seed"].with_changes(epochs=1)
    data = mnist[0].take(5_000)
    network, seen = recipe.network(seed=0), {}
    fast.warm_up(network, training=True)

    def on_step(step):
        seen[step.step] = (network.vector.copy(), step.batch_cost)

    train_recipe(network, recipe, data, rng=np.random.default_rng(0), on_step=on_step, every=120)
    order = np.random.default_rng(0).permutation(len(data))  # the epoch's order: the rng's first draw
    uncut = recipe.network(seed=0)
    cost = fast.steps(uncut, SGD(recipe.learning_rate), fast.sparse_rows(data.X), data.labels, order[:1200], 10,
                      recipe.weight_decay / len(data))
    assert not np.array_equal(uncut.vector, recipe.network(seed=0).vector)
    assert np.array_equal(seen[120][0], uncut.vector)
    assert seen[120][1] == cost
    last_batch = order[1190:1200]
    before = recipe.network(seed=0)
    fast.steps(before, SGD(recipe.learning_rate), fast.sparse_rows(data.X), data.labels, order[:1190], 10,
               recipe.weight_decay / len(data))
    assert cost == pytest.approx(before.cost_value(data.X[last_batch], data.Y[last_batch]), rel=1e-5)


@needs_fast_path
def test_on_the_fast_path_each_step_tells_its_rows_and_their_cost_before_the_step_too(mnist):
    from test_training import _costs_before_each_step

    fast.warm_up(Network(), training=True)  # loaded: even a short training takes it then
    told, measured = _costs_before_each_step(mnist, fast_path=True)
    assert told == pytest.approx(measured, rel=1e-5)  # the compiled forward pass's float32 rounding
    assert told[0] > told[-1]


def test_loops_compiled_for_each_shape_round_as_when_compiled_first(tmp_path):
    """Every shape's loops are compiled inside one block with the interleave option (``_kernels.compiling``),
    whichever shape came first: a float64 network of three layers, trained in a process that compiled the
    seed's shape first, ends where it ends in a process that compiles it first (they once differed by 1e-9)."""
    code = """
import sys, numpy as np
from digitnet import Network, fast
from digitnet.data.mnist import load_mnist
from digitnet.optimizers import SGD
train_set, _ = load_mnist()
X = train_set.X[:1000].astype("float64")
if sys.argv[1] == "seed first":
    fast.warm_up(Network(), training=True)
network = Network((784, 24, 10), "relu", "cross_entropy", seed=3, dtype="float64")
fast.steps(network, SGD(0.1), fast.sparse_rows(X), train_set.labels[:1000], np.arange(1000), 10, 1e-3)
np.save(sys.argv[2], network.vector)
"""
    import subprocess
    import sys
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    for order in ("seed first", "alone"):
        subprocess.run([sys.executable, "-c", code, order, str(tmp_path / f"{order}.npy")], check=True, env=env)
    np.testing.assert_array_equal(np.load(tmp_path / "seed first.npy"), np.load(tmp_path / "alone.npy"))
