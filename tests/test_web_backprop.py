"""POST /api/backprop: every derivative it returns matches central differences of the cost, computed here,
and the step it takes matches one taken by hand; bad requests get a 4xx sentence."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

import digitnet
from digitnet.web import create_app

EPS = 1e-6


@pytest.fixture(scope="module")
def network(trained_network, tmp_path_factory):
    """A copy of the session's trained network, so nothing here can change it."""
    return digitnet.load(trained_network.save(tmp_path_factory.mktemp("backprop") / "copy.npz"))


@pytest.fixture(scope="module")
def client(network):
    with TestClient(create_app(network)) as client:
        yield client


@pytest.fixture(scope="module")
def three(mnist, network):
    """The first 3 of the MNIST test set that the network reads as a 3, as the 784 inputs the page sends."""
    test = mnist[1]
    threes = np.flatnonzero((test.labels == 3) & (network.predict(test.X) == 3))
    return test.X[threes[0]].astype(np.float64)


@pytest.fixture(scope="module")
def second(network, three):
    """The digit the network would say next for that 3: its second brightest output."""
    return int(np.argsort(network.feedforward(three[None, :])[0])[-2])


def float64_copy(network):
    copy = digitnet.Network(**dict(network.config(), dtype="float64"))
    copy.vector[...] = network.vector
    return copy


def cost_of(network, x, target):
    """The seed's cost, written out here: the squared distance of the ten outputs from the one-hot target."""
    a = x
    for w, b in zip(network.weights, network.biases):
        a = 1 / (1 + np.exp(-(a @ w + b)))
    y = np.eye(10)[target]
    return float(np.sum((a - y) ** 2))


def cost_from(network, layer, a, target):
    """The cost with layer ``layer``'s activations (1 = first hidden) set to ``a``, the rest computed from them."""
    for w, b in zip(network.weights[layer:], network.biases[layer:]):
        a = 1 / (1 + np.exp(-(a @ w + b)))
    return float(np.sum((a - np.eye(10)[target]) ** 2))


def central(f, values, index):
    """(f(values + EPS at index) - f(values - EPS at index)) / 2 EPS, values restored afterwards."""
    kept = values[index]
    values[index] = kept + EPS
    up = f()
    values[index] = kept - EPS
    down = f()
    values[index] = kept
    return (up - down) / (2 * EPS)


def answer_for(client, x, target=None, rate=3.0):
    response = client.post("/api/backprop", json={"input": x.tolist(), "target": target, "learning_rate": rate})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("other", [False, True])
def test_the_derivatives_shown_match_central_differences_of_the_cost(client, network, three, second, other):
    answer = answer_for(client, three, second if other else None)
    target = answer["target"]
    assert answer["answer"] == int(network.feedforward(three[None, :])[0].argmax())
    copy = float64_copy(network)
    rng = np.random.default_rng(0)
    cost = lambda: cost_of(copy, three, target)  # noqa: E731
    assert answer["before"]["cost"] == pytest.approx(cost(), rel=1e-9)

    # what each output wants, -dC/da, and what each hidden neuron wants: perturb the activations
    a = [three]
    for w, b in zip(copy.weights, copy.biases):
        a.append(1 / (1 + np.exp(-(a[-1] @ w + b))))
    for layer, shown in enumerate(answer["layers"], start=1):
        for k in range(len(shown["wish"])):
            values = a[layer].copy()
            slope = central(lambda: cost_from(copy, layer, values, target), values, k)  # noqa: B023
            assert -shown["wish"][k] == pytest.approx(slope, rel=1e-5, abs=1e-9)
    # the deltas, dC/dz, are dC/db: perturb the biases
    for layer, shown in enumerate(answer["layers"]):
        for k in rng.choice(len(shown["delta"]), size=min(6, len(shown["delta"])), replace=False):
            assert shown["delta"][k] == pytest.approx(central(cost, copy.biases[layer], k), rel=1e-5, abs=1e-9)
    # -dC/dW of the first layer: a sample of the weights under ink, and some under paper (0 there)
    minus_grad = np.asarray(answer["first_layer"]["minus_grad"])
    assert minus_grad.shape == (16, 784)
    inked = np.flatnonzero(three > 0.5)
    for k in rng.choice(16, size=6, replace=False):
        for i in list(rng.choice(inked, size=3, replace=False)) + [0]:
            slope = central(cost, copy.weights[0], (i, k))
            assert -minus_grad[k, i] == pytest.approx(slope, rel=1e-5, abs=1e-9)
    assert np.allclose(answer["first_layer"]["weights"], copy.weights[0].T)


def test_the_nudges_to_the_last_hidden_layer_add_up_to_what_it_wants(client, network, three, second):
    answer = answer_for(client, three, second)
    nudges = np.asarray(answer["nudges"])
    assert nudges.shape == (16, 10)
    delta = np.asarray(answer["layers"][-1]["delta"])
    assert np.allclose(nudges, -network.weights[-1].astype(np.float64) * delta)
    assert np.allclose(nudges.sum(axis=1), answer["layers"][-2]["wish"])


@pytest.mark.parametrize(("target", "rate"), [(None, 3.0), (8, 3.0), (0, 30.0)])
def test_the_numbers_after_the_step_are_those_of_a_step_taken_by_hand(client, network, three, target, rate):
    answer = answer_for(client, three, target, rate)
    target = answer["target"]
    by_hand = float64_copy(network)
    cost = lambda: cost_of(by_hand, three, target)  # noqa: E731
    # the whole gradient by central differences, every weight and bias, none of it from the library
    gradient = np.array([central(cost, by_hand.vector, index) for index in range(by_hand.n_params)])
    by_hand.vector -= rate * gradient
    outputs = by_hand.feedforward(three[None, :])[0]
    assert np.allclose(answer["after"]["outputs"], outputs, rtol=1e-6, atol=1e-9)
    assert answer["after"]["cost"] == pytest.approx(cost_of(by_hand, three, target), rel=1e-6, abs=1e-9)
    assert answer["after"]["digit"] == int(outputs.argmax())


def test_the_step_leaves_the_pages_network_as_it_was(client, network, three):
    before = network.vector.copy()
    first = answer_for(client, three, 8, 50.0)
    assert first["after"]["outputs"] != first["before"]["outputs"]
    assert np.array_equal(network.vector, before)
    assert answer_for(client, three, 8, 50.0)["before"] == first["before"]


def test_a_step_towards_the_second_choice_makes_it_the_answer(client, three, second):
    answer = answer_for(client, three, second, 3.0)
    print(f"\ntarget {second} at rate 3: cost {answer['before']['cost']:.4f} -> {answer['after']['cost']:.4f}, "
          f"answer {answer['before']['digit']} -> {answer['after']['digit']}")
    assert answer["after"]["cost"] < answer["before"]["cost"]
    assert answer["before"]["digit"] == 3 and answer["after"]["digit"] == second


@pytest.mark.parametrize(("body", "words"), [
    ({"input": [0.5] * 783}, "783 values"),
    ({"input": [0.5] * 785}, "785 values"),
    ({"input": [0.5] * 784, "target": 10}, "target"),
    ({"input": [0.5] * 784, "target": -1}, "target"),
    ({"input": [0.5] * 784, "learning_rate": 0}, "learning_rate"),
    ({"input": [0.5] * 784, "learning_rate": 1e9}, "learning_rate"),
    ({"input": [1.5] + [0.5] * 783}, "0 (paper) to 1 (ink)"),
    ({"input": [0.5] * 784, "target": "3"}, "target"),
    ({"pixels": [0.5] * 784}, "input"),
])
def test_bad_requests_get_a_4xx_sentence(client, body, words):
    response = client.post("/api/backprop", json=body)
    assert 400 <= response.status_code < 500, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and len(detail) < 300
    assert words in detail


@pytest.mark.parametrize("raw", [
    b'{"input": [NaN' + b", 0.5" * 783 + b"]}",
    b'{"input": [0.5' + b", 0.5" * 783 + b'], "learning_rate": Infinity}',
])
def test_not_a_number_is_refused(client, raw):
    response = client.post("/api/backprop", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "finite" in response.json()["detail"]
