"""The cost figure: one digit's outputs against its target, the squared differences and their sum, and the average
cost over the test digits, for the network at its random start and trained."""

import re

import numpy as np
import pytest

from digitnet import Network
from digitnet.training import evaluate
from digitnet.viz import Context, draw
from digitnet.viz import cost as cost_figure
from digitnet.viz.style import figure_words


def output_bars(fig, name):
    """(axes, heights of its bars) of the panel whose title starts with ``name``: "untrained" or "trained"."""
    [ax] = [ax for ax in fig.axes if ax.get_title().startswith(f"{name}:")]
    return ax, np.array([patch.get_height() for patch in ax.patches])


def test_each_digits_outputs_and_cost_are_the_networks_before_and_after_training(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    fig = draw("cost", viz_context)
    x, label = test_set.X[0], test_set.labels[0]
    y = np.eye(10)[label]
    untrained = Network(seed=0)  # the trained network's own random start
    for name, net in (("untrained", untrained), ("trained", network)):
        ax, heights = output_bars(fig, name)
        a = net.feedforward(x[None, :])[0].astype(float)
        np.testing.assert_allclose(heights, a, atol=1e-6)
        squares = (a - y) ** 2
        assert [text.get_text() for text in ax.texts] == [f"{value:.2f}" for value in squares]
        assert f"= Σ (a_j − y_j)² = {squares.sum():.3f}" in ax.get_title()
        assert squares.sum() == pytest.approx(net.cost_value(x[None, :], y[None, :]), rel=1e-5)  # no factor 1/2


def test_the_average_cost_over_the_test_digits_is_drawn_and_compared(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    fig = draw("cost", viz_context)
    before, before_accuracy = evaluate(Network(seed=0), test_set)
    after, after_accuracy = evaluate(network, test_set)
    [ax] = [ax for ax in fig.axes if ax.get_xlabel().startswith("the cost averaged")]
    assert [patch.get_width() for patch in ax.patches] == pytest.approx([before, after], rel=1e-6)
    words = figure_words(fig)
    assert f"{before:.3f}  ({before_accuracy:.1%} of the digits right)" in words
    assert f"{after:.3f}  ({after_accuracy:.1%} of the digits right)" in words
    assert f"{before / after:.0f} times lower than at its random start ({before:.3f} → {after:.3f}" in words
    assert f"over the {len(test_set):,} test digits" in words


def test_an_untrained_network_is_said_to_be_no_better_than_its_start(viz_context):
    context = Context(network=Network(seed=0), quick=True, datasets=viz_context.datasets)
    words = figure_words(draw("cost", context))
    assert "no lower than at its random start" in words and "times lower" not in words


def test_the_change_in_cost_is_said_in_words():
    assert cost_figure.change_words(3.0, 0.06) == "50 times lower than at its random start"
    assert cost_figure.change_words(1.0, 0.7) == "30% lower than at its random start"
    assert cost_figure.change_words(1.0, 1.2) == "no lower than at its random start"


def test_a_cross_entropy_network_shows_its_own_cost(viz_context):
    network = Network(cost="cross_entropy", seed=0)
    fig = draw("cost", Context(network=network, quick=True, datasets=viz_context.datasets))
    x, label = viz_context.test_set.X[0], viz_context.test_set.labels[0]
    a = network.feedforward(x[None, :])[0].astype(float)
    ax, _ = output_bars(fig, "trained")
    assert f"= Σ −y_j ln a_j = {-np.log(a[label]):.3f}" in ax.get_title()
    assert "no factor 1/2" not in figure_words(fig)
    assert re.search(r"the cross_entropy cost\)", figure_words(fig))
