"""The backprop figure: one example's gradient, what it shows and the check against finite differences."""

import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet.viz import FIGURES
from digitnet.viz._probe import as_float64, backprop_example, relative_error

ANSWER_TRUTH = re.compile(r"answer (\d), truth (\d)")
ANSWER_P = re.compile(r"answer (\d), p = ([\d.]+)")


def render(name, context):
    """Draw the registered figure ``name`` on a new Agg Figure of its size, and return it."""
    entry = FIGURES[name]
    fig = Figure(figsize=entry.size)
    FigureCanvasAgg(fig)
    assert entry.make(fig, context) is fig
    fig.canvas.draw()
    return fig


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def all_text(fig):
    """Every piece of text drawn on fig, its subfigures and their axes, as one string."""
    texts = [t.get_text() for t in fig.findobj(lambda artist: hasattr(artist, "get_text"))]
    return "\n".join(texts)


@pytest.fixture
def first_example(viz_context):
    test_set = viz_context.test_set
    return test_set.X[0], int(test_set.labels[0])


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
    Y = np.eye(10)[[label]]
    grad_w, grad_b = network64.backprop(x[None].astype(np.float64), Y)
    a = network64.feedforward(x[None].astype(np.float64))[0]
    assert np.allclose(result["output_nudges"], -2 * (a - Y[0]))
    assert [d.shape for d in result["deltas"]] == [(16,), (16,), (10,)]
    for delta, expected in zip(result["deltas"], grad_b):
        assert np.allclose(delta, expected, rtol=1e-12, atol=0)
    j = result["neuron"]
    assert j == np.abs(grad_b[0]).argmax()
    assert np.allclose(result["weight_change"], -grad_w[0][:, j], rtol=1e-12, atol=0)
    assert np.allclose(result["weight_change"], -x * result["deltas"][0][j])  # BP4 for one example


def test_the_backprop_figure_shows_the_nudges_the_deltas_the_weight_change_and_the_check(viz_context, first_example):
    fig = render("backprop", viz_context)
    result = backprop_example(viz_context.network, *first_example)
    bar_axes = [ax for ax in fig.axes if ax.containers]
    assert [len(ax.patches) for ax in bar_axes] == [10, 16, 16]
    expected = [result["output_nudges"], -result["deltas"][1], -result["deltas"][0]]
    for ax, nudges in zip(bar_axes, expected):
        heights = np.array([bar.get_height() for bar in ax.patches])
        assert np.allclose(heights, nudges)
        colours = [bar.get_facecolor()[:3] for bar in ax.patches]
        assert all((c[1] > c[0]) == (v >= 0) for c, v in zip(colours, nudges))  # green up, red down

    change = next(ax for ax in image_axes(fig) if "W[:," in ax.get_title())
    image = change.images[0]
    assert np.array_equal(np.asarray(image.get_array()), result["weight_change"].reshape(28, 28))
    assert image.norm.vmin == -image.norm.vmax  # centred at 0

    text = all_text(fig)
    worst = max(relative_error(bp, fd) for _, bp, fd in result["checks"])
    assert f"max relative error {worst:.1e}" in text
    assert f"target {first_example[1]} (its true label)" in text


def test_for_a_given_image_the_backprop_target_is_the_networks_own_answer(viz_context, mnist):
    x = mnist[1].X[1]
    viz_context.image = x
    answer = int(viz_context.network.predict(x[None])[0])
    assert f"target {answer} (the network's own answer)" in all_text(render("backprop", viz_context))
