import numpy as np
import pytest

from digitnet.optimizers import SGD, Adam, Momentum, make_optimizer


def test_an_sgd_step_moves_each_parameter_by_minus_lr_times_its_gradient():
    params = [np.array([1.0, 2.0]), np.array([[3.0]])]
    SGD(0.5).step(params, [np.array([0.2, -0.4]), np.array([[1.0]])])
    assert params[0].tolist() == [0.9, 2.2]
    assert params[1].tolist() == [[2.5]]


def test_momentum_remembers_the_previous_step():
    params = [np.array([1.0])]
    optimizer = Momentum(0.1, mu=0.9)
    optimizer.step(params, [np.array([1.0])])  # v = -0.1
    optimizer.step(params, [np.array([1.0])])  # v = 0.9 * -0.1 - 0.1 = -0.19
    assert params[0][0] == pytest.approx(1.0 - 0.1 - 0.19)


def test_adam_steps_match_a_hand_computation():
    params = [np.array([1.0])]
    optimizer = Adam(0.01)
    optimizer.step(params, [np.array([0.5])])
    # first step: m_hat = g, v_hat = g^2, so the step is lr * g / |g| = lr
    assert params[0][0] == pytest.approx(1.0 - 0.01, abs=1e-9)
    optimizer.step(params, [np.array([-1.0])])
    m = 0.9 * 0.05 + 0.1 * -1.0
    v = 0.999 * 0.00025 + 0.001 * 1.0
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert params[0][0] == pytest.approx(0.99 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8), abs=1e-9)


def test_an_unknown_optimizer_names_the_ones_there_are():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; choose one of: adam, gd, momentum, sgd"):
        make_optimizer("rmsprop", 0.1)
