"""The training-curves figure: a model's saved history, or fresh runs of the seed and modern recipes."""

import math
import os

import numpy as np
import pytest
from conftest import line_colors, lines_labelled, reads_as_sign
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet import Network
from digitnet.health import check_health
from digitnet.recipes import RECIPES
from digitnet.viz import FIGURES, curves
from digitnet.viz._training import sample_of
from digitnet.viz.style import SERIES, figure_words


def history_of(costs, rates=None, saturation=None):
    """A made-up saved history: one epoch per cost, with its learning rate (3.0 unless given)."""
    rates = [3.0] * len(costs) if rates is None else rates
    return [{"epoch": k + 1, "learning_rate": rate, "train_cost": cost, "test_cost": 1.1 * cost,
             "test_accuracy": 0.8 + k / 1000, "seconds": 1.0,
             **({} if saturation is None else {"saturation": saturation[k]})}
            for k, (cost, rate) in enumerate(zip(costs, rates))]


def curves_of(viz_context, history):
    """The curves figure, drawn, for a network whose saved history is ``history``."""
    viz_context.network = Network(seed=0)
    viz_context.network.metadata["history"] = history
    fig = FIGURES["curves"].make(Figure(figsize=FIGURES["curves"].size), viz_context)
    FigureCanvasAgg(fig).draw()
    return fig


COSINE = [3.0 * 0.5 * (1 + math.cos(math.pi * k / 16)) for k in range(16)]  # the seed's schedule, 16 epochs
FALLING = [0.5 / (k + 1) for k in range(16)]
JUMPING = [0.13, 0.23] + [0.2 - 0.01 * k for k in range(14)]  # the cost jumps at epoch 2, then falls


def test_a_fresh_run_records_each_mini_batchs_cost_before_its_step(mnist):
    data = mnist[0].take(100)
    recipe = RECIPES["seed"].with_changes(batch_size=25)
    network, history, costs = curves.train_fresh(recipe, data, None, epochs=2)
    assert len(costs) == 2 * 4 and len(history.epochs) == 2
    first = np.random.default_rng(0).permutation(100)[:25]  # the first epoch's order: the rng's first draw
    assert costs[0] == pytest.approx(Network(seed=0).cost_value(data.X[first], data.Y[first]), rel=1e-6)
    assert "gradient" not in vars(network)  # nothing wraps Network.gradient any more


@pytest.mark.skipif(os.environ.get("DIGITNET_FAST", "1") == "0", reason="DIGITNET_FAST=0 turns the fast path off")
def test_a_fresh_run_takes_the_fast_path_where_it_can(mnist, monkeypatch):
    """Recording each mini-batch's cost once kept the fresh runs on the readable path (it wrapped
    Network.gradient, which the compiled steps do not call); train's on_step sees them on either."""
    fast = pytest.importorskip("digitnet.fast")
    pytest.importorskip("numba")
    fast.warm_up(Network(), training=True)
    pieces = []
    take = fast.Steps.take
    monkeypatch.setattr(fast.Steps, "take", lambda self, order: pieces.append(len(order)) or take(self, order))
    data = mnist[0].take(500)
    _, _, costs = curves.train_fresh(RECIPES["seed"], data, None, epochs=1)
    assert pieces == [10] * 50  # a compiled piece for each mini-batch, to see its cost
    first = np.random.default_rng(0).permutation(500)[:10]
    assert len(costs) == 50
    assert costs[0] == pytest.approx(Network(seed=0).cost_value(data.X[first], data.Y[first]), rel=1e-5)


def test_curves_draws_a_models_saved_history(viz_context):
    history = [{"epoch": k, "learning_rate": 3.0, "train_cost": 1 / k, "test_cost": 1.2 / k,
                "test_accuracy": 0.8 + k / 100, "seconds": 1.0} for k in (1, 2, 3)]
    ax_cost, ax_rate, ax_accuracy, ax_saturation = curves_of(viz_context, history).axes
    (train_cost,) = lines_labelled(ax_cost, "train cost")
    (test_cost,) = lines_labelled(ax_cost, "test cost")
    assert list(train_cost.get_ydata()) == pytest.approx([1, 1 / 2, 1 / 3])
    assert list(test_cost.get_ydata()) == pytest.approx([1.2, 0.6, 0.4])
    (accuracy,) = lines_labelled(ax_accuracy, "test accuracy")
    assert list(accuracy.get_ydata()) == pytest.approx([81, 82, 83])


def test_the_words_on_the_cost_change_when_the_cost_jumps(viz_context):
    falling = figure_words(curves_of(viz_context, history_of(FALLING, COSINE)))
    jumping = figure_words(curves_of(viz_context, history_of(JUMPING, COSINE)))
    assert "The train cost fell in every epoch: from 0.5 after epoch 1 to 0.0312 after epoch 16." in falling
    assert "rose" not in falling
    assert "The train cost rose in 1 of 15 epochs: first at epoch 2 (0.13 → 0.23, rate 3), ringed." in jumping
    assert "fell in every epoch" not in jumping


def test_the_words_say_whether_the_cost_settles_as_the_rate_falls():
    epoch = np.arange(1, 17)
    jumpy = [0.2 + 0.05 * (k % 2) for k in range(16)]  # up and down every epoch, to the end
    calm_end = jumpy[:12] + [0.1, 0.09, 0.08, 0.07]     # ... but falling in the last quarter
    assert "It settles as the rate falls: in the last 3 epochs" in curves.cost_verdict(epoch, calm_end, COSINE)
    assert "it never rose" in curves.cost_verdict(epoch, calm_end, COSINE)
    still = curves.cost_verdict(epoch, jumpy, [3.0] * 16)
    assert "It is still jumping in the last 3 epochs (epochs 14-16, rate 3 → 3): rises of up to 0.05." in still
    assert "settles" not in still
    assert "as the rate falls" not in curves.cost_verdict(epoch, calm_end, [3.0] * 16)  # it did not fall


def test_a_cost_that_does_not_change_did_not_fall_and_a_rounding_rise_is_no_rise():
    epoch = np.arange(1, 17)
    level = curves.cost_verdict(epoch, [0.5] * 16, COSINE)
    assert "fell in every epoch" not in level and "rose in" not in level
    assert "The train cost never rose, but it fell in only 0 of 15 epochs (it held level in the others)" in level
    end = FALLING[12]
    tiny = FALLING[:13] + [end * (1 + 1e-7), end, end * (1 + 1e-7)]  # rises far under TINY of the cost
    words = curves.cost_verdict(epoch, tiny, COSINE)
    assert "rose in" not in words and "still jumping" not in words and "fell in every epoch" not in words
    assert "it fell in only 12 of 15 epochs" in words
    counted = FALLING[:13] + [end * (1 + 10 * curves.TINY), end, end]  # a rise above TINY counts
    assert "The train cost rose in 1 of 15 epochs" in curves.cost_verdict(epoch, counted, COSINE)


def test_the_words_name_the_largest_rise_of_the_last_quarter_as_it_is():
    epoch = np.arange(1, 17)
    jumpy = [0.2 + 0.05 * (k % 2) for k in range(16)]
    calm_end = jumpy[:12] + [0.1, 0.102708, 0.09, 0.08]  # the last quarter's one rise: 0.002708
    words = curves.cost_verdict(epoch, calm_end, COSINE)
    assert "the largest rise is 0.0027." in words
    assert "no rise is above" not in words  # 0.002708 is above 0.0027
    assert words.startswith("The train cost rose in") and "ringed" in words


def test_a_history_with_gaps_gets_words_about_the_epochs_it_holds(viz_context):
    history = history_of(JUMPING, COSINE)
    del history[5]["train_cost"], history[6]["learning_rate"]  # a saved history may leave fields out
    words = figure_words(curves_of(viz_context, history))
    assert "The train cost rose in 1 of 14 epochs: first at epoch 2 (0.13 → 0.23, rate 3), ringed." in words
    assert "nan" not in words
    assert curves.cost_verdict([], [], []) == "No train cost was recorded."


def test_the_epochs_the_words_name_are_ringed_on_the_cost(viz_context):
    costs = [0.13, 0.23, 0.2, 0.3] + [0.2 - 0.01 * k for k in range(12)]  # rises at 2 (0.1) and 4 (0.1, +eps)
    costs[3] = 0.3001
    fig = curves_of(viz_context, history_of(costs, COSINE))
    words = figure_words(fig)
    assert f"first at epoch 2 (0.13 → 0.23, rate 3), most at epoch 4 (0.2 → 0.3, rate {COSINE[3]:.2g})" in words
    rings = [line for line in fig.axes[0].get_lines() if line.get_label() == "_rise"]
    assert sorted((line.get_xdata()[0], line.get_ydata()[0]) for line in rings) == [(2, 0.23), (4, 0.3001)]


def test_curves_draws_the_learning_rate_of_each_epoch_on_its_own_axis(viz_context):
    fig = curves_of(viz_context, history_of(JUMPING, COSINE))
    rate_axes = [ax for ax in fig.axes if lines_labelled(ax, "learning rate")]
    assert len(rate_axes) == 1
    (rate_line,) = lines_labelled(rate_axes[0], "learning rate")
    assert list(rate_line.get_ydata()) == pytest.approx(COSINE)
    assert not lines_labelled(rate_axes[0], "train cost") and not lines_labelled(rate_axes[0], "test accuracy")
    assert "The learning rate of each epoch: 3 at epoch 1 → 0.0288 at epoch 16" in figure_words(fig)


def test_saturation_has_its_own_axis_that_says_what_it_means(viz_context):
    fig = curves_of(viz_context, history_of([0.5, 0.25, 0.2], saturation=[0.2, 0.35, 0.5]))
    lines = [(ax, line) for ax in fig.axes for line in ax.get_lines() if "saturated" in line.get_label()]
    assert len(lines) == 1
    ax, line = lines[0]
    assert list(line.get_ydata()) == pytest.approx([20, 35, 50])
    assert not lines_labelled(ax, "test accuracy")
    assert "σ'(z) < 0.01" in ax.get_title() and "barely learn" in ax.get_title()
    assert "20% at epoch 1 → 50% at epoch 3" in ax.get_title()


def test_the_saturation_says_outputs_are_counted_and_each_layers_share(viz_context, mnist):
    fig = curves_of(viz_context, history_of([0.5, 0.25, 0.2], saturation=[0.2, 0.35, 0.5]))
    title = fig.axes[3].get_title()
    assert "outputs included" in title and "saturated on purpose" in title
    X = sample_of(mnist[0])[0]
    shares = curves.layer_saturation(Network(seed=0), X)
    assert [name for name, _ in shares] == ["hidden 1", "hidden 2", "outputs"]  # the seed's layout: 784-16-16-10
    assert "This model now, layer by layer: " + ", ".join(f"{name} {share:.0%}" for name, share in shares) in title


def test_the_layers_shares_make_up_the_share_health_counts(trained_network, mnist):
    X, Y = sample_of(mnist[0])
    shares = curves.layer_saturation(trained_network, X)
    sizes = trained_network.sizes[1:]
    overall = sum(size * share for size, (_, share) in zip(sizes, shares)) / sum(sizes)
    assert overall == pytest.approx(check_health(trained_network, X, Y).saturation)
    assert len({share for _, share in shares}) == len(shares)  # the layers differ: one share would hide that


def test_the_saturation_words_say_outputs_are_counted_only_when_they_are():
    with_outputs = curves.saturation_words([("hidden 1", 0.44), ("outputs", 0.71)], "This model")
    assert "Outputs are counted" in with_outputs and "hidden 1 44%, outputs 71%" in with_outputs
    hidden_only = curves.saturation_words([("hidden 1", 0.44), ("hidden 2", 0.11)], "This model")
    assert "Outputs" not in hidden_only and "hidden 2 11%" in hidden_only
    assert curves.saturation_words([], "This model") == "This model has no sigmoid neurons."


def test_no_line_of_a_saved_history_is_blue_or_red(viz_context):
    assert not [color for color in SERIES if reads_as_sign(color)]
    assert not reads_as_sign(curves.MODERN_COLOR)
    fig = curves_of(viz_context, history_of(JUMPING, COSINE))
    assert not [(label, color) for label, color in line_colors(fig) if reads_as_sign(color)]


def test_the_summary_and_paragraph_promise_nothing_a_saved_history_does_not_draw(viz_context):
    entry = FIGURES["curves"]
    words = figure_words(curves_of(viz_context, history_of(FALLING, COSINE)))
    assert "modern" not in entry.summary and "modern" not in words
    assert "modern" not in entry.paragraph and "mini-batch's own cost" not in entry.paragraph  # on the figure
    assert "saved history" in entry.paragraph and "without one" in entry.paragraph  # both, told apart by the title
    assert "How this model trained: its saved history" in words


@pytest.mark.training
def test_curves_without_history_trains_the_seed_and_the_modern_recipe(drawn):
    fig = drawn("curves")
    ax_cost, ax_rate, ax_accuracy, ax_saturation = fig.axes
    (batches,) = lines_labelled(ax_cost, "seed: each mini-batch")
    assert len(batches.get_xdata()) == 2 * 5_000 // 10  # quick: 2 epochs on 5,000 digits
    (train_cost,) = lines_labelled(ax_cost, "seed: train cost")
    (test_cost,) = lines_labelled(ax_cost, "seed: test cost")
    assert list(train_cost.get_xdata()) == [1, 2] and train_cost.get_ydata()[-1] < batches.get_ydata()[0]
    assert test_cost.get_ydata()[-1] < 0.5  # seeds 0-4 (the readable path): 0.217-0.253
    seed, modern = (lines_labelled(ax_accuracy, name)[0] for name in ("seed:", "modern:"))
    assert list(modern.get_xdata()) == [1, 2]
    assert seed.get_ydata()[-1] > 70 and modern.get_ydata()[-1] > 70  # seeds 0-4: seed 84.7-88.8, modern 87.0-89.6
    assert len(lines_labelled(ax_rate, "seed: learning rate")) == len(lines_labelled(ax_rate, "modern:")) == 1
    last_epoch = batches.get_ydata()[-500:]  # the words on the mini-batches are the numbers drawn
    assert (f"each mini-batch's own cost ran from {last_epoch.min():.2g} to {last_epoch.max():.2g}"
            in figure_words(fig))
    title = fig.get_suptitle()  # what only a fresh run draws is said on it
    assert "no saved history" in title and "modern recipe (ReLU, softmax, cross-entropy, Adam" in title
    assert "The fresh seed network now, layer by layer: hidden 1" in ax_saturation.get_title()
    assert not [(label, color) for label, color in line_colors(fig) if reads_as_sign(color)]
