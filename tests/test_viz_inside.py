"""The figures of what happens inside the network: each one drawn, and checked for what it must show."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from PIL import Image

from digitnet import Network
from digitnet.viz import FIGURES, inside

NAMES = ["neuron", "layers", "weights", "filmstrip", "bias"]


def draw(name, context):
    """Make the figure called ``name`` on a fresh Figure, the way the handout does, and render it."""
    entry = FIGURES[name]
    fig = Figure(figsize=entry.size, layout="constrained")
    FigureCanvasAgg(fig)
    entry.make(fig, context)
    fig.canvas.draw()
    return fig


def images_of(fig):
    """Every image (AxesImage) on the figure and its subfigures, in drawing order."""
    axes = list(fig.axes)
    for sub in fig.subfigs:
        axes += [ax for ax in sub.axes if ax not in axes]
    return [image for ax in axes for image in ax.images]




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


def test_weights_shows_each_first_layer_neurons_weights_and_the_second_layers_combinations(viz_context):
    fig = draw("weights", viz_context)
    images = images_of(fig)
    w1, w2 = viz_context.network.weights[0], viz_context.network.weights[1]
    assert len(images) == 32
    for k, image in enumerate(images[:16]):
        assert np.array_equal(image.get_array(), w1[:, k].reshape(28, 28))
    combinations = w1 @ w2
    for k, image in enumerate(images[16:]):
        assert np.allclose(image.get_array(), combinations[:, k].reshape(28, 28))
    for image in images:
        low, high = image.get_clim()
        assert high > 0 and low == -high


def test_filmstrip_has_a_row_per_captured_epoch_starting_from_a_fresh_seed_network(viz_context):
    fig = draw("filmstrip", viz_context)
    images = images_of(fig)
    rows = {}
    for image in images:
        rows.setdefault(image.axes.get_subplotspec().rowspan.start, []).append(image.get_array())
    assert len(rows) == 3  # quick mode: epochs 0, 1, 2
    assert all(len(row) == 16 for row in rows.values())
    fresh = Network(seed=0).weights[0]
    for k, array in enumerate(rows[0]):
        assert np.array_equal(array, fresh[:, k].reshape(28, 28))
    assert not np.allclose(rows[2][0], rows[0][0])  # training changed the weights
    labels = [image.axes.get_ylabel() for image in images if image.axes.get_ylabel()]
    assert [label.split("\n")[0] for label in labels] == ["epoch 0", "after", "after"]


def test_filmstrip_gif_has_one_frame_per_captured_epoch(viz_context, tmp_path):
    path = inside.save_filmstrip_gif(viz_context, tmp_path / "filmstrip.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3


def test_bias_has_one_curve_per_bias_and_b_minus_10_crosses_one_half_at_10(viz_context):
    fig = draw("bias", viz_context)
    [ax] = fig.axes
    curves = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("bias")}
    assert sorted(curves) == sorted(f"bias {b}" for b in inside.BIASES)
    weighted_sum, activation = curves["bias -10"].get_data()
    assert weighted_sum.min() == -20 and weighted_sum.max() == 20
    assert np.interp(0.5, activation, weighted_sum) == pytest.approx(10, abs=0.05)
    weighted_sum, activation = curves["bias 0"].get_data()
    assert np.interp(0.5, activation, weighted_sum) == pytest.approx(0, abs=0.05)




def test_draw_makes_a_figure_by_name_on_a_new_matplotlib_figure_of_its_size(viz_context):
    from digitnet.viz import draw

    fig = draw("neuron", viz_context)
    assert fig.axes and tuple(fig.get_size_inches()) == tuple(FIGURES["neuron"].size)
    with pytest.raises(ValueError, match="no figure called 'nueron'; choose one of: neuron, layers"):
        draw("nueron", viz_context)
