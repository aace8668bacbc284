"""The notebook's figures (viz/tour.py): they write what the numbers given say, readably, in the one sign scheme."""

import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from digitnet.viz import tour
from digitnet.viz.style import NEGATIVE, POSITIVE, SIGN_CMAP, figure_words, text_problems

rng = np.random.default_rng(0)
X = rng.random(784)
W = rng.normal(0, 0.1, 784)


def words(fig):
    return " ".join(figure_words(fig).split())


EXAMPLES = {
    "weighted_sum": lambda: tour.weighted_sum_figure(X, [("neuron 0, untrained", W, 0.0),
                                                         ("neuron 0, trained", 10 * W, -1.5)]),
    "cost": lambda: tour.cost_figure(rng.random(10), np.eye(10)[7], rng.random(500) * 3),
    "cost_and_accuracy": lambda: tour.cost_and_accuracy_figure(np.linspace(-1, 1, 21), np.linspace(-1, 1, 21) ** 2,
                                                               np.repeat([0.90, 0.91, 0.905], 7), 0.0),
    "largest_gradients": lambda: tour.largest_gradients_figure(X, np.arange(400, 410), np.arange(10),
                                                               np.linspace(-0.02, 0.01, 10)),
    "cosines": lambda: tour.cosines_figure({"untrained": rng.uniform(0.9, 1, 200),
                                            "trained": rng.uniform(-0.3, 0.4, 200)}),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_text_is_inside_the_image_and_readable_at_the_handouts_size(name):
    problems = text_problems(EXAMPLES[name]())
    assert not problems, "; ".join(problems[:5])


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_image_of_signed_numbers_uses_the_one_sign_scheme_centred_on_zero(name):
    for image in EXAMPLES[name]().findobj(AxesImage):
        low, high = image.get_clim()
        if np.nanmin(np.asarray(image.get_array(), dtype=float)) < 0 or low < 0:
            assert image.get_cmap().name == SIGN_CMAP
            assert low == pytest.approx(-high)


def test_the_weighted_sum_figure_writes_the_sum_z_and_sigmoid_of_the_numbers_given():
    text = words(tour.weighted_sum_figure(X, [("n", W, 0.25)]))
    weighted_sum = W @ X
    assert f"adds up to {weighted_sum:.2f}" in text
    assert f"= {weighted_sum + 0.25:.2f}; σ(z) = {1 / (1 + np.exp(-(weighted_sum + 0.25))):.2f}" in text


def test_the_accuracy_is_called_flat_only_where_it_does_not_change():
    values = np.linspace(-1, 1, 5)
    assert "changes at 0 of 4 nudges" in words(tour.cost_and_accuracy_figure(values, values ** 2, [0.9] * 5, 0.0))
    assert "changes at 4 of 4 nudges" in words(tour.cost_and_accuracy_figure(values, values ** 2,
                                                                             [0.1, 0.2, 0.3, 0.4, 0.5], 0.0))


def test_the_gradient_figure_counts_and_colours_the_signs_given():
    pixels, neurons = np.arange(300, 310), np.full(10, 4)
    positive = tour.largest_gradients_figure(X, pixels, neurons, np.full(10, 0.01))
    assert "10 positive" in words(positive) and "0 negative" in words(positive)
    assert "all to neuron 4" in words(positive)
    bars = positive.axes[1].patches
    assert {bar.get_facecolor()[:3] for bar in bars} == {tuple(int(POSITIVE[i:i + 2], 16) / 255 for i in (1, 3, 5))}
    mixed = tour.largest_gradients_figure(X, pixels, np.arange(10), np.linspace(-1, 1, 10))
    assert "5 positive" in words(mixed) and "5 negative" in words(mixed)
    assert "to 10 different neurons" in words(mixed)
    colours = {bar.get_facecolor()[:3] for bar in mixed.axes[1].patches}
    assert tuple(int(NEGATIVE[i:i + 2], 16) / 255 for i in (1, 3, 5)) in colours


def test_the_cosines_figure_writes_each_groups_range():
    text = words(tour.cosines_figure({"start": [0.5, 0.7, 0.9], "end": [-0.25, 0.0, 0.3]}))
    assert "start: 0.50 to 0.90 (median 0.70)" in text
    assert "end: -0.25 to 0.30 (median 0.00)" in text


def test_the_weighted_sum_figure_squashes_any_z_without_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in e^-z would raise here
        text = words(tour.weighted_sum_figure(X, [("n", W, -1000.0)]))
    assert "σ(z) = 0.00" in text


def test_uphill_is_said_only_when_a_cosine_is_below_zero():
    all_downhill = tour.uphill_words([0.94, 0.97, 0.99])
    assert "the smallest cosine 0.94, an angle of 20°" in all_downhill
    assert "none points uphill" in all_downhill and "partly uphill" not in all_downhill
    some_uphill = tour.uphill_words([-0.27, -0.05, 0.1, 0.32])
    assert "the smallest cosine -0.27" in some_uphill and "2 of the 4 point partly uphill" in some_uphill
    assert "1 of the 2 points partly uphill" in tour.uphill_words([-0.01, 0.5])


def test_said_prints_only_the_figures_own_lines_that_hold_a_phrase():
    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], label="gradient descent (all 10,000 digits each step)")
    ax.legend()
    fig.suptitle("two ways down: GD took 100 steps, SGD 2,000")
    assert sorted(tour.said(fig, "took", "digits each step")) == ["gradient descent (all 10,000 digits each step)",
                                                                  "two ways down: GD took 100 steps, SGD 2,000"]
    assert tour.said(fig, "20,000") == []
