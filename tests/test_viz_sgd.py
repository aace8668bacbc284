"""The GD-vs-SGD figure: both walks from one start, and the cost on the plane of their main directions."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet import Network
from digitnet.viz import FIGURES, rate, sgd
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




# -- gd-vs-sgd --------------------------------------------------------------------------------

def test_the_loss_slice_is_the_networks_cost_at_the_grid_points(small_plane):
    start, origin, vectors, sample, (grid_a, grid_b, costs, projected) = small_plane
    u, v = sgd.principal_plane(origin, vectors)
    probe = copy_network(start)
    for i, j in ((0, 0), (2, 3), (4, 1)):
        probe.vector[...] = origin + grid_a[i] * u + grid_b[j] * v
        assert costs[j, i] == pytest.approx(probe.cost_value(*sample), rel=1e-5)
    assert costs.std() > 0


def test_the_projected_paths_are_the_runs_in_plane_coordinates(small_plane):
    start, origin, vectors, sample, (grid_a, grid_b, costs, projected) = small_plane
    u, v = sgd.principal_plane(origin, vectors)
    assert abs(u @ v) < 1e-8 and u @ u == pytest.approx(1) and v @ v == pytest.approx(1)
    for path, run_vectors in zip(projected, vectors):
        np.testing.assert_allclose(path[0], [0, 0], atol=1e-9)  # both start at the start
        a, b = path[-1]
        assert grid_a[0] <= a <= grid_a[-1] and grid_b[0] <= b <= grid_b[-1]
        moved = run_vectors[-1] - origin
        np.testing.assert_allclose((a, b), (moved @ u, moved @ v), rtol=1e-6)


@pytest.mark.training
def test_gd_vs_sgd_draws_both_runs_from_one_start_with_sgd_ahead_per_example(drawn):
    ax_examples, ax_seconds, ax_plane = drawn("gd-vs-sgd").axes
    gd, sgd = (lines_labelled(ax_examples, name)[0] for name in ("gradient descent", "stochastic"))
    gd_examples, gd_costs = gd.get_xdata(), gd.get_ydata()
    sgd_examples, sgd_costs = sgd.get_xdata(), sgd.get_ydata()
    assert sgd_examples[-1] == gd_examples[0] == 10_000  # SGD's epoch is GD's first step
    assert sgd_costs[-1] < gd_costs[0] - 0.3  # seeds 0-4: SGD ends at 0.171-0.235, GD starts at 2.33-3.10
    assert sgd_costs[-1] < gd_costs[-1]  # and still ahead after 30 times as many examples
    gd_seconds, sgd_seconds = (lines_labelled(ax_seconds, name)[0] for name in ("gradient descent", "stochastic"))
    assert gd_seconds.get_ydata()[0] == sgd_seconds.get_ydata()[0] == pytest.approx(3.1, abs=0.05)
    assert ax_examples.get_xscale() == "log"


def test_gd_vs_sgd_draws_both_walks_from_the_start_over_contours(drawn, viz_context):
    before = viz_context.network.vector.copy()
    ax_plane = drawn("gd-vs-sgd").axes[2]
    walks = lines_labelled(ax_plane, "GD") + lines_labelled(ax_plane, "SGD")
    assert len(walks) == 2
    for walk in walks:
        assert (walk.get_xdata()[0], walk.get_ydata()[0]) == pytest.approx((0, 0), abs=1e-6)
        assert len(walk.get_xdata()) > 10
    assert len(ax_plane.collections) >= 1 and ax_plane.collections[0].get_paths()
    np.testing.assert_array_equal(viz_context.network.vector, before)
