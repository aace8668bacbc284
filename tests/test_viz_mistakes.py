"""The mistakes, misread, noise and dreams figures: what each shows, the numbers behind it, and the
words each computes from those numbers (fed a case where a claim is false, the words change)."""

import re

import numpy as np
import pytest
from conftest import reads_as_sign
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet import Network
from digitnet.data.mnist import Dataset
from digitnet.viz import FIGURES, Context
from digitnet.viz import mistakes as mistakes_module  # for monkeypatching its dream
from digitnet.viz._probe import as_float64, backward_to_input, relative_error, yes_no_gradient, yes_no_log_likelihood
from digitnet.viz.mistakes import (
    FAINT,
    SURE,
    YES,
    confusion,
    dream,
    even_top_share,
    how_faint,
    how_gathered,
    how_sure,
    misclassified,
    most_confused,
    top_pairs_share,
)
from digitnet.viz.style import figure_words, shown_scale

ANSWER_TRUTH = re.compile(r"answer (\d) \(([\d.]+)\)\ntruth (\d) \(([\d.]+)\)")
ANSWER_OUTPUT = re.compile(r"answer (\d), output ([\d.]+)\n(sure|unsure)")
DREAM = re.compile(r"dream of (\d): answer (\d)\noutput (\d) = ([\d.]+)\nbrightest ([\d.]+): (faint|bright)")


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


def pixels(ax):
    return np.asarray(ax.images[0].get_array()).reshape(1, 784)


def network_answering(outputs):
    """A seed-shaped network whose outputs are ``outputs`` (10,) for every input: no weights, only biases."""
    network = Network(seed=0)
    for w in network.weights:
        w[...] = 0.0
    network.biases[-1][...] = np.log(np.asarray(outputs) / (1 - np.asarray(outputs)))  # sigmoid^-1
    return network


def reading_network():
    """A seed-shaped network that answers k for an input whose pixel k (k < 10) alone is lit."""
    network = Network(seed=0)
    for w, b in zip(network.weights, network.biases, strict=True):
        w[...] = 0.0
        b[...] = -10.0
        w[np.arange(10), np.arange(10)] = 20.0  # pixel k -> neuron k -> neuron k -> output k
    return network


def confused_as(counts):
    """A Dataset that ``reading_network`` confuses exactly as ``counts`` (10, 10) says: counts[t, a]
    examples of true digit t with pixel a lit."""
    truths, answers = np.divmod(np.repeat(np.arange(counts.size), counts.ravel()), len(counts))
    X = np.zeros((len(truths), 784), dtype=np.float32)
    X[np.arange(len(truths)), answers] = 1.0
    return Dataset(X, truths)


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
    assert top_pairs_share(counts) == pytest.approx(35 / 36)


def test_mistakes_gather_when_a_few_pairs_hold_them_and_are_spread_when_every_pair_holds_as_many():
    gathered = np.diag([900] * 10)
    gathered[4, 9], gathered[9, 4], gathered[3, 5] = 60, 50, 40
    gathered += 1 - np.eye(10, dtype=np.int64)                 # and one of every other kind
    even = np.diag([900] * 10) + 4 * (1 - np.eye(10, dtype=np.int64))
    for counts, words in ((gathered, "gather in a few pairs"), (even, "are spread about evenly")):
        n_wrong = int(counts.sum() - np.trace(counts))
        assert how_gathered(top_pairs_share(counts), even_top_share(n_wrong)) == words
    # at random, the top 5 of 90 pairs hold more than their even 5/90, and less so the more mistakes there are
    assert 5 / 90 < even_top_share(10_000) < even_top_share(300) < even_top_share(30) < 1


def test_the_mistakes_figure_fits_the_handout_and_its_counts_are_readable_there(viz_context):
    fig = render("mistakes", viz_context)
    matrix = next(ax for ax in fig.axes if ax.images and len(ax.texts) == 100)
    assert fig.get_figwidth() <= 9.6  # the handout shows it at full size: 1 pt drawn is >= 1 pt seen
    assert min(text.get_fontsize() * shown_scale(fig) for text in matrix.texts) >= 8


def test_the_mistakes_figure_writes_the_counts_the_top_pairs_with_an_example_and_whether_they_gather(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    fig = render("mistakes", viz_context)
    counts = confusion(network, test_set)
    matrix = next(ax for ax in fig.axes if ax.images and len(ax.texts) == 100)
    written = np.array([int(t.get_text()) for t in matrix.texts]).reshape(10, 10)
    assert np.array_equal(written, counts)

    examples = [ax for ax in image_axes(fig) if ax is not matrix]
    answers = network.predict(test_set.X)
    for ax, (truth, answer, count) in zip(examples, most_confused(counts), strict=True):
        assert ax.texts[0].get_text() == f"{truth} read as {answer}: {count} times"
        first = np.flatnonzero((test_set.labels == truth) & (answers == answer))[0]
        assert np.array_equal(pixels(ax)[0], test_set.X[first])

    words = figure_words(fig)
    n_wrong = int(counts.sum() - np.trace(counts))
    assert f"{n_wrong:,} of {len(test_set):,} test digits wrong" in words
    share, even_share = top_pairs_share(counts), even_top_share(n_wrong)
    assert f"The mistakes {how_gathered(share, even_share)}: the 5 most confused of the 90 pairs hold {share:.0%}" in words


GATHERED_COUNTS = np.diag([50] * 10) + (1 - np.eye(10, dtype=np.int64))
GATHERED_COUNTS[4, 9], GATHERED_COUNTS[9, 4], GATHERED_COUNTS[3, 5] = 60, 50, 40


@pytest.mark.parametrize("counts, words", [
    (GATHERED_COUNTS, "The mistakes gather in a few pairs"),
    (np.diag([50] * 10) + 2 * (1 - np.eye(10, dtype=np.int64)), "The mistakes are spread about evenly"),
    (np.diag([50] * 10), "Not one test digit is read wrong."),
])
def test_the_mistakes_figure_says_whether_the_mistakes_gather_from_the_counts_it_draws(counts, words):
    dataset = confused_as(counts)
    context = Context(network=reading_network(), datasets=(dataset, dataset))
    assert np.array_equal(confusion(context.network, dataset), counts)
    assert words in figure_words(render("mistakes", context))


# --- misread ----------------------------------------------------------------------------

def test_the_misread_figure_shows_the_first_wrong_test_digits_with_both_outputs_and_how_many_were_sure(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    fig = render("misread", viz_context)
    gallery = [ax for ax in image_axes(fig) if ANSWER_TRUTH.fullmatch(ax.get_title())]
    assert len(gallery) == 24
    indices, _ = misclassified(network, test_set)
    sure = 0
    for ax, index in zip(gallery, indices, strict=False):
        answer, answer_output, truth, truth_output = ANSWER_TRUTH.fullmatch(ax.get_title()).groups()
        x = pixels(ax)
        outputs = network.feedforward(x)[0]
        assert np.array_equal(x[0], test_set.X[index])
        assert int(answer) == outputs.argmax() != int(truth) == test_set.labels[index]
        assert float(answer_output) == pytest.approx(outputs[int(answer)], abs=0.005)
        assert float(truth_output) == pytest.approx(outputs[int(truth)], abs=0.005)
        sure += how_sure(np.round(outputs, 2)) == "sure"
    assert f"{sure} of these 24 wrong answers are sure" in figure_words(fig)


# --- noise ------------------------------------------------------------------------------

def test_an_answer_is_sure_only_when_its_output_is_high_and_no_other_says_yes():
    assert how_sure([0.05] * 9 + [SURE]) == "sure"
    assert how_sure([0.05] * 9 + [SURE - 0.01]) == "unsure"       # not high enough
    assert how_sure([0.05] * 8 + [YES, 0.95]) == "unsure"         # a second output says yes too
    assert how_sure([0.3] * 10) == "unsure"                       # every output says no


def test_the_noise_figure_shows_the_raw_outputs_of_the_network_not_their_shares(viz_context):
    network = viz_context.network
    fig = render("noise", viz_context)
    images = image_axes(fig)
    assert len(images) == 8
    for ax in images:
        x = pixels(ax)
        assert 0.05 < x.mean() < 0.95 and x.std() > 0.2  # noise, not a digit or a blank
        match = ANSWER_OUTPUT.fullmatch(ax.get_title())
        assert match, f"{ax.get_title()!r} does not give the answer's output and a verdict"
        answer, output, verdict = match.groups()
        outputs = network.feedforward(x)[0]
        assert int(answer) == outputs.argmax()
        assert float(output) == pytest.approx(outputs.max(), abs=0.005)      # the output itself, not a share
        assert verdict == how_sure(np.round(outputs, 2))
    bars = [ax for ax in fig.axes if ax.patches]
    assert len(bars) == 8
    for ax, bar_axes in zip(images, bars, strict=True):
        heights = [patch.get_height() for patch in bar_axes.patches]
        assert heights == pytest.approx(network.feedforward(pixels(ax))[0], abs=0.005)
    words = figure_words(fig)
    assert "not a digit" in words and "(1)" not in words and "(1)" not in FIGURES["noise"].summary


@pytest.mark.parametrize("outputs, verdict, count", [
    ([0.01] * 8 + [0.99, 0.01], "sure", "8 of 8 answers sure"),
    ([0.3] * 10, "unsure", "0 of 8 answers sure"),
])
def test_the_noise_figure_says_sure_or_unsure_from_the_outputs_it_shows(outputs, verdict, count, mnist):
    fig = render("noise", Context(network=network_answering(outputs), datasets=mnist))
    assert {ax.get_title().split("\n")[1] for ax in image_axes(fig)} == {verdict}
    assert count in figure_words(fig)


# --- dreams -----------------------------------------------------------------------------

def test_the_gradient_carried_to_the_input_agrees_with_finite_differences_of_the_dreams_objective(
        trained_network, mnist):
    network = as_float64(trained_network)
    x = mnist[1].X[:1].astype(np.float64)
    Y = np.eye(10)[[3]]
    objective = lambda x: yes_no_log_likelihood(network.feedforward(x), Y)[0]  # noqa: E731
    zs, activations = network.forward_trace(x)
    grad_x = backward_to_input(network, zs, activations, yes_no_gradient(activations[-1], Y))[0]
    for i in np.argsort(-np.abs(grad_x))[:5]:
        step = np.zeros_like(x)
        step[0, i] = 1e-5
        finite_difference = (objective(x + step) - objective(x - step)) / 2e-5
        assert relative_error(grad_x[i], finite_difference) < 1e-5


def test_the_dreams_objective_is_highest_when_the_digit_says_yes_and_the_others_no():
    Y = np.eye(10)[[3]]
    right = np.full((1, 10), 0.01)
    right[0, 3] = 0.99
    assert yes_no_log_likelihood(right, Y)[0] > yes_no_log_likelihood(np.full((1, 10), 0.5), Y)[0]
    assert yes_no_log_likelihood(right, Y)[0] > yes_no_log_likelihood(np.roll(right, 1), Y)[0]


@pytest.mark.training
def test_the_dream_of_a_three_is_read_as_a_three_whose_output_says_yes(trained_network):
    before = trained_network.vector.copy()
    x = dream(trained_network, 3, rng=np.random.default_rng(0))
    assert x.shape == (784,)
    assert x.min() >= 0.0 and x.max() <= 1.0
    outputs = trained_network.feedforward(x[None].astype(np.float32))[0]
    assert outputs.argmax() == 3
    # conftest's training, seeds 0-4 x {numba default, haswell, DIGITNET_FAST=0}: 0.920-0.999
    assert outputs[3] > 0.8
    assert np.array_equal(trained_network.vector, before)


def test_a_dream_is_faint_when_no_pixel_reaches_half_white():
    assert how_faint(np.full(784, FAINT - 0.01)) == "faint"
    x = np.zeros(784)
    x[400] = FAINT
    assert how_faint(x) == "bright"


def test_the_dreams_figure_draws_every_dream_from_0_black_to_1_white_and_says_what_it_optimises(viz_context):
    fig = render("dreams", viz_context)
    dreams = [ax for ax in image_axes(fig) if ax.get_title().startswith("dream of ")]
    assert len(dreams) == 10
    assert {ax.images[0].get_clim() for ax in dreams} == {(0.0, 1.0)}  # one scale, as a digit is drawn
    words = figure_words(fig)
    assert "log p" not in words and "ln(output d)" in words


@pytest.mark.training
def test_the_dreams_figure_says_how_each_dream_is_read_and_how_faint_it_is_beside_it_brightened(viz_context):
    network = viz_context.network
    fig = render("dreams", viz_context)
    upper = [ax for ax in image_axes(fig) if DREAM.fullmatch(ax.get_title())]
    lower = [ax for ax in image_axes(fig) if ax.get_title().startswith("0 to ")]
    assert len(upper) == len(lower) == 10
    hits, faint = 0, 0
    for digit, (ax, brightened) in enumerate(zip(upper, lower, strict=True)):
        x = pixels(ax)
        assert np.array_equal(pixels(brightened), x)
        assert brightened.images[0].get_clim() == pytest.approx((0.0, x.max()))
        assert brightened.get_title() == f"0 to {x.max():.2f}"
        dreamt, answer, output_digit, output, brightest, verdict = DREAM.fullmatch(ax.get_title()).groups()
        outputs = network.feedforward(x)[0]
        assert int(dreamt) == int(output_digit) == digit and int(answer) == outputs.argmax()
        assert float(output) == pytest.approx(outputs[digit], abs=0.005)
        assert float(brightest) == pytest.approx(x.max(), abs=0.005)
        assert verdict == how_faint(x)
        hits += int(answer) == digit
        faint += verdict == "faint"
    assert f"({faint} of 10 faint)" in figure_words(fig)
    # conftest's training, seeds 0-4 x {numba default, haswell, DIGITNET_FAST=0}: 9-10 of 10
    assert hits >= 8


def test_the_dreams_figure_says_bright_when_the_dreams_are(viz_context, monkeypatch):
    monkeypatch.setattr(mistakes_module, "dream", lambda network, digit, rng: np.linspace(0, 1, 784))
    words = figure_words(render("dreams", viz_context))
    assert "(0 of 10 faint)" in words and "brightest 1.00: bright" in words


def test_most_confused_never_names_a_diagonal_cell_when_asked_for_more_pairs_than_there_are():
    counts = np.array([[5, 2], [1, 7]])
    assert most_confused(counts, n=5) == [(0, 1, 2), (1, 0, 1)]


def test_a_dream_that_is_not_a_number_is_not_called_bright():
    from digitnet.viz.mistakes import how_faint

    assert how_faint(np.full(784, np.nan)) == "not a number"
    assert how_faint(np.full(784, 0.2)) == "faint" and how_faint(np.full(784, 0.9)) == "bright"


def test_the_confusion_matrix_counts_are_not_shaded_in_a_signs_blue(viz_context):
    from matplotlib.image import AxesImage

    from digitnet.viz import draw

    [image] = draw("mistakes", viz_context).findobj(AxesImage)[:1]
    darkest = image.get_cmap()(1.0)[:3]
    assert not reads_as_sign(darkest), f"the most counted cell is drawn in {darkest}, the lesson's blue for +"
