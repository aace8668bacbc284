import numpy as np
import pytest

from digitnet.costs import cross_entropy_value, get_cost, mse_prime, mse_value


def test_mse_is_the_mean_over_examples_of_the_summed_squared_error():
    a = np.array([[0.5, 0.0], [1.0, 1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    # example 1: 0.25 + 0; example 2: 1 + 0; mean over the 2 examples
    assert mse_value(a, Y) == pytest.approx((0.25 + 1.0) / 2)


def test_mse_prime_is_two_over_n_times_the_error():
    a = np.array([[0.5, 0.0], [1.0, 1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert np.allclose(mse_prime(a, Y), [[-0.5, 0.0], [1.0, 0.0]])


def test_cross_entropy_is_minus_the_mean_log_of_the_right_answer():
    a = np.array([[0.25, 0.75], [0.5, 0.5]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert cross_entropy_value(a, Y) == pytest.approx(-(np.log(0.75) + np.log(0.5)) / 2)


def test_cross_entropy_of_a_zero_output_is_large_but_finite():
    assert np.isfinite(cross_entropy_value(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])))


def test_an_unknown_cost_names_the_ones_there_are():
    with pytest.raises(ValueError, match="unknown cost 'l2'; choose one of: cross_entropy, mse"):
        get_cost("l2")
