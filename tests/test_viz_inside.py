"""The figures of what happens inside the network (neuron, layers, weights): each drawn, and checked for
what it must show and say."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle

from digitnet import Network
from digitnet.data.mnist import Dataset
from digitnet.viz import FIGURES, draw, inside
from digitnet.viz.style import SIGN_CMAP, figure_words, text_problems


def images_of(fig):
    """Every image (AxesImage) on the figure and its subfigures, in drawing order."""
    axes = list(fig.axes)
    for sub in fig.subfigs:
        axes += [ax for ax in sub.axes if ax not in axes]
    return [image for ax in axes for image in ax.images]


# -- neuron ------------------------------------------------------------------------------

def test_neuron_shows_the_784_values_of_the_example_and_the_answer(viz_context):
    fig = draw("neuron", viz_context)
    [ax] = fig.axes
    [image] = ax.images
    example = viz_context.example
    assert np.array_equal(image.get_array(), example.reshape(28, 28))
    values = np.array([float(text.get_text()) for text in ax.texts])
    assert values.shape == (784,)
    assert np.allclose(values, example, atol=0.051)
    digit = viz_context.network.predict(example[None, :])[0]
    assert f"answer: {digit}" in ax.get_title()


def test_neuron_cells_are_readable_in_the_handout_and_say_what_0_and_0_0_mean(viz_context):
    fig = draw("neuron", viz_context)
    assert text_problems(fig) == []  # the cells were 5.5 pt, shown at 6.1 pt
    example = viz_context.example
    legend = fig.axes[0].get_xlabel()
    exactly_black = int(np.sum(example == 0))
    nearly_black = int(np.sum((example > 0) & (example < 0.05)))
    assert f'"0": exactly 0.0, black ({exactly_black} pixels)' in legend
    assert f'"0.0": above 0 but under 0.05 ({nearly_black})' in legend
    labels = [text.get_text() for text in fig.axes[0].texts]
    assert labels.count("0") == exactly_black and labels.count("0.0") == nearly_black


def test_a_cell_label_tells_exactly_black_from_nearly_black():
    assert inside.cell_label(0.0) == "0"
    assert inside.cell_label(0.01) == "0.0"
    assert inside.cell_label(0.96) == "1.0"


# -- layers ------------------------------------------------------------------------------

def test_layers_light_up_with_the_predicted_digit_brightest(viz_context):
    fig = draw("layers", viz_context)
    [ax] = fig.axes
    circles = [patch for patch in ax.patches if isinstance(patch, Circle)]
    outputs = [circle for circle in circles if (circle.get_gid() or "").startswith("output")]
    assert len(circles) == 16 + 16 + 10
    assert [circle.get_gid() for circle in outputs] == [f"output {digit}" for digit in range(10)]
    brightness = [circle.get_facecolor()[0] for circle in outputs]
    predicted = viz_context.network.predict(viz_context.example[None, :])[0]
    assert int(np.argmax(brightness)) == predicted
    connections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert sum(len(c.get_segments()) for c in connections) == inside.STRONGEST * (16 + 16 + 10)
    colors = {tuple(color) for c in connections for color in c.get_colors()}
    assert len(colors) == 2  # positive and negative contributions both appear


def test_layers_labels_are_readable_in_the_handout(viz_context):
    assert text_problems(draw("layers", viz_context)) == []  # the circles' labels were 6 pt, shown at 6 pt


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_layers_shows_relu_and_tanh_neurons_over_their_own_range(viz_context, activation):
    from digitnet.viz import Context

    network = Network(activation=activation, cost="cross_entropy", output="softmax", seed=0)
    network.weights[0][...] *= 8  # activations well beyond 0..1: ReLU's above 1, tanh's down to -1
    context = Context(network=network, quick=True, datasets=viz_context.datasets)
    fig = draw("layers", context)
    [ax] = fig.axes
    hidden = [patch for patch in ax.patches if (patch.get_gid() or "").startswith("layer 1 ")]
    greys = np.array([circle.get_facecolor()[0] for circle in hidden])
    _, activations = network.forward_trace(context.example[None, :])
    a = activations[1][0]
    assert (a.max() > 1) if activation == "relu" else (a.min() < -0.5)
    expected = a / a.max() if activation == "relu" else (a + 1) / 2  # black at the bottom, white at the top
    np.testing.assert_allclose(greys, expected, atol=1e-6)
    labels = [text.get_text() for text in ax.texts][:16]
    assert [float(label) for label in labels] == pytest.approx(a, abs=0.51)


# -- weights -----------------------------------------------------------------------------

def test_weights_first_layer_images_are_the_weights_on_one_sign_scale(viz_context):
    fig = draw("weights", viz_context)
    images = images_of(fig)
    w1 = viz_context.network.weights[0]
    assert len(images) == 32
    for k, image in enumerate(images[:16]):
        assert np.array_equal(image.get_array(), w1[:, k].reshape(28, 28))
    for image in images:
        low, high = image.get_clim()
        assert high > 0 and low == -high
        assert image.get_cmap().name == SIGN_CMAP


def test_weights_second_layer_images_are_what_really_lights_each_neuron(viz_context):
    """Not w1 @ w2 (which leaves out the sigmoid and the biases): the test digits averaged, each weighted by the
    neuron's activation, minus the average digit."""
    fig = draw("weights", viz_context)
    network, test_set = viz_context.network, viz_context.test_set
    _, activations = network.forward_trace(test_set.X)
    a = activations[2].astype(float)
    X = test_set.X.astype(float)
    for k, image in enumerate(images_of(fig)[16:]):
        expected = (a[:, k] @ X) / a[:, k].sum() - X.mean(axis=0)
        np.testing.assert_allclose(image.get_array(), expected.reshape(28, 28), atol=1e-6)
    words = figure_words(fig)
    assert "weighted by the neuron's activation, minus the average digit" in words
    assert "Σ_j w2" not in words


def test_weights_second_layer_titles_name_the_digit_that_lights_each_neuron_most(viz_context):
    network, test_set = viz_context.network, viz_context.test_set
    favourites = inside.favourite_digits(network, test_set, layer=2)
    _, activations = network.forward_trace(test_set.X)
    for k, (digit, mean) in enumerate(favourites):
        means = [activations[2][test_set.labels == d, k].mean() for d in range(10)]
        assert digit == int(np.argmax(means)) and mean == pytest.approx(max(means), rel=1e-5)
    titles = [image.axes.get_title() for image in images_of(draw("weights", viz_context))[16:]]
    assert titles == [f"#{k}: {digit}s, {mean:.2f}" for k, (digit, mean) in enumerate(favourites)]


def test_a_favourite_digit_follows_the_activations():
    """A network whose second-layer neuron 0 lights only for bright images: the digit drawn brightest is its favourite."""
    network = Network(seed=0)
    network.weights[0][...] = 0
    network.weights[0][:, 0] = 1.0   # neuron 0 of layer 1 sums the pixels
    network.biases[0][0] = -50.0
    network.weights[1][...] = 0
    network.weights[1][0, 0] = 20.0  # neuron 0 of layer 2 follows it
    network.biases[1][0] = -10.0
    X = np.zeros((3, 784), dtype=np.float32)
    X[1, :100] = 1.0  # the image of a 1 is the brightest
    favourites = inside.favourite_digits(network, Dataset(X, np.array([0, 1, 2])), layer=2)
    assert favourites[0][0] == 1 and favourites[0][1] > 0.99


def test_weights_say_where_the_colours_are_clipped(viz_context):
    fig = draw("weights", viz_context)
    w1 = viz_context.network.weights[0]
    limit = float(np.percentile(np.abs(w1), 99.5))
    assert limit < np.abs(w1).max()  # the trained weights have a few extremes
    assert images_of(fig)[0].get_clim() == pytest.approx((-limit, limit))
    words = figure_words(fig)
    assert f"colours stop at ±{limit:.2f}, the 99.5th percentile of |w|" in words
    assert f"up to {np.abs(w1).max():.2f}" in words


def test_clip_words_say_when_the_colours_span_every_weight():
    even = np.full((784, 16), 0.5)
    assert inside.clip_words(even, inside.clipped_limit(even)) == "colours ±0.50 span every weight (the largest |w| is 0.50)"
    spiky = np.full((784, 16), 0.5)
    spiky[0, 0] = 3.0
    assert "colours stop at ±0.50" in inside.clip_words(spiky, inside.clipped_limit(spiky))


def test_draw_makes_a_figure_by_name_on_a_new_matplotlib_figure_of_its_size(viz_context):
    fig = draw("neuron", viz_context)
    assert fig.axes and tuple(fig.get_size_inches()) == tuple(FIGURES["neuron"].size)
    with pytest.raises(ValueError, match="no figure called 'nueron'; choose one of: neuron, layers"):
        draw("nueron", viz_context)
