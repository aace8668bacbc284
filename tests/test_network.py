import copy
import itertools
import pickle

import numpy as np
import pytest

from digitnet import Network
from digitnet.data.mnist import one_hot


def test_the_seed_network_has_13002_weights_and_biases():
    assert Network().n_params == 13002
    assert [w.shape for w in Network().weights] == [(784, 16), (16, 16), (16, 10)]


def test_the_same_seed_gives_the_same_network_and_another_seed_another():
    assert np.array_equal(Network(seed=3).vector, Network(seed=3).vector)
    assert not np.array_equal(Network(seed=3).vector, Network(seed=4).vector)


def test_weights_and_biases_are_views_of_one_parameter_vector():
    network = Network()
    network.vector[:] = 0
    assert all(not w.any() for w in network.weights)
    network.biases[-1][3] = 7
    assert network.vector[-10 + 3] == 7


def test_float32_by_default_and_float64_on_request():
    assert Network().vector.dtype == np.float32
    network = Network(dtype="float64")
    assert network.vector.dtype == np.float64
    assert network.feedforward(np.zeros((2, 784))).dtype == np.float64


def test_forward_trace_returns_every_layers_z_and_activation():
    network = Network()
    X = np.random.default_rng(0).random((5, 784))
    zs, activations = network.forward_trace(X)
    assert [z.shape for z in zs] == [(5, 16), (5, 16), (5, 10)]
    assert [a.shape for a in activations] == [(5, 784), (5, 16), (5, 16), (5, 10)]
    assert np.allclose(zs[0], X @ network.weights[0] + network.biases[0], atol=1e-5)
    assert np.allclose(activations[1], 1 / (1 + np.exp(-zs[0])), atol=1e-6)
    assert np.allclose(activations[-1], network.feedforward(X))


def test_predict_proba_rows_sum_to_one_and_predict_takes_the_largest():
    X = np.random.default_rng(0).random((6, 784))
    for cost in ("mse", "cross_entropy"):
        network = Network(cost=cost)
        proba = network.predict_proba(X)
        assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)
        assert np.array_equal(network.predict(X), proba.argmax(axis=1))


def _numerical_gradient(network, X, Y, eps=1e-6):
    numeric = np.zeros_like(network.vector)
    for i in range(network.n_params):
        saved = network.vector[i]
        network.vector[i] = saved + eps
        plus = network.cost_value(X, Y)
        network.vector[i] = saved - eps
        minus = network.cost_value(X, Y)
        network.vector[i] = saved
        numeric[i] = (plus - minus) / (2 * eps)
    return numeric


COMBINATIONS = [
    (activation, cost, output)
    for activation, (cost, output) in itertools.product(
        ("sigmoid", "relu", "tanh"),
        [("mse", "sigmoid"), ("mse", "softmax"), ("cross_entropy", "softmax"), ("cross_entropy", "sigmoid")],
    )
]


@pytest.mark.parametrize("activation, cost, output", COMBINATIONS)
def test_backprop_matches_central_finite_differences(activation, cost, output):
    rng = np.random.default_rng(7)
    network = Network((6, 5, 4, 3), activation, cost, seed=1, output=output, dtype="float64")
    network.biases[0][:] = rng.normal(size=5) * 0.1 + 0.05
    X = rng.random((4, 6))
    Y = one_hot(rng.integers(0, 3, 4), 3, dtype=np.float64)
    gradient = network.gradient(X, Y)
    numeric = _numerical_gradient(network, X, Y)
    assert np.allclose(gradient, numeric, rtol=1e-5, atol=1e-8), np.abs(gradient - numeric).max()


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_backprop_with_dropout_matches_finite_differences_of_the_masked_network(activation):
    """With masks fixed, dropout is a fixed multiplication: its gradient must be exact too."""
    from digitnet.training import dropout_masks

    rng = np.random.default_rng(3)
    network = Network((6, 5, 4, 3), activation, "cross_entropy", seed=2, dtype="float64")
    for b in network.biases:  # no z exactly at relu's kink, where finite differences disagree
        b[:] = rng.normal(size=b.shape) * 0.1 + 0.05
    X = rng.random((4, 6))
    Y = one_hot(rng.integers(0, 3, 4), 3, dtype=np.float64)
    keep = dropout_masks(network, 4, 0.4, rng)
    assert {0.0, 1 / 0.6} == set(np.unique(np.concatenate([k.ravel() for k in keep])))
    network.cost_value = lambda X, Y: network.cost.value(network.forward_trace(X, keep)[1][-1], Y)
    numeric = _numerical_gradient(network, X, Y)
    gradient = network.gradient(X, Y, keep)
    assert np.allclose(gradient, numeric, rtol=1e-5, atol=1e-8), np.abs(gradient - numeric).max()
    assert not np.allclose(gradient, network.gradient(X, Y))  # the masks did change it


def test_the_normal_init_draws_every_weight_and_bias_from_a_unit_normal():
    network = Network((784, 100, 100, 10), init="normal", seed=0)
    assert abs(network.vector.std() - 1) < 0.02 and abs(network.vector.mean()) < 0.02
    assert abs(network.biases[0].std() - 1) < 0.3
    assert network.weights[0].std() > 10 * Network((784, 100, 100, 10), seed=0).weights[0].std()
    assert network.config()["init"] == "normal"


def test_backprop_of_a_batch_is_the_mean_of_each_examples_gradient():
    rng = np.random.default_rng(0)
    network = Network(dtype="float64")
    X = rng.random((8, 784))
    Y = one_hot(rng.integers(0, 10, 8), dtype=np.float64)
    each = [network.gradient(X[i:i + 1], Y[i:i + 1]) for i in range(8)]
    assert np.allclose(network.gradient(X, Y), np.mean(each, axis=0))


def test_backprop_returns_gradients_shaped_like_the_weights_and_biases():
    network = Network()
    grad_w, grad_b = network.backprop(np.zeros((3, 784)), np.zeros((3, 10)))
    assert [g.shape for g in grad_w] == [w.shape for w in network.weights]
    assert [g.shape for g in grad_b] == [b.shape for b in network.biases]


@pytest.mark.parametrize("activation, cost, output", COMBINATIONS)
def test_backprop_agrees_with_torch_autograd(activation, cost, output):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the autograd comparison was not run")
    rng = np.random.default_rng(3)
    network = Network((784, 16, 16, 10), activation, cost, seed=2, output=output, dtype="float64")
    X = rng.random((10, 784))
    labels = rng.integers(0, 10, 10)
    Y = one_hot(labels, dtype=np.float64)
    params = [torch.tensor(p, requires_grad=True) for p in network.weights + network.biases]
    hidden = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[activation]
    last = {"sigmoid": torch.sigmoid, "softmax": lambda z: torch.softmax(z, dim=1)}[output]
    a = torch.tensor(X)
    for l in range(3):
        z = a @ params[l] + params[3 + l]
        a = last(z) if l == 2 else hidden(z)
    target = torch.tensor(Y)
    if cost == "mse":
        loss = ((a - target) ** 2).sum(dim=1).mean()
    else:
        loss = -(target * torch.log(a.clamp_min(1e-12))).sum(dim=1).mean()
    loss.backward()
    expected = np.concatenate([p.grad.numpy().ravel() for p in params])
    assert np.allclose(network.gradient(X, Y), expected, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"activation": "sigmod"}, "unknown activation 'sigmod'"),
    ({"cost": "l1"}, "unknown cost 'l1'"),
    ({"sizes": (784,)}, "needs 2 to 100 layer sizes"),
    ({"sizes": (784, 12800, 10)}, "10,176,010 weights and biases, more than the 10,000,000"),
    ({"seed": 2**64}, "seed must be a whole number from 0 to 2"),
    ({"dtype": "int8"}, "unknown dtype"),
    ({"init": "zeros"}, "unknown init 'zeros'"),
])
def test_a_bad_setting_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)


@pytest.mark.parametrize("copy_of", [lambda n: pickle.loads(pickle.dumps(n)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_a_copied_network_keeps_its_weights_as_views_into_its_own_vector(copy_of):
    original = Network(seed=0)
    copied = copy_of(original)
    np.testing.assert_array_equal(copied.vector, original.vector)
    copied.vector[...] = 0  # a training step changes the vector in place...
    assert not copied.weights[0].any() and not copied.biases[-1].any()  # ...and the layers see it
    assert original.weights[0].any()  # the original is its own
