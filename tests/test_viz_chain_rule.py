"""The chain-rule figure: one weight's derivative by hand, equal to backprop's and to a finite difference."""

import re

import numpy as np
import pytest

from digitnet import Network
from digitnet.viz import FIGURES, draw
from digitnet.viz._gradients import chain_rule
from digitnet.viz._probe import as_float64, relative_error
from digitnet.viz.chain_rule import BATCH, agreement, number
from digitnet.viz.style import figure_words, text_problems


@pytest.fixture
def example(viz_context):
    train, test = viz_context.data
    return test.X[0], int(test.labels[0]), train.X[:BATCH], train.labels[:BATCH]


def relative(a, b):
    return abs(a - b) / max(abs(a), abs(b))


def test_the_chain_worked_by_hand_is_backprops_gradient_to_1e_10(viz_context, example):
    x, label, X_batch, labels_batch = example
    numbers = chain_rule(viz_context.network, x, label, X_batch, labels_batch)
    network = as_float64(viz_context.network)
    X, Y = x[None].astype(np.float64), np.eye(10)[[label]]
    grad_w, _ = network.backprop(X, Y)
    zs, activations = network.forward_trace(X)
    a, y = activations[-1][0], Y[0]
    last = numbers["last"]
    k, j = last["k"], last["j"]
    assert abs(grad_w[-1][k, j]) == np.abs(grad_w[-1]).max()  # the weight this example pulls on hardest
    # 3B1B's chapter 4, for the seed's sigmoid neurons and C0 = sum_j (a_j - y_j)^2 (costs.mse, one example)
    by_hand = activations[-2][0, k] * a[j] * (1 - a[j]) * 2 * (a[j] - y[j])
    assert (last["a_prev"], last["slope"], last["cost_prime"]) == pytest.approx(
        (activations[-2][0, k], a[j] * (1 - a[j]), 2 * (a[j] - y[j])), rel=1e-12)
    assert relative(last["by_hand"], grad_w[-1][k, j]) < 1e-10
    assert relative(by_hand, grad_w[-1][k, j]) < 1e-10
    assert relative_error(last["finite_difference"], grad_w[-1][k, j]) < 1e-6

    previous = numbers["previous"]
    i, h = previous["i"], previous["k"]  # w' = W2[i, h]
    assert abs(grad_w[-2][i, h]) == np.abs(grad_w[-2]).max()
    delta = 2 * (a - y) * a * (1 - a)                                   # dC0/dz of each output
    assert previous["terms"] == pytest.approx(network.weights[-1][h] * delta, rel=1e-12)
    a_h = activations[-2][0, h]
    by_hand = activations[-3][0, i] * a_h * (1 - a_h) * (network.weights[-1][h] * delta).sum()
    assert relative(previous["by_hand"], grad_w[-2][i, h]) < 1e-10
    assert relative(by_hand, grad_w[-2][i, h]) < 1e-10
    assert relative_error(previous["finite_difference"], grad_w[-2][i, h]) < 1e-6

    batch = numbers["batch"]
    batch_grad_w, _ = network.backprop(X_batch.astype(np.float64), np.eye(10)[labels_batch])
    assert len(batch["per_example"]) == BATCH
    for n in range(BATCH):  # each example's own gradient, from backprop on that example alone
        alone, _ = network.backprop(X_batch[n:n + 1].astype(np.float64), np.eye(10)[labels_batch[n:n + 1]])
        assert batch["per_example"][n] == pytest.approx(alone[-1][k, j], rel=1e-10, abs=1e-300)
    assert relative(batch["mean"], batch_grad_w[-1][k, j]) < 1e-10


def test_the_figure_shows_the_numbers_it_computed(viz_context, example):
    x, label, X_batch, labels_batch = example
    numbers = chain_rule(viz_context.network, x, label, X_batch, labels_batch)
    fig = draw("chain-rule", viz_context)
    words = figure_words(fig)
    last, previous, batch = numbers["last"], numbers["previous"], numbers["batch"]
    for key in ("a_prev", "slope", "cost_prime", "by_hand", "z", "a"):
        assert number(last[key]) in words, key
    for key in ("a_prev", "slope", "grad_a_k", "by_hand"):
        assert number(previous[key]) in words, key
    assert agreement(last) in words and agreement(previous) in words
    assert all(number(value) in words for value in batch["per_example"])
    assert f"mean {number(batch['mean'])};   backprop on the batch: {number(batch['backprop'])}" in words
    assert f"w = weights[2][{last['k']}, {last['j']}]" in words
    assert f"w' = weights[1][{previous['i']}, {previous['k']}]" in words
    product = float(number(last["by_hand"]))  # as printed, it is backprop's to its five digits
    assert relative(product, last["backprop"]) < 1e-4
    assert text_problems(fig) == []


def test_the_chain_rule_figure_comes_after_the_backprop_figure_in_the_backprop_section():
    names = list(FIGURES)
    assert FIGURES["chain-rule"].section == "backprop"
    assert names.index("chain-rule") == names.index("backprop") + 1


@pytest.mark.parametrize("config", [dict(cost="cross_entropy"), dict(activation="relu", cost="cross_entropy"),
                                    dict(activation="tanh"), dict(sizes=(784, 10))])
def test_other_networks_get_their_own_true_numbers(viz_context, example, config):
    network = Network(**config, seed=1)
    x, label, X_batch, labels_batch = example
    numbers = chain_rule(network, x, label, X_batch, labels_batch)
    last = numbers["last"]
    grad_w, _ = as_float64(network).backprop(x[None].astype(np.float64), np.eye(10)[[label]])
    assert relative(last["by_hand"], grad_w[-1][last["k"], last["j"]]) < 1e-10
    if numbers["previous"] is not None:
        previous = numbers["previous"]
        assert relative(previous["by_hand"], grad_w[-2][previous["i"], previous["k"]]) < 1e-10
    viz_context.network = network
    words = figure_words(draw("chain-rule", viz_context))
    assert number(last["by_hand"]) in words
    assert ("softmax" in network.output.name) == ("\\sum_i" in words)  # no one slope for a softmax output
    assert ("no hidden layer" in words) == (numbers["previous"] is None)


@pytest.mark.parametrize("sizes", [(784, 16, 16, 10), (784, 30, 10), (784, 10)])
def test_weights_and_layers_are_named_as_digitnet_names_them(viz_context, example, sizes):
    if sizes != (784, 16, 16, 10):
        viz_context.network = Network(sizes=sizes, seed=1)
    x, label, X_batch, labels_batch = example
    numbers = chain_rule(viz_context.network, x, label, X_batch, labels_batch)
    words = figure_words(draw("chain-rule", viz_context))
    last, previous, out = numbers["last"], numbers["previous"], len(sizes) - 1   # layer 0 is the input
    names = {0: "the input (layer 0)", out: "the output layer"} | {l: f"hidden layer {l}" for l in range(1, out)}
    unit = {0: "pixel"} | {l: "neuron" for l in range(1, out)}
    assert (f"(a) one weight of the output layer: w = weights[{out - 1}][{last['k']}, {last['j']}], "
            f"from {unit[out - 1]} k = {last['k']} of {names[out - 1]} to output j = {last['j']}") in words
    assert f"(c) the same w = weights[{out - 1}][{last['k']}, {last['j']}]" in words
    if previous is not None:
        i, k = previous["i"], previous["k"]
        assert (f"(b) one layer further back: w' = weights[{out - 2}][{i}, {k}], from {unit[out - 2]} i = {i} of "
                f"{names[out - 2]} to neuron k = {k} of {names[out - 1]}") in words
    assert not re.search(r"\bW\d|(?<!hidden )(?<!\()layer \d", words)  # no W3, no bare "layer 2"


def test_the_figure_and_its_paragraph_say_which_digit_it_is(viz_context, mnist):
    words = figure_words(draw("chain-rule", viz_context))
    label = int(viz_context.test_set.labels[0])
    assert f"test digit 0, target {label} (its true label)" in words and "one example" not in words
    assert f"the first {BATCH} training digits, one mini-batch" in words
    x = mnist[1].X[1]
    viz_context.image = x
    answer = int(viz_context.network.predict(x[None])[0])
    words = figure_words(draw("chain-rule", viz_context))
    assert f"your own image, target {answer} (the network's own answer)" in words and "test digit" not in words
    assert text_problems(draw("chain-rule", viz_context)) == []
    paragraph = FIGURES["chain-rule"].paragraph
    assert "training example" not in paragraph
    assert "For one digit (the first test digit, unless you give your own image)" in paragraph
    assert f"(here the first {BATCH} training digits)" in paragraph


def test_nielsens_equation_names_come_with_what_they_do(viz_context):
    words = figure_words(draw("chain-rule", viz_context))
    named = re.findall(r"BP\d", words)
    explained = re.findall(r"back through weights\[\d\] \(Nielsen's (BP\d)\)", words)
    assert named == explained == ["BP2"]
