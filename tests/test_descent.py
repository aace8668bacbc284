import numpy as np
import pytest

from digitnet.descent import simple_gd


def test_a_small_learning_rate_converges_near_zero_on_x_squared():
    vector, path = simple_gd(lambda x: 2 * x, 10.0, 0.2)
    assert abs(vector) < 1e-4
    assert path[0] == 10.0 and len(path) > 2


def test_learning_rate_one_oscillates_between_plus_and_minus_ten():
    vector, path = simple_gd(lambda x: 2 * x, 10.0, 1.0, n_iter=6)
    assert path == [10.0, -10.0, 10.0, -10.0, 10.0, -10.0, 10.0]


def test_learning_rate_above_one_diverges():
    vector, path = simple_gd(lambda x: 2 * x, 10.0, 1.1, n_iter=20)
    assert abs(vector) > 10 * 10.0
    assert all(abs(b) > abs(a) for a, b in zip(path, path[1:]))


def test_two_learning_rates_end_in_different_minima_of_a_quartic():
    # f(x) = x^4 - 5x^2 - 3x has a local minimum near -1.42 and the global one near 1.72,
    # with a local maximum near -0.3 between them; the numbers are Real Python's worked example
    f = lambda x: x**4 - 5 * x**2 - 3 * x  # noqa: E731
    gradient = lambda x: 4 * x**3 - 10 * x - 3  # noqa: E731
    left, _ = simple_gd(gradient, 0.0, 0.2)
    right, _ = simple_gd(gradient, 0.0, 0.1)
    assert left == pytest.approx(-1.4207567437458342, abs=1e-9)
    assert right == pytest.approx(1.285401330315467, abs=1e-9)
    assert left < -0.3 < right
    assert f(right) < f(left)


def test_vectors_keep_every_point_of_the_path_and_leave_start_alone():
    start = np.array([3.0, -4.0])
    vector, path = simple_gd(lambda v: 2 * v, start, 0.25, n_iter=3)
    assert start.tolist() == [3.0, -4.0]
    assert [p.tolist() for p in path] == [[3.0, -4.0], [1.5, -2.0], [0.75, -1.0], [0.375, -0.5]]
    assert np.allclose(vector, path[-1])


def test_it_stops_only_when_every_component_of_the_step_is_within_tolerance():
    # the first component settles at once, the second keeps moving
    gradient = lambda v: np.array([0.0, 2 * v[1]])  # noqa: E731
    vector, path = simple_gd(gradient, np.array([1.0, 1.0]), 0.1, n_iter=500, tolerance=1e-6)
    assert 1 < len(path) < 501
    assert abs(vector[1]) < 1e-4
    assert abs(path[-1][1] - path[-2][1]) <= 1e-6
    assert abs(path[-2][1] - path[-3][1]) > 1e-6
