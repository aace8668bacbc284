"""The backprop figure: one example's gradient, what it shows and the check against finite differences."""

import re

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from digitnet import Network
from digitnet.viz import draw
from digitnet.viz._gradients import backprop_example
from digitnet.viz._probe import as_float64, relative_error
from digitnet.viz.backprop import NUDGE, output_wishes
from digitnet.viz.style import NEGATIVE, POSITIVE, figure_words, sign_color, text_problems

TABLE_ROW = re.compile(r"^(W1\[\d+, \d+\]|w\[\d+, \d+\]|b_out\[(\d+)\])\s+(\S+)\s+(\S+)\s+(\S+)$")
PANEL = re.compile(r"^\(([a-z])\) ")


@pytest.fixture
def first_example(viz_context):
    test_set = viz_context.test_set
    return test_set.X[0], int(test_set.labels[0])


def bar_axes(fig):
    return [ax for ax in fig.axes if ax.containers]


def table_rows(fig):
    """Each row of the check table drawn on fig: (name, output k or None, the backprop value, the row's colour)."""
    rows = []
    for text in fig.texts + [t for ax in fig.axes for t in ax.texts]:
        for line in text.get_text().splitlines():
            match = TABLE_ROW.match(line.strip())
            if match:
                k = None if match[2] is None else int(match[2])
                rows.append((match[1], k, float(match[3]), to_rgba(text.get_color())))
    return rows


def test_backprop_agrees_with_finite_differences_of_the_cost(viz_context, first_example):
    result = backprop_example(viz_context.network, *first_example)
    assert len(result["checks"]) == 5 + 10
    errors = [relative_error(bp, fd) for _, bp, fd in result["checks"]]
    assert max(errors) < 1e-5
    assert max(abs(bp) for _, bp, _ in result["checks"]) > 1e-5  # something real was checked


def test_backprop_example_returns_the_gradient_of_the_float64_network(viz_context, first_example):
    network = viz_context.network
    before = network.vector.copy()
    x, label = first_example
    result = backprop_example(network, x, label)
    assert np.array_equal(network.vector, before)
    network64 = as_float64(network)
    X, Y = x[None].astype(np.float64), np.eye(10)[[label]]
    grad_w, grad_b = network64.backprop(X, Y)
    zs, activations = network64.forward_trace(X)
    assert [d.shape for d in result["deltas"]] == [(16,), (16,), (10,)]
    for delta, expected in zip(result["deltas"], grad_b):
        assert np.allclose(delta, expected, rtol=1e-12, atol=0)
    assert [g.shape for g in result["grad_a"]] == [(16,), (16,), (10,)]
    assert np.allclose(result["grad_a"][-1], 2 * (activations[-1][0] - Y[0]), rtol=1e-12, atol=0)  # the cost's prime
    for grad_a, delta, a in zip(result["grad_a"], grad_b, activations[1:]):
        assert np.allclose(grad_a * a[0] * (1 - a[0]), delta, rtol=1e-10, atol=0)  # dC/dz = dC/da sigma'(z)
    j = result["neuron"]
    assert j == np.abs(grad_b[0]).argmax()
    assert np.allclose(result["grad_w_neuron"], grad_w[0][:, j], rtol=1e-12, atol=0)
    assert np.allclose(result["grad_w_neuron"], x * result["deltas"][0][j])  # BP4 for one example


def test_every_bar_is_a_nudge_in_the_lessons_blue_or_red_by_its_sign(viz_context, first_example):
    fig = draw("backprop", viz_context)
    result = backprop_example(viz_context.network, *first_example)
    axes = bar_axes(fig)
    assert [len(ax.patches) for ax in axes] == [10, 16, 16]
    for ax, grad_a in zip(axes, reversed(result["grad_a"])):
        heights = np.array([bar.get_height() for bar in ax.patches])
        assert [bar.get_facecolor() for bar in ax.patches] == [to_rgba(sign_color(h)) for h in heights]
        assert np.allclose(heights, -grad_a)  # a nudge: minus the gradient, in every layer
        assert f"{NUDGE}a" in ax.get_title()
    output_bars = [bar.get_height() for bar in axes[0].patches]
    assert {to_rgba(POSITIVE), to_rgba(NEGATIVE)} == {to_rgba(sign_color(h)) for h in output_bars}
    assert "blue, the cost falls if this grows" in figure_words(fig)


def test_the_check_table_shows_nudges_as_the_bars_do_each_row_in_its_signs_colour(viz_context, first_example):
    fig = draw("backprop", viz_context)
    result = backprop_example(viz_context.network, *first_example)
    output_bars = np.array([bar.get_height() for bar in bar_axes(fig)[0].patches])
    rows = table_rows(fig)
    assert len(rows) == len(result["checks"])
    for (name, k, value, colour), (_, bp, _) in zip(rows, result["checks"]):
        if k is not None:  # an output's bias moves its z, and so its a, the way its bar says
            assert np.sign(value) == np.sign(output_bars[k]), f"{name} is {value:+.3e}, output {k}'s bar is not"
        assert value == pytest.approx(-bp, rel=1e-3)
        assert colour == to_rgba(sign_color(value))
    assert f"{NUDGE}p by backprop and by finite differences" in figure_words(fig)


def test_the_panels_are_lettered_a_to_f_once_each(viz_context):
    fig = draw("backprop", viz_context)
    letters = [match[1] for ax in fig.axes if (match := PANEL.match(ax.get_title()))]
    assert letters == list("abcdef")


def test_the_weight_image_and_the_check_say_what_was_computed(viz_context, first_example):
    fig = draw("backprop", viz_context)
    result = backprop_example(viz_context.network, *first_example)
    j = result["neuron"]
    change = next(ax for ax in fig.axes if ax.images and f"W1[:, {j}]" in ax.get_title())
    image = change.images[0]
    assert np.array_equal(np.asarray(image.get_array()), -result["grad_w_neuron"].reshape(28, 28))
    assert image.norm.vmin == -image.norm.vmax  # centred at 0
    assert image.get_cmap().name == "RdBu"
    words = figure_words(fig)
    worst = max(relative_error(bp, fd) for _, bp, fd in result["checks"])
    assert f"max relative error {worst:.1e}" in words
    assert f"target {first_example[1]} (its true label)" in words
    assert output_wishes(-result["grad_a"][-1], first_example[1]) in words


def test_the_words_about_the_outputs_follow_their_signs():
    assert output_wishes(np.array([-0.1, 0.2, -0.3]), 1) == "output 1 (the target) wants to grow; outputs 0, 2 want to shrink"
    assert output_wishes(np.array([0.1, -0.2, 0.0]), 1) == (
        "output 0 wants to grow; output 1 (the target) wants to shrink; output 2 wants no change")


def test_for_a_given_image_the_backprop_target_is_the_networks_own_answer(viz_context, mnist):
    x = mnist[1].X[1]
    viz_context.image = x
    answer = int(viz_context.network.predict(x[None])[0])
    assert f"target {answer} (the network's own answer)" in figure_words(draw("backprop", viz_context))


@pytest.mark.parametrize("config", [dict(cost="cross_entropy"), dict(activation="relu", cost="cross_entropy"),
                                    dict(sizes=(784, 10))])
def test_other_networks_get_the_same_sign_convention_and_readable_text(viz_context, config):
    viz_context.network = Network(**config, seed=1)
    fig = draw("backprop", viz_context)
    for ax in bar_axes(fig):
        heights = [bar.get_height() for bar in ax.patches]
        assert [bar.get_facecolor() for bar in ax.patches] == [to_rgba(sign_color(h)) for h in heights]
    assert all(colour == to_rgba(sign_color(value)) for _, _, value, colour in table_rows(fig))
    assert text_problems(fig) == []
