"""GET /api/digit: MNIST test digits for the page's canvas, by index, by digit and misread; bad asks in one sentence."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

import digitnet
from digitnet import verdicts
from digitnet.web import create_app


@pytest.fixture(scope="module")
def network(trained_network, tmp_path_factory):
    return digitnet.load(trained_network.save(tmp_path_factory.mktemp("digits") / "copy.npz"))


@pytest.fixture(scope="module")
def client(network):
    with TestClient(create_app(network)) as client:
        yield client


def test_a_test_digit_by_index_is_its_pixels_and_label(client, mnist):
    test = mnist[1]
    answer = client.get("/api/digit", params={"index": 1234}).json()
    assert answer["index"] == 1234 and answer["label"] == test.labels[1234]
    assert np.allclose(answer["pixels"], test.X[1234], atol=5e-4)


def test_the_next_digit_of_a_label_comes_after_the_last_and_wraps_round(client, mnist):
    sevens = np.flatnonzero(mnist[1].labels == 7)
    assert client.get("/api/digit", params={"label": 7, "after": int(sevens[3])}).json()["index"] == sevens[4]
    assert client.get("/api/digit", params={"label": 7, "after": int(sevens[-1])}).json()["index"] == sevens[0]


def test_the_next_misread_digit_is_one_the_network_reads_wrong(client, network, mnist):
    test = mnist[1]
    wrong = np.flatnonzero(network.predict(test.X) != test.labels)
    answer = client.get("/api/digit", params={"misread": "true", "after": int(wrong[0])}).json()
    assert answer["index"] == wrong[1] and answer["misread"] == len(wrong)
    assert answer["reads"] == network.predict(test.X[wrong[1]][None, :])[0] != answer["label"]


@pytest.mark.parametrize("params, status, words", [
    ({"index": 10_000}, 404, "numbered 0 to 9999"),
    ({"index": -1}, 404, "there is no test digit -1"),
    ({"label": 12}, 422, "from 0 to 9"),
    ({"index": 3, "label": 3}, 422, "ask for one of"),
    ({}, 422, "ask for one of"),
])
def test_bad_asks_are_refused_in_one_sentence(client, params, status, words):
    response = client.get("/api/digit", params=params)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_the_rule_is_served_as_the_core_words_it(client):
    assert client.get("/api/verdict-rule").json() == {"rule": verdicts.RULE}
