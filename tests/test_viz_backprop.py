"""The backprop figure: one example's gradient, what it shows and the check against finite differences."""

import re

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from digitnet import Network
from digitnet.viz import FIGURES, draw
from digitnet.viz._gradients import backprop_example
from digitnet.viz._probe import as_float64, relative_error
from digitnet.viz.backprop import NUDGE, output_wishes
from digitnet.viz.style import NEGATIVE, POSITIVE, figure_words, sign_color, text_problems

TABLE_ROW = re.compile(r"^(weights\[0\]\[\d+, \d+\]|biases\[\d+\]\[(\d+)\])\s+(\S+)\s+(\S+)\s+(\S+)$")
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
    change = next(ax for ax in fig.axes if ax.images and f"{NUDGE}weights[0][:, {j}]" in ax.get_title())
    image = change.images[0]
    assert np.array_equal(np.asarray(image.get_array()), -result["grad_w_neuron"].reshape(28, 28))
    assert image.norm.vmin == -image.norm.vmax  # centred at 0
    assert image.get_cmap().name == "RdBu"
    words = figure_words(fig)
    worst = max(relative_error(bp, fd) for _, bp, fd in result["checks"])
    assert f"max relative error {worst:.1e}" in words
    assert f"target {first_example[1]}\n(its true label)" in words
    assert output_wishes(-result["grad_a"][-1], first_example[1]) in words


def test_the_words_about_the_outputs_follow_their_signs():
    assert output_wishes(np.array([-0.1, 0.2, -0.3]), 1) == (
        f"{NUDGE}a: output 1 (the target) wants to grow; outputs 0, 2 want to shrink")
    assert output_wishes(np.array([0.1, -0.2, 0.0]), 1) == (
        f"{NUDGE}a: output 0 wants to grow; output 1 (the target) wants to shrink; output 2 wants no change")


def test_for_a_given_image_the_backprop_target_is_the_networks_own_answer(viz_context, mnist):
    x = mnist[1].X[1]
    viz_context.image = x
    answer = int(viz_context.network.predict(x[None])[0])
    fig = draw("backprop", viz_context)
    assert f"target {answer}\n(the network's own answer)" in figure_words(fig)
    assert text_problems(fig) == []


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


@pytest.mark.parametrize("sizes", [(784, 16, 16, 10), (784, 10)])
def test_parameters_and_layers_are_named_as_digitnet_names_them(viz_context, first_example, sizes):
    if sizes != (784, 16, 16, 10):
        viz_context.network = Network(sizes=sizes, seed=1)
    out = len(sizes) - 2                                  # biases[out] lead into the output layer
    result = backprop_example(viz_context.network, *first_example)
    fig = draw("backprop", viz_context)
    j = result["neuron"]
    names = [name for name, _, _ in result["checks"]]
    assert all(re.fullmatch(rf"weights\[0\]\[\d+, {j}\]", name) for name in names[:5]), names
    assert names[5:] == [f"biases[{out}][{k}]" for k in range(10)]
    assert [name for name, _, _, _ in table_rows(fig)] == names
    words = figure_words(fig)
    assert not re.search(r"\bW\d|b_out|(?<!hidden )layer \d", words)  # no W1, W3, b_out, nor a bare "layer 2"
    titles = [ax.get_title() for ax in bar_axes(fig)]
    expected = ["(a) the output layer", "(b) hidden layer 2", "(c) hidden layer 1"][:len(sizes) - 1]
    assert [title.split(":")[0] for title in titles] == expected


def test_the_figure_says_which_digit_it_shows(viz_context, mnist):
    words = figure_words(draw("backprop", viz_context))
    assert "(d) test digit 0;" in words and "one example: test digit 0" in words
    assert "your own image" not in words
    viz_context.image = mnist[1].X[1]
    words = figure_words(draw("backprop", viz_context))
    assert "(d) your own image;" in words and "test digit 0" not in words
    paragraph = FIGURES["backprop"].paragraph
    assert "training" not in paragraph and "the first test digit, unless you give your own image" in paragraph


def test_outputs_whose_nudges_are_not_numbers_are_said_to_be_so():
    nan = np.nan
    assert output_wishes(np.full(3, nan), 1) == (
        f"{NUDGE}a: every output's nudge is not a number (NaN): the network's outputs are not numbers")
    assert output_wishes(np.array([0.1, nan, -0.2]), 1) == (
        f"{NUDGE}a: output 0 wants to grow; output 2 wants to shrink; output 1 (the target) is not a number (NaN)")
    assert output_wishes(np.array([nan, 0.3, nan]), 1, np.array([nan, 0.2, nan])).endswith(
        "outputs 0, 2 are not numbers (NaN)")
    with pytest.raises(ValueError, match="no outputs"):
        output_wishes(np.array([]), 0)


def test_a_network_whose_outputs_are_not_numbers_is_drawn_saying_so(viz_context):
    network = Network(seed=1)
    network.weights[0][:] = np.nan
    viz_context.network = network
    words = figure_words(draw("backprop", viz_context))
    assert "every output's nudge is not a number (NaN): the network's outputs are not numbers" in words


def test_for_a_softmax_output_the_words_say_what_the_nudges_become_through_it(viz_context, first_example):
    assert output_wishes(np.array([0.0, 2.0, 0.0]), 1, np.array([-0.3, 0.5, -0.2])) == (
        f"{NUDGE}a: output 1 (the target) wants to grow; outputs 0, 2 want no change\n"
        f"through the softmax, {NUDGE}z: output 1 (the target) wants to grow; outputs 0, 2 want to shrink")
    x, label = first_example
    viz_context.network = network = Network(cost="cross_entropy", seed=1)
    result = backprop_example(network, x, label)
    a = as_float64(network).feedforward(x[None].astype(np.float64))[0]
    others = [d for d in range(10) if d != label]
    assert (a[others] > 0).all()  # so -dC/dz = y - a is below 0 for each of them
    assert np.allclose(-result["deltas"][-1], np.eye(10)[label] - a, rtol=1e-10, atol=0)
    words = figure_words(draw("backprop", viz_context))
    listed = ", ".join(map(str, others))
    assert (f"{NUDGE}a: output {label} (the target) wants to grow; outputs {listed} want no change\n"  # -y/a is 0
            f"through the softmax, {NUDGE}z: output {label} (the target) wants to grow; "
            f"outputs {listed} want to shrink") in words
    viz_context.network = Network(cost="mse", seed=1)  # sigmoid outputs move one by one: no second line
    assert "softmax" not in figure_words(draw("backprop", viz_context))
