"""The mistakes, noise, dreams and backprop figures: what each shows and the numbers behind it."""

import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet.viz import FIGURES
from digitnet.viz._probe import as_float64, backward_to_input, log_proba_gradient, relative_error
from digitnet.viz.mistakes import confusion, dream, misclassified, most_confused

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




# --- mistakes ---------------------------------------------------------------------------

def test_the_confusion_matrix_counts_every_test_digit_once_and_its_diagonal_is_the_accuracy(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    counts = confusion(network, test_set)
    assert counts.shape == (10, 10)
    assert counts.sum() == len(test_set)
    assert np.array_equal(counts.sum(axis=1), np.bincount(test_set.labels, minlength=10))
    assert np.trace(counts) / len(test_set) == pytest.approx(network.score(test_set.X, test_set.labels))


def test_most_confused_lists_the_largest_off_diagonal_cells_largest_first():
    counts = np.diag([50] * 10)
    counts[4, 9], counts[7, 2], counts[3, 5], counts[9, 4], counts[2, 8], counts[1, 7] = 9, 8, 7, 6, 5, 1
    assert most_confused(counts) == [(4, 9, 9), (7, 2, 8), (3, 5, 7), (9, 4, 6), (2, 8, 5)]


def test_the_mistakes_figure_shows_the_counts_a_gallery_of_true_mistakes_and_the_top_pairs(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    fig = render("mistakes", viz_context)
    counts = confusion(network, test_set)
    matrix = next(ax for ax in fig.axes if ax.images and len(ax.texts) == 100)
    written = np.array([int(t.get_text()) for t in matrix.texts]).reshape(10, 10)
    assert np.array_equal(written, counts)

    gallery = [ax for ax in image_axes(fig) if ANSWER_TRUTH.fullmatch(ax.get_title())]
    assert len(gallery) == 24
    indices, answers = misclassified(network, test_set)
    for ax, index in zip(gallery, indices):
        answer, truth = map(int, ANSWER_TRUTH.fullmatch(ax.get_title()).groups())
        x = np.asarray(ax.images[0].get_array()).reshape(784)
        assert np.array_equal(x, test_set.X[index])
        assert answer != truth
        assert answer == network.predict(x[None])[0]
        assert truth == test_set.labels[index]

    text = all_text(fig)
    for truth, answer, count in most_confused(counts):
        assert f"{truth} read as {answer}: {count} times" in text
    assert f"{len(indices):,} of {len(test_set):,} test digits wrong" in text


# --- noise ------------------------------------------------------------------------------

def test_the_noise_figure_shows_eight_noise_images_with_the_networks_own_answers(viz_context):
    network = viz_context.network
    fig = render("noise", viz_context)
    axes = image_axes(fig)
    assert len(axes) == 8
    for ax in axes:
        x = np.asarray(ax.images[0].get_array()).reshape(1, 784)
        answer, p = ANSWER_P.fullmatch(ax.get_title()).groups()
        assert 0.05 < x.mean() < 0.95 and x.std() > 0.2  # noise, not a digit or a blank
        assert int(answer) == network.predict(x)[0]
        assert float(p) == pytest.approx(network.predict_proba(x).max(), abs=0.005)
    assert "not a digit" in all_text(fig)


# --- dreams -----------------------------------------------------------------------------

def test_the_gradient_carried_to_the_input_agrees_with_finite_differences_of_log_p(trained_network, mnist):
    network = as_float64(trained_network)
    x = mnist[1].X[:1].astype(np.float64)
    log_p3 = lambda x: np.log(network.predict_proba(x)[0, 3])  # noqa: E731
    zs, activations = network.forward_trace(x)
    grad_x = backward_to_input(network, zs, activations, log_proba_gradient(network, activations[-1], 3))[0]
    for i in np.argsort(-np.abs(grad_x))[:5]:
        step = np.zeros_like(x)
        step[0, i] = 1e-5
        finite_difference = (log_p3(x + step) - log_p3(x - step)) / 2e-5
        assert relative_error(grad_x[i], finite_difference) < 1e-5


@pytest.mark.training
def test_the_dream_of_a_three_is_read_as_a_three_with_high_confidence(trained_network):
    before = trained_network.vector.copy()
    x = dream(trained_network, 3, rng=np.random.default_rng(0))
    assert x.shape == (784,)
    assert x.min() >= 0.0 and x.max() <= 1.0
    p = trained_network.predict_proba(x[None].astype(np.float32))[0]
    assert p.argmax() == 3
    assert p[3] > 0.9  # the conftest's training with seeds 0-4 x {avx512, haswell, znver3, numpy}: 0.978-0.998
    assert np.array_equal(trained_network.vector, before)


@pytest.mark.training
def test_the_dreams_figure_shows_ten_images_each_read_as_its_own_digit(viz_context):
    network = viz_context.network
    fig = render("dreams", viz_context)
    axes = image_axes(fig)
    assert len(axes) == 10
    for digit, ax in enumerate(axes):
        x = np.asarray(ax.images[0].get_array()).reshape(1, 784)
        assert ax.get_title().startswith(f"dream of {digit}\nanswer ")
        answer, p = ANSWER_P.search(ax.get_title()).groups()
        assert int(answer) == network.predict(x)[0]
        assert float(p) == pytest.approx(network.predict_proba(x).max(), abs=0.005)
    # the conftest's training with seeds 0-4 x {avx512, haswell, znver3, numpy}: 10 of 10 every time
    assert sum(int(ANSWER_P.search(ax.get_title()).group(1)) == d for d, ax in enumerate(axes)) >= 8
