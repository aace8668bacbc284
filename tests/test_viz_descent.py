"""The gradient-descent figure: simple_gd's own walks down small functions, and what it says of them."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet import Network
from digitnet.descent import simple_gd
from digitnet.viz import FIGURES, descent, rate, sgd
from digitnet.viz._training import copy_network, descend

_drawn = {}  # each figure is drawn once for the whole module: they are deterministic


@pytest.fixture
def drawn(viz_context):
    """``drawn(name)``: the figure ``name`` made from the quick context and drawn (cached)."""
    def draw(name):
        if name not in _drawn:
            entry = FIGURES[name]
            fig = Figure(figsize=entry.size)
            FigureCanvasAgg(fig)
            entry.make(fig, viz_context)
            fig.canvas.draw()
            _drawn[name] = fig
        return _drawn[name]

    return draw


def lines_labelled(ax, start):
    return [line for line in ax.get_lines() if line.get_label().startswith(start)]


@pytest.fixture(scope="module")
def quick_sweep(mnist):
    train_set, test_set = mnist
    return rate.learning_rate_sweep(train_set, test_set, rate.QUICK_RATES, 10_000, 1)


@pytest.fixture(scope="module")
def small_plane(mnist):
    """A 5 x 5 loss slice through two short runs (GD, SGD) on 1,000 digits."""
    train_set = mnist[0].take(1_000)
    X, Y = train_set.X, train_set.Y
    sample = (X[:500], Y[:500])
    start = Network(seed=0)
    runs = [descend(copy_network(start), X, Y, sample, lr=3.0, batch_size=size, steps=steps,
                    rng=np.random.default_rng(0), keep_vectors=True)
            for size, steps in ((1_000, 5), (10, 100))]
    vectors = [run.vectors for run in runs]
    origin = start.vector.astype(np.float64)
    return start, origin, vectors, sample, sgd.trajectory_plane(start, origin, vectors, sample, n_grid=5)




# -- descent ----------------------------------------------------------------------------------

def test_descent_draws_simple_gds_own_paths_over_each_curve(drawn):
    fig = drawn("descent")
    axes = fig.axes
    for ax, (_, f, gradient, start, runs) in zip(axes[:2], descent.DESCENTS_1D):
        for lr, n_iter in runs:
            _, path = simple_gd(gradient, start, lr, n_iter=n_iter)
            (line,) = lines_labelled(ax, f"lr {lr}:")
            np.testing.assert_allclose(line.get_xdata(), path)
            np.testing.assert_allclose(line.get_ydata(), f(np.array(path)))
    for ax, (_, _, gradient, start, runs, _) in zip(axes[2:4], descent.DESCENTS_2D):
        assert ax.collections, "no contour lines"
        for lr, n_iter in runs:
            _, path = simple_gd(gradient, np.array(start), lr, n_iter=n_iter)
            (line,) = lines_labelled(ax, f"lr {lr}:")
            np.testing.assert_allclose(np.column_stack([line.get_xdata(), line.get_ydata()]), path)
        assert ax.get_legend() is not None


def test_descent_shows_converging_oscillating_diverging_and_two_minima(drawn):
    square, quartic = drawn("descent").axes[:2]
    converging, oscillating, diverging = (lines_labelled(square, f"lr {lr}:")[0].get_xdata() for lr in (0.2, 1.0, 1.1))
    assert abs(converging[-1]) < 1e-5
    np.testing.assert_allclose(oscillating, [10 * (-1) ** k for k in range(len(oscillating))])
    assert np.all(np.diff(np.abs(diverging)) > 0)
    ends = [lines_labelled(quartic, f"lr {lr}:")[0].get_xdata()[-1] for lr in (0.2, 0.1)]
    np.testing.assert_allclose(ends, [-1.4207567437458342, 1.285401330315467])


def test_descent_shows_the_bowl_zigzag_and_the_rosenbrock_stall(drawn):
    bowl, rosenbrock = drawn("descent").axes[2:4]
    zigzag = lines_labelled(bowl, "lr 0.095:")[0].get_ydata()
    assert np.all(np.sign(zigzag[1:8]) == -np.sign(zigzag[:7]))  # y changes sign every step
    fast, stalled = (lines_labelled(rosenbrock, f"lr {lr}:")[0] for lr in (0.002, 0.0001))
    assert np.hypot(fast.get_xdata()[-1] - 1, fast.get_ydata()[-1] - 1) < 0.25
    assert np.hypot(stalled.get_xdata()[-1] - 1, stalled.get_ydata()[-1] - 1) > 1.5
