"""The training-curves figure: a model's saved history, or fresh runs of the seed and modern recipes."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet import Network
from digitnet.viz import FIGURES, rate, sgd
from digitnet.viz._training import BatchCosts, copy_network, descend

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




# -- curves -----------------------------------------------------------------------------------

def test_batch_costs_records_one_cost_per_mini_batch_and_lets_go(mnist):
    network = Network(seed=0)
    part = mnist[0].take(100)
    with BatchCosts(network) as costs:
        network.gradient(part.X[:10], part.Y[:10])
        network.gradient(part.X[10:30], part.Y[10:30])
    assert costs.values == pytest.approx([Network(seed=0).cost_value(part.X[:10], part.Y[:10]),
                                          Network(seed=0).cost_value(part.X[10:30], part.Y[10:30])])
    assert "gradient" not in vars(network)


def test_curves_draws_a_models_saved_history(viz_context):
    history = [{"epoch": k, "learning_rate": 3.0, "train_cost": 1 / k, "test_cost": 1.2 / k,
                "test_accuracy": 0.8 + k / 100, "seconds": 1.0} for k in (1, 2, 3)]
    viz_context.network = Network(seed=0)
    viz_context.network.metadata["history"] = history
    fig = FIGURES["curves"].make(Figure(), viz_context)
    ax_cost, ax_accuracy = fig.axes
    (train_cost,) = lines_labelled(ax_cost, "train cost")
    (test_cost,) = lines_labelled(ax_cost, "test cost")
    assert list(train_cost.get_ydata()) == pytest.approx([1, 1 / 2, 1 / 3])
    assert list(test_cost.get_ydata()) == pytest.approx([1.2, 0.6, 0.4])
    assert list(ax_accuracy.get_lines()[0].get_ydata()) == pytest.approx([81, 82, 83])


@pytest.mark.training
def test_curves_without_history_trains_the_seed_and_the_modern_recipe(drawn):
    ax_cost, ax_accuracy = drawn("curves").axes
    (batches,) = lines_labelled(ax_cost, "seed: each mini-batch")
    assert len(batches.get_xdata()) == 2 * 5_000 // 10  # quick: 2 epochs on 5,000 digits
    (train_cost,) = lines_labelled(ax_cost, "seed: train cost")
    (test_cost,) = lines_labelled(ax_cost, "seed: test cost")
    assert list(train_cost.get_xdata()) == [1, 2] and train_cost.get_ydata()[-1] < batches.get_ydata()[0]
    assert test_cost.get_ydata()[-1] < 0.5  # seeds 0-4 (the readable path): 0.217-0.253
    seed, modern = (lines_labelled(ax_accuracy, name)[0] for name in ("seed:", "modern:"))
    assert list(modern.get_xdata()) == [1, 2]
    assert seed.get_ydata()[-1] > 70 and modern.get_ydata()[-1] > 70  # seeds 0-4: seed 84.7-88.8, modern 87.0-89.6


def test_curves_show_the_share_of_saturated_neurons_when_the_history_has_it(viz_context):
    network = viz_context.network
    saved = dict(network.metadata)
    network.metadata = {"history": [
        {"epoch": e, "train_cost": 0.5 / e, "test_cost": 0.6 / e, "test_accuracy": 0.8, "saturation": s}
        for e, s in ((1, 0.2), (2, 0.35), (3, 0.5))]}
    try:
        fig = FIGURES["curves"].make(Figure(), viz_context)
        FigureCanvasAgg(fig).draw()
    finally:
        network.metadata = saved
    lines = [line for ax in fig.axes for line in ax.get_lines() if "saturated" in line.get_label()]
    assert len(lines) == 1
    assert list(lines[0].get_ydata()) == pytest.approx([20, 35, 50])
