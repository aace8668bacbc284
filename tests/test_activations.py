import numpy as np
import pytest

from digitnet.activations import ACTIVATIONS, get_activation, sigmoid, softmax


def test_sigmoid_matches_its_textbook_formula():
    z = np.linspace(-8, 8, 33)
    assert np.allclose(sigmoid(z), 1 / (1 + np.exp(-z)), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_safe_at_plus_and_minus_a_thousand(dtype):
    with np.errstate(all="raise"):
        a = sigmoid(np.array([-1000.0, 0.0, 1000.0], dtype=dtype))
    assert a.tolist() == [0.0, 0.5, 1.0]


def test_softmax_rows_sum_to_one_even_for_huge_inputs():
    z = np.array([[1000.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", invalid="raise"):
        a = softmax(z)
    assert np.allclose(a.sum(axis=1), 1)
    assert np.allclose(a[0], [0.5, 0.5, 0.0])
    assert np.allclose(a[1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_backward_is_the_jacobian_product_by_finite_differences(name):
    rng = np.random.default_rng(1)
    f = ACTIVATIONS[name]
    z = rng.normal(size=(3, 5)) + 0.3  # away from relu's kink at 0
    grad_a = rng.normal(size=(3, 5))
    numeric = np.zeros_like(z)
    eps = 1e-6
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = eps
        numeric[index] = ((f(z + step) - f(z - step)) * grad_a).sum() / (2 * eps)
    assert np.allclose(f.backward(z, f(z), grad_a), numeric, atol=1e-7)


def test_an_unknown_activation_names_the_ones_there_are():
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'; choose one of: .*sigmoid"):
        get_activation("sigmod")
