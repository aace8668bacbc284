"""digitnet.compiled computes what the readable Network computes: its gradient, its steps, its predictions."""

import os
import subprocess
import sys

import numpy as np
import pytest

from digitnet import Network
from digitnet.optimizers import SGD, Adam
from digitnet.training import _readable_steps

compiled = pytest.importorskip("digitnet.compiled", reason="digitnet.compiled needs Numba (pip install numba)")

HIDDEN = {"sigmoid": compiled.Kind.SIGMOID, "relu": compiled.Kind.RELU, "tanh": compiled.Kind.TANH}
OUTPUT = {"mse": compiled.Output.SIGMOID_MSE, "cross_entropy": compiled.Output.SOFTMAX_CROSS_ENTROPY}
SETTINGS = [(hidden, cost) for hidden in HIDDEN for cost in OUTPUT]


def sparse_rows(X):
    """X as rows = (starts, columns, values, scale), made by the compiled functions (as fast.sparse_rows does)."""
    X = np.ascontiguousarray(X)
    starts = np.zeros(len(X) + 1, dtype=np.int64)
    compiled.count_nonzero(X, starts)
    columns, values = np.empty(starts[-1], dtype=np.uint16), np.empty(starts[-1], dtype=X.dtype)
    compiled.fill_nonzero(X, starts, columns, values)
    levels = np.empty(len(values), dtype=np.uint8)
    if compiled.eight_bit_levels(values, levels):
        return starts, columns, levels, X.dtype.type(1 / 255)
    return starts, columns, values, X.dtype.type(1)


def layers(network):
    return tuple(network.weights), tuple(network.biases)


def kinds(network):
    return HIDDEN[network.activation.name], OUTPUT[network.cost.name]


def compiled_steps(network, optimizer, rows, labels, order, batch_size, decay):
    """The optimizer's steps by digitnet.compiled, as digitnet.fast takes them; returns the last batch's cost."""
    f, order = network.dtype.type, np.asarray(order, dtype=np.int64)
    if type(optimizer) is SGD:
        w0_scale, cost = compiled.sgd_steps(layers(network), kinds(network), rows, labels, order, batch_size,
                                            f(optimizer.lr), f(1 - optimizer.lr * decay), f(1))
        network.weights[0][...] *= w0_scale
        return cost
    if optimizer.moments is None:
        optimizer.moments = [(np.zeros_like(network.vector), np.zeros_like(network.vector),
                              np.empty_like(network.vector))]
    moment1, moment2, _ = optimizer.moments[0]
    gradient = np.zeros_like(network.vector)
    grad_weights, grad_biases = network.unflatten(gradient)
    adam = (network.vector, moment1, moment2, gradient, (tuple(grad_weights), tuple(grad_biases)))
    settings = tuple(f(x) for x in (optimizer.lr, optimizer.beta1, 1 - optimizer.beta1, optimizer.beta2,
                                    1 - optimizer.beta2, optimizer.eps))
    optimizer.t, cost = compiled.adam_steps(layers(network), kinds(network), rows, labels, order, batch_size, adam,
                                            settings, f(decay), optimizer.t)
    return cost


def readable_and_compiled(mnist, hidden, cost, dtype, n, batch_size, lr, weight_decay, optimizer=SGD,
                          sizes=(784, 16, 16, 10)):
    """(start, readable, compiled): one network's parameters before, and after the same steps by both paths."""
    train_set, _ = mnist
    X, Y, labels = train_set.X[:n].astype(dtype), train_set.Y[:n].astype(dtype), train_set.labels[:n]
    order = np.random.default_rng(1).permutation(n)
    readable, fast = (Network(sizes, hidden, cost, seed=3, dtype=dtype) for _ in range(2))
    start = readable.vector.copy()
    decay = weight_decay / n
    _readable_steps(readable, optimizer(lr), X, Y, order, batch_size, decay)
    compiled_steps(fast, optimizer(lr), sparse_rows(X), labels, order, batch_size, decay)
    return start, readable.vector, fast.vector


def test_sparse_rows_hold_each_rows_nonzero_values_as_8_bit_levels(mnist):
    X = mnist[1].X[:50]
    starts, columns, values, scale = sparse_rows(X)
    assert values.dtype == np.uint8 and scale == np.float32(1 / 255)
    for r in (0, 17, 49):
        nonzero = np.flatnonzero(X[r])
        np.testing.assert_array_equal(columns[starts[r]:starts[r + 1]], nonzero)
        np.testing.assert_array_equal(values[starts[r]:starts[r + 1]] / np.float32(255), X[r, nonzero])
    assert sparse_rows(X + np.float32(0.001))[2].dtype == np.float32  # not 8-bit levels: kept as they are


@pytest.mark.parametrize("hidden, cost", SETTINGS)
def test_one_sgd_step_follows_the_readable_gradient(mnist, hidden, cost):
    """A step of lr 1 without L2 from the network's weights is minus Network.gradient of the batch (float64)."""
    train_set, _ = mnist
    X, Y, labels = train_set.X[:10].astype("float64"), train_set.Y[:10].astype("float64"), train_set.labels[:10]
    network = Network((784, 20, 7, 10), hidden, cost, seed=3, dtype="float64")
    before = network.vector.copy()
    compiled_steps(network, SGD(1.0), sparse_rows(X), labels, np.arange(10), 10, 0.0)
    np.testing.assert_allclose(before - network.vector, network_gradient(before, hidden, cost, X, Y),
                               rtol=0, atol=1e-13)


def network_gradient(vector, hidden, cost, X, Y):
    network = Network((784, 20, 7, 10), hidden, cost, seed=3, dtype="float64")
    network.vector[...] = vector
    return network.gradient(X, Y)


@pytest.mark.parametrize("hidden, cost", SETTINGS)
def test_300_float32_sgd_steps_each_land_where_the_readable_step_does(mnist, hidden, cost):
    """Step by step from the readable network's weights (as test_fast: over a whole float32 run, a relu whose
    z comes within rounding of 0 can go either way and part the runs for good)."""
    train_set, _ = mnist
    lr = 3.0 if cost == "mse" and hidden == "sigmoid" else 0.1
    X, labels, Y = train_set.X[:3000], train_set.labels[:3000], train_set.Y[:3000]
    order, rows, decay = np.random.default_rng(1).permutation(3000), sparse_rows(X), 1.0 / 3000
    readable, fast = (Network((784, 16, 16, 10), hidden, cost, seed=3) for _ in range(2))
    start, worst = readable.vector.copy(), 0.0
    for step in range(300):
        batch = order[10 * step:10 * step + 10]
        fast.vector[...] = readable.vector
        _readable_steps(readable, SGD(lr), X, Y, batch, 10, decay)
        compiled_steps(fast, SGD(lr), rows, labels, batch, 10, decay)
        worst = max(worst, np.abs(fast.vector - readable.vector).max() / max(1.0, np.abs(readable.vector).max()))
    assert np.abs(readable.vector - start).max() > 0.1
    assert worst < 1e-6


@pytest.mark.parametrize("sizes", [(784, 16, 10), (784, 20, 7, 10), (784, 30, 16, 16, 10), (784, 10)], ids=str)
@pytest.mark.parametrize("hidden, cost", SETTINGS)
def test_float64_sgd_runs_with_l2_and_a_short_last_batch_agree_to_1e_10(mnist, sizes, hidden, cost):
    """305 examples at batch 10: the last step takes 5. Layers of 0 to 3 hidden layers, of odd widths."""
    lr = 3.0 if cost == "mse" and hidden == "sigmoid" else 0.3
    start, readable, fast = readable_and_compiled(mnist, hidden, cost, "float64", 305, 10, lr, 1.0, sizes=sizes)
    assert np.abs(readable - start).max() > 0.01
    np.testing.assert_allclose(fast, readable, rtol=0, atol=1e-10)


@pytest.mark.parametrize("hidden, cost", SETTINGS)
def test_float64_adam_runs_with_l2_agree_to_1e_10(mnist, hidden, cost):
    """(Any number of layers takes the same code as for SGD, tested there; each number is compiled anew.)"""
    start, readable, fast = readable_and_compiled(mnist, hidden, cost, "float64", 330, 16, 0.002, 0.5, Adam,
                                                  sizes=(784, 20, 7, 10))
    assert np.abs(readable - start).max() > 0.01
    np.testing.assert_allclose(fast, readable, rtol=0, atol=1e-10)


@pytest.mark.parametrize("hidden, cost", [("relu", "cross_entropy"), ("sigmoid", "mse")])
def test_300_float32_adam_steps_agree_with_the_readable_network(mnist, hidden, cost):
    start, readable, fast = readable_and_compiled(mnist, hidden, cost, "float32", 4800, 16, 0.002, 0.5, Adam)
    assert np.abs(readable - start).max() > 0.1
    assert np.abs(fast - readable).max() < 1e-4 * max(1.0, np.abs(readable).max())


@pytest.mark.parametrize("weight_decay", [50.0, 250.0, 500.0, 1000.0], ids=["shrink 0.9", "0.5", "0", "-1"])
def test_l2_strong_enough_to_fold_the_first_layers_factor_in_agrees_too(mnist, weight_decay):
    """lr 1 over 500 examples: each step shrinks the weights by 1 - weight_decay / 500; the first layer's
    factor (w0_scale) goes into its weights when it falls below a half, or at once when it is 0."""
    start, readable, fast = readable_and_compiled(mnist, "sigmoid", "mse", "float64", 500, 10, 1.0, weight_decay)
    np.testing.assert_allclose(fast, readable, rtol=0, atol=1e-10)


def test_an_epoch_cut_into_calls_takes_the_same_steps_as_one_call(mnist):
    """w0_scale carries the first layer's L2 from call to call: bit for bit the same weights."""
    train_set, _ = mnist
    X, labels = train_set.X[:400], train_set.labels[:400]
    rows, order = sparse_rows(X), np.random.default_rng(2).permutation(400)
    whole, cut = (Network(seed=1) for _ in range(2))
    f = np.float32
    scale, _ = compiled.sgd_steps(layers(whole), kinds(whole), rows, labels, order, 10, f(0.5), f(0.9), f(1))
    piece_scale = f(1)
    for piece in (order[:130], order[130:250], order[250:]):
        piece_scale, _ = compiled.sgd_steps(layers(cut), kinds(cut), rows, labels, piece, 10, f(0.5), f(0.9),
                                            f(piece_scale))
    assert scale == piece_scale != 1
    np.testing.assert_array_equal(cut.vector, whole.vector)


def test_the_cost_returned_is_the_last_batchs_before_its_step(mnist):
    """25 examples at batch 10: the cost of examples 20 to 24, after the first two steps."""
    train_set, _ = mnist
    X, Y, labels = train_set.X[:25].astype("float64"), train_set.Y[:25].astype("float64"), train_set.labels[:25]
    for cost in OUTPUT:
        network, readable = (Network((784, 20, 7, 10), "relu", cost, seed=3, dtype="float64") for _ in range(2))
        _readable_steps(readable, SGD(0.1), X, Y, np.arange(20), 10, 0.0)
        returned = compiled_steps(network, SGD(0.1), sparse_rows(X), labels, np.arange(25), 10, 0.0)
        np.testing.assert_allclose(returned, readable.cost_value(X[20:], Y[20:]), rtol=1e-10)


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-12), ("float32", 1e-6)])
def test_adam_update_is_adams_step(dtype, tolerance):
    rng = np.random.default_rng(0)
    vector, gradient = rng.standard_normal(1000).astype(dtype), rng.standard_normal(1000).astype(dtype)
    own, fast = Adam(0.01), Adam(0.01)
    p_own, p_fast, moment1, moment2 = vector.copy(), vector.copy(), np.zeros_like(vector), np.zeros_like(vector)
    f = vector.dtype.type
    settings = tuple(f(x) for x in (0.01, 0.9, 1 - 0.9, 0.999, 1 - 0.999, 1e-8))
    for t in range(1, 4):
        own.step([p_own], [gradient])
        compiled.adam_update(p_fast, gradient, moment1, moment2, f(0), settings, f(0.01 / (1 - 0.9 ** t)),
                             f(1 / np.sqrt(1 - 0.999 ** t)))
    np.testing.assert_allclose(p_fast, p_own, rtol=0, atol=tolerance)
    np.testing.assert_allclose(moment2, own.moments[0][1], rtol=tolerance, atol=0)
    del fast


def predictions(network, X):
    out = np.empty((len(X), network.sizes[-1]), dtype=network.dtype)
    finite = compiled.feedforward(*layers(network), kinds(network), np.ascontiguousarray(X, network.dtype), out)
    return finite, out


@pytest.mark.parametrize("rows", [1, 3, 4, 203])
@pytest.mark.parametrize("sizes", [(784, 10), (784, 16, 16, 10), (784, 30, 16, 16, 10)], ids=str)
def test_feedforward_gives_the_readable_outputs(mnist, sizes, rows):
    _, test_set = mnist
    for hidden, cost in SETTINGS:
        for dtype, tolerance in (("float32", 1e-6), ("float64", 1e-13)):
            network = Network(sizes, hidden, cost, seed=5, dtype=dtype)
            X = test_set.X[:rows].astype(dtype)
            finite, out = predictions(network, X)
            assert finite
            np.testing.assert_allclose(out, network.forward_trace(X)[1][-1], rtol=1e-5, atol=tolerance)


def test_a_rows_predictions_do_not_depend_on_the_rows_asked_with_it(mnist):
    X = mnist[1].X[:300]
    network = Network((784, 20, 7, 10), "relu", "cross_entropy", seed=2)
    whole = predictions(network, X)[1]
    for first, last in ((0, 1), (5, 12), (3, 300), (297, 300), (100, 357)):
        np.testing.assert_array_equal(predictions(network, X[first:last])[1], whole[first:last])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_saturated_neurons_give_the_readable_activations(mnist, dtype):
    """Weights 300 times too large put z far beyond +-100, where an unguarded exp would overflow."""
    X = mnist[1].X[:50].astype(dtype)
    for hidden, cost in SETTINGS:
        network = Network((784, 16, 16, 10), hidden, cost, seed=5, dtype=dtype)
        network.vector *= 300
        z = network.forward_trace(X)[0]
        assert min(layer.min() for layer in z) < -100 and max(layer.max() for layer in z) > 100
        np.testing.assert_allclose(predictions(network, X)[1], network.forward_trace(X)[1][-1], rtol=0,
                                   atol=1e-4 if dtype == "float32" else 1e-9)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_feedforward_answers_false_when_a_weight_is_not_finite(mnist, bad):
    network = Network(seed=0)
    network.weights[1][3, 4] = bad
    assert not predictions(network, mnist[1].X[:8])[0]


_OTHER_CPU_RUN = """
import numpy as np
from digitnet import Network
from digitnet.data.mnist import load_mnist
from digitnet.optimizers import SGD, Adam
from digitnet.training import _readable_steps
from tests.test_compiled import compiled_steps, predictions, sparse_rows
train_set, test_set = load_mnist()
worst, numbers = 0.0, []
for hidden, cost, optimizer in (("sigmoid", "mse", SGD(3.0)), ("relu", "cross_entropy", Adam(0.002))):
    network = Network((784, 20, 16, 10), hidden, cost, seed=3, dtype="float64")
    X = test_set.X[:37].astype("float64")
    worst = max(worst, np.abs(predictions(network, X)[1] - network.forward_trace(X)[1][-1]).max())
    readable = Network((784, 20, 16, 10), hidden, cost, seed=3, dtype="float64")
    X, Y = train_set.X[:500].astype("float64"), train_set.Y[:500].astype("float64")
    order = np.random.default_rng(1).permutation(500)
    compiled_steps(network, optimizer, sparse_rows(X), train_set.labels[:500], order, 10, 1e-4)
    _readable_steps(readable, type(optimizer)(optimizer.lr), X, Y, order, 10, 1e-4)
    worst = max(worst, np.abs(network.vector - readable.vector).max())
    numbers.append(network.vector.tobytes().hex())
print(worst, hash(tuple(numbers)))
"""


def test_code_compiled_for_haswell_and_loaded_from_the_cache_computes_the_same(tmp_path):
    """Compiled for Haswell (AVX2: vectors of 8 float32, not 16), once compiling and once loading that code from
    Numba's cache: both runs agree with the readable path and, bit for bit, with each other."""
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_CPU_NAME": "haswell",
                   "NUMBA_CPU_FEATURES": "", "PYTHONHASHSEED": "0"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = [subprocess.run([sys.executable, "-c", _OTHER_CPU_RUN], capture_output=True, text=True, env=environment,
                           check=True, cwd=root).stdout.split() for _ in range(2)]
    assert any(tmp_path.rglob("*.nbc"))
    assert runs[0][1] == runs[1][1]
    assert float(runs[0][0]) < 1e-10
