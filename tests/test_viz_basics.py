"""The figures of what one neuron computes (weighted-sum, bias) and of how many numbers the network holds
(parameters): drawn from the network, their words computed from what they draw."""

import re

import numpy as np
import pytest

from digitnet import Network
from digitnet.viz import Context, basics, draw
from digitnet.viz.style import SIGN_CMAP, figure_words

# -- weighted-sum ------------------------------------------------------------------------

def numbers_after(label, words):
    """The number written right after ``label`` (a regular expression) in ``words``."""
    return float(re.search(label + r"\s*(-?\d+\.\d+)", words).group(1).replace("−", "-"))


def test_weighted_sum_draws_the_digit_the_neurons_weights_and_their_products(viz_context):
    network = viz_context.network
    fig = draw("weighted-sum", viz_context)
    digit, weights, products = [image for ax in fig.axes for image in ax.images]
    k = basics.most_structured_neuron(network.weights[0])
    x = viz_context.example
    w = network.weights[0][:, k]
    assert np.array_equal(digit.get_array(), x.reshape(28, 28))
    np.testing.assert_allclose(weights.get_array(), w.reshape(28, 28))
    np.testing.assert_allclose(products.get_array(), (w * x).reshape(28, 28), atol=1e-7)
    limit = np.abs(w).max()
    for image in (weights, products):
        assert image.get_clim() == pytest.approx((-limit, limit)) and image.get_cmap().name == SIGN_CMAP
    assert f"weights[0][:, {k}]" in figure_words(fig)


def test_weighted_sum_numbers_are_the_networks_forward_pass(viz_context):
    network = viz_context.network
    words = figure_words(draw("weighted-sum", viz_context))
    k = basics.most_structured_neuron(network.weights[0])
    zs, activations = network.forward_trace(viz_context.example[None, :])
    z = float(zs[0][0, k])
    a = float(activations[1][0, k])
    assert numbers_after(r"z = Σ w·a \+ b = -?\d+\.\d+ [+−] \d+\.\d+ =", words) == pytest.approx(z, abs=6e-4)
    assert numbers_after(r";   σ\(z\) =", words) == pytest.approx(a, abs=6e-4)
    products = network.weights[0][:, k].astype(float) * viz_context.example
    assert numbers_after(r"Σ w·a =", words) == pytest.approx(products[products > 0].sum(), abs=6e-4)
    assert numbers_after(r"\(blue pixels\) −", words) == pytest.approx(-products[products < 0].sum(), abs=6e-4)
    assert numbers_after(rf"zs\[0\]\[0, {k}\] =", words) == pytest.approx(z, abs=6e-4)
    assert numbers_after(rf"activations\[1\]\[0, {k}\] =", words) == pytest.approx(a, abs=6e-4)


def test_weighted_sum_says_whether_the_neuron_lights_up(viz_context):
    network = Network(seed=0)
    network.vector[...] = viz_context.network.vector
    k = basics.most_structured_neuron(network.weights[0])
    context = Context(network=network, quick=True, datasets=viz_context.datasets)
    network.biases[0][k] = 1000.0  # far beyond any weighted sum of 784 pixels
    assert f"{1.0:.3f}: lit up" in figure_words(draw("weighted-sum", context))
    network.biases[0][k] = -1000.0
    assert f"{0.0:.3f}: dark" in figure_words(draw("weighted-sum", context))
    assert basics.activation_words(0.5) == "partly lit"


def test_the_neuron_drawn_is_the_one_with_the_smoothest_weights():
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((784, 4))
    rows, cols = np.mgrid[0:28, 0:28]
    w1[:, 2] = np.exp(-((rows - 14) ** 2 + (cols - 10) ** 2) / 30.0).ravel()  # a broad blob among noise
    assert basics.smoothness(w1[:, 2]) > 0.9 > 0.2 > abs(basics.smoothness(w1[:, 0]))
    assert basics.most_structured_neuron(w1) == 2


# -- bias --------------------------------------------------------------------------------

def test_bias_has_one_curve_per_bias_and_b_minus_10_crosses_one_half_at_10(viz_context):
    fig = draw("bias", viz_context)
    [ax] = fig.axes
    curves = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("bias")}
    assert sorted(curves) == sorted(f"bias {b}" for b in basics.BIASES)
    weighted_sum, activation = curves["bias -10"].get_data()
    assert weighted_sum.min() == -20 and weighted_sum.max() == 20
    assert np.interp(0.5, activation, weighted_sum) == pytest.approx(10, abs=0.05)
    weighted_sum, activation = curves["bias 0"].get_data()
    assert np.interp(0.5, activation, weighted_sum) == pytest.approx(0, abs=0.05)


# -- parameters --------------------------------------------------------------------------

def test_parameters_counts_the_seed_networks_13002_weights_and_biases(viz_context):
    fig = draw("parameters", viz_context)
    words = figure_words(fig)
    assert "13,002 weights and biases: 12,960 weights + 42 biases" in words
    for line in ("784 × 16 = 12,544", "16 × 16 = 256", "16 × 10 = 160"):
        assert line in words
    assert "the same as network.n_params = 13,002" in words
    bars = [patch for ax in fig.axes for patch in ax.patches if (patch.get_gid() or "").startswith("layer")]
    assert [bar.get_width() for bar in bars] == [12_560, 272, 170]


def test_parameters_are_counted_from_the_network_not_written_in(viz_context):
    network = Network((784, 30, 10), seed=0)
    words = figure_words(draw("parameters", Context(network=network, quick=True, datasets=viz_context.datasets)))
    n_params = 784 * 30 + 30 + 30 * 10 + 10
    assert f"{n_params:,} weights and biases" in words and "784 × 30 = 23,520" in words
    assert "13,002" not in words


def test_weighted_sum_uses_the_networks_own_activation_function(viz_context):
    network = Network(activation="relu", cost="cross_entropy", seed=0)
    words = figure_words(draw("weighted-sum", Context(network=network, quick=True, datasets=viz_context.datasets)))
    k = basics.most_structured_neuron(network.weights[0])
    _, activations = network.forward_trace(viz_context.example[None, :])
    assert numbers_after(r";   relu\(z\) =", words) == pytest.approx(float(activations[1][0, k]), abs=6e-4)
    assert "σ(z) =" not in words and "relu turns z" in words
