"""The web API: answers come from the core, bad requests get a 4xx sentence, trainings run in the background."""

import json
import math
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

import digitnet
from digitnet.descent import FUNCTIONS, simple_gd
from digitnet.walks import describe_walk
from digitnet.web import create_app

CANVAS = 280


def canvas_of(mnist, index=0):
    """Test digit ``index`` (28x28, ink high) scaled up to a 280x280 canvas, as the page would send it."""
    digit = mnist[1].X[index].reshape(28, 28)
    big = np.asarray(Image.fromarray(digit, "F").resize((CANVAS, CANVAS), Image.BILINEAR)).clip(0, 1)
    return {"width": CANVAS, "height": CANVAS, "pixels": big.ravel().tolist()}


def assert_refused(response, status):
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and 10 < len(detail) < 300 and "\n" not in detail


def read_events(client):
    """All (event, data) of /api/train/events until "done" (the test client returns when the stream ends)."""
    response = client.get("/api/train/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if lines:
            events.append((lines["event"], json.loads(lines["data"])))
    assert events[-1][0] == "done"
    return events


# -- the model and its neurons ------------------------------------------------------------------

def test_the_model_is_the_seed_shape_with_all_its_weights(client, network):
    model = client.get("/api/model").json()
    assert model["sizes"] == [784, 16, 16, 10] and model["n_params"] == 13002
    assert (model["activation"], model["output"], model["cost"]) == ("sigmoid", "sigmoid", "mse")
    assert [np.shape(w) for w in model["weights"]] == [(784, 16), (16, 16), (16, 10)]
    assert [len(b) for b in model["biases"]] == [16, 16, 10]
    np.testing.assert_array_equal(model["weights"][2], network.weights[2])


def test_a_neuron_shows_its_incoming_weights_and_bias(client, network):
    neuron = client.get("/api/neuron/1/3").json()
    assert neuron["layer"] == 1 and neuron["index"] == 3 and len(neuron["weights"]) == 784
    np.testing.assert_array_equal(neuron["weights"], network.weights[0][:, 3])
    assert neuron["bias"] == float(network.biases[0][3])


@pytest.mark.parametrize("path", ["/api/neuron/0/3", "/api/neuron/4/0", "/api/neuron/1/16", "/api/neuron/3/10",
                                  "/api/neuron/1/-1", "/api/neuron/one/3", "/api/neuron/1.5/3", "/api/neuron/1_0/3",
                                  "/api/neuron/+1/3", "/api/neuron/%EF%BC%91/3", "/api/neuron/1/%00",
                                  "/api/neuron/-1/99999999999999999999", "/api/neuron/1/" + "9" * 5000])
def test_a_neuron_that_does_not_exist_is_404(client, path):
    assert_refused(client.get(path), 404)


# -- predicting ---------------------------------------------------------------------------------

@pytest.mark.training
def test_a_known_test_digit_drawn_large_is_read_right(client, mnist, network):
    answer = client.post("/api/predict", json={**canvas_of(mnist), "prepare": True}).json()
    assert mnist[1].labels[0] == 7
    # the conftest's training with seeds 0-4 x {avx512, haswell, znver3, numpy}: a 7, 95.1% to 99.5% sure
    assert answer["blank"] is False and answer["digit"] == 7
    assert [len(a) for a in answer["activations"]] == [16, 16, 10]
    assert [len(z) for z in answer["zs"]] == [16, 16, 10] and len(answer["input"]) == 784
    assert sum(answer["probabilities"]) == pytest.approx(1, abs=1e-5)
    zs, activations = network.forward_trace(np.array(answer["input"], dtype=np.float32)[None])
    np.testing.assert_allclose(answer["activations"][0], activations[1][0], rtol=1e-6)


@pytest.mark.training
def test_without_preparing_the_canvas_is_only_averaged_down(client, mnist, network):
    canvas = canvas_of(mnist)
    answer = client.post("/api/predict", json={**canvas, "prepare": False}).json()
    assert answer["digit"] == 7
    # MNIST digits are already centred: averaging the 280x280 canvas down gives back about the digit
    assert np.abs(np.array(answer["input"]) - mnist[1].X[0]).mean() < 0.05


@pytest.mark.training
def test_a_28x28_canvas_without_preparing_is_the_input_itself(client, mnist, network):
    pixels = mnist[1].X[0].tolist()
    answer = client.post("/api/predict", json={"width": 28, "height": 28, "pixels": pixels, "prepare": False}).json()
    np.testing.assert_allclose(answer["input"], mnist[1].X[0], atol=1e-6)
    assert answer["digit"] == int(network.predict(mnist[1].X[:1])[0]) == 7


def test_the_recipes_the_page_trains_are_listed_with_their_settings(client):
    from digitnet.recipes import RECIPES

    recipes = client.get("/api/recipes").json()
    assert {"seed", "modern"} <= set(recipes)
    assert all(recipe["sizes"] == [784, 16, 16, 10] for recipe in recipes.values())
    assert recipes["modern"] == RECIPES["modern"].as_dict()


def test_the_status_gives_the_settings_a_training_was_started_with(client):
    assert client.get("/api/train/status").json()["settings"] is None
    assert client.post("/api/train", json={"recipe": "seed", "epochs": 1, "examples": 300, "batch_size": 20}).status_code == 202
    read_events(client)
    settings = client.get("/api/train/status").json()["settings"]
    assert settings == {"recipe": "seed", "learning_rate": 3.0, "batch_size": 20, "epochs": 1, "examples": 300}


def without_the_lane(app):
    """``app`` with its prediction lane taken out (before its first request builds the middleware stack)."""
    from digitnet.web.lane import PredictionLane

    app.user_middleware = [m for m in app.user_middleware if m.cls is not PredictionLane]
    return app


@pytest.fixture
def lane_answers(monkeypatch):
    """A list that grows by one for every prediction the lane (not FastAPI's route) computes."""
    from digitnet.web import lane

    answered = []
    predict_answer = lane.predict_answer

    async def counted(*args):
        answered.append(await predict_answer(*args))
        return answered[-1]

    monkeypatch.setattr(lane, "predict_answer", counted)
    return answered


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8"])
@pytest.mark.parametrize("side, prepare", [(28, False), (140, False), (140, True)])
def test_the_lane_answers_as_fastapi_does(network, mnist, side, prepare, content_type, lane_answers):
    """A well-formed request is answered by the lane (PredictionLane), before FastAPI's routing,
    with the same JSON as the app without the lane gives."""
    digit = mnist[1].X[3].reshape(28, 28)
    pixels = np.asarray(Image.fromarray(digit, "F").resize((side, side), Image.BILINEAR)).clip(0, 1)
    body = json.dumps({"width": side, "height": side, "pixels": pixels.ravel().tolist(), "prepare": prepare})
    with TestClient(create_app(network)) as lane, TestClient(without_the_lane(create_app(network))) as plain:
        fast = lane.post("/api/predict", content=body, headers={"content-type": content_type})
        assert len(lane_answers) == 1  # the lane answered it, not FastAPI
        slow = plain.post("/api/predict", content=body, headers={"content-type": content_type})
    assert len(lane_answers) == 1
    assert fast.status_code == slow.status_code == 200
    assert fast.headers["content-type"] == slow.headers["content-type"] == "application/json"
    assert fast.content == slow.content
    assert fast.json()["digit"] == int(network.predict(mnist[1].X[3:4])[0])


def test_the_lane_uses_the_network_a_training_left(client, mnist, lane_answers):
    pixels = mnist[1].X[0].tolist()
    before = client.post("/api/predict", json={"width": 28, "height": 28, "pixels": pixels, "prepare": False}).json()
    other = digitnet.Network(seed=5)
    client.app.state.network = other  # what a finished training from the page does
    after = client.post("/api/predict", json={"width": 28, "height": 28, "pixels": pixels, "prepare": False}).json()
    assert len(lane_answers) == 2
    np.testing.assert_allclose(after["probabilities"], other.predict_proba(mnist[1].X[:1])[0], rtol=1e-5)
    assert after["probabilities"] != before["probabilities"]


def test_a_canvas_that_cannot_be_prepared_gets_the_same_sentence_from_the_lane(network, monkeypatch):
    from digitnet.data.picture import ImageError
    from digitnet.web import lane

    def unreadable(*args):
        raise ImageError("the image is too thin to hold a digit")

    monkeypatch.setattr(lane, "predict_json", unreadable)
    body = {"width": 2, "height": 2, "pixels": [0, 1, 1, 0], "prepare": True}
    with TestClient(create_app(network)) as client:
        answer = client.post("/api/predict", json=body)
    assert answer.status_code == 422
    assert answer.json() == {"detail": "the canvas cannot be read as a digit: the image is too thin to hold a digit"}


@pytest.mark.parametrize("headers, body", [
    ({"content-type": "text/plain"}, b'{"width": 1, "height": 1, "pixels": [0.5], "prepare": false}'),
    ({}, b'{"width": 1, "height": 1, "pixels": [0.5], "prepare": false}'),
    ({"content-type": "application/json"}, b'{"width": 1, "height": 1, "pixels": [0.5], "prepare": false, "x": 1}'),
    ({"content-type": "application/json"}, b'{"width": 1, "height": 1, "pixels": [1.5], "prepare": false}'),
    ({"content-type": "application/json"}, b'{"width": 1, "height": 1, "pixels": ["0.5"], "prepare": false}'),
    ({"content-type": "application/json"}, b'{"width": 1, "height": 1, "pixels": [NaN], "prepare": false}'),
    ({"content-type": "application/json"}, b'{"width": 1, "height": 1, "pixels": [1e400], "prepare": false}'),
    ({"content-type": "application/json"}, b'{"width": 1, "height": 1, "pixels": [0.5], "prepare": false'),
    ({"content-type": "application/json"}, b'\xff\xfe{}'),
    ({"content-type": "application/json"}, b''),
])
def test_what_the_lane_does_not_answer_gets_the_apps_own_answer(network, headers, body, lane_answers):
    with TestClient(create_app(network)) as lane, TestClient(without_the_lane(create_app(network))) as plain:
        through, around = (client.post("/api/predict", content=body, headers=headers) for client in (lane, plain))
    assert lane_answers == []  # FastAPI's route answered
    assert (through.status_code, through.json()) == (around.status_code, around.json())


@pytest.mark.parametrize("prepare", [True, False])
def test_a_blank_canvas_is_blank(client, prepare):
    answer = client.post("/api/predict", json={"width": 100, "height": 80, "pixels": [0.0] * 8000, "prepare": prepare})
    assert answer.status_code == 200 and answer.json() == {"blank": True}


# -- refusals: always a 4xx sentence, never a 500 -----------------------------------------------

BAD_PREDICTIONS = [
    (400, b'{"width": 2, "height": 2, "pixels": [0, 0,'),                                   # malformed JSON
    (400, b""),                                                                            # empty body
    (422, b'{"width": 2, "height": 2, "pixels": [0, 0, 0]}'),                              # too few pixels
    (422, b'{"width": 2, "height": 2, "pixels": [0, 0, 0, 0, 0]}'),                        # too many
    (422, b'{"width": 2, "height": 2, "pixels": [0, 0, NaN, 0]}'),
    (422, b'{"width": 2, "height": 2, "pixels": [0, 0, Infinity, 0]}'),
    (422, b'{"width": 2, "height": 2, "pixels": [0, 0, 1.5, 0]}'),
    (422, b'{"width": 0, "height": 2, "pixels": []}'),
    (422, b'{"width": 100000, "height": 1, "pixels": [0]}'),
    (422, b'{"width": 2.5, "height": 2, "pixels": [0, 0, 0, 0, 0]}'),
    (422, b'{"width": 2, "height": 2}'),
    (422, b'[1, 2, 3]'),
    (422, b'{"width": 1, "height": 1, "pixels": [0], "colour": "red"}'),
]


@pytest.mark.parametrize("status, body", BAD_PREDICTIONS)
def test_bad_predictions_are_refused_with_a_sentence(client, status, body):
    assert_refused(client.post("/api/predict", content=body, headers={"content-type": "application/json"}), status)


@pytest.mark.parametrize("pixels, words", [
    ("[0, 1.0000001]", "got values from 0.0 to 1.0000001"),
    ("[-1e-300, 0.5]", "got values from -1e-300 to 0.5"),
    ("[0.5, 1e300]", "got values from 0.5 to 1e+300"),         # past float32: it was "inf"
    ("[1.0000000000000002]", "got values from 1.0000000000000002 to 1.0000000000000002"),
])
def test_a_pixel_out_of_range_is_shown_as_it_was_sent(network, pixels, words, lane_answers):
    """Checked on the numbers as sent (before float32 rounds 1.0000001 to 1), the same with the lane and without."""
    body = f'{{"width": {pixels.count(",") + 1}, "height": 1, "pixels": {pixels}, "prepare": false}}'
    with TestClient(create_app(network)) as lane, TestClient(without_the_lane(create_app(network))) as plain:
        answers = [client.post("/api/predict", content=body, headers={"content-type": "application/json"})
                   for client in (lane, plain)]
    for answer in answers:
        assert answer.status_code == 422
        assert answer.json() == {"detail": f"pixels must be from 0 (paper) to 1 (ink), {words}"}
    assert lane_answers == []


def test_a_body_that_is_not_json_is_415(client):
    assert_refused(client.post("/api/predict", content=b"width=2", headers={"content-type": "text/plain"}), 415)


JSON = "application/json"
ONE_PIXEL = b'{"width": 1, "height": 1, "pixels": [0]}'

# (method, path, body, content type, status, the exact sentence): the bad-input matrix
BAD_REQUESTS = [
    ("POST", "/api/predict", b'{"width": "2", "height": 2, "pixels": [0, 0, 0, 0]}', JSON, 422,
     'width: input should be a valid integer (got "2")'),
    ("POST", "/api/predict", b'{"width": true, "height": 1, "pixels": [0]}', JSON, 422,
     "width: input should be a valid integer (got true)"),
    ("POST", "/api/predict", b'{"width": 1e400, "height": 1, "pixels": [0]}', JSON, 422,
     "width: input should be a valid integer (got Infinity)"),
    ("POST", "/api/predict", b'{"width": 99999999999999999999999, "height": 1, "pixels": [0]}', JSON, 422,
     "width: input should be less than or equal to 1024 (got 99999999999999999999999)"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": ["0"]}', JSON, 422,
     'pixels[0]: input should be a valid number (got "0")'),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [null]}', JSON, 422,
     "pixels[0]: input should be a valid number (got null)"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [[0]]}', JSON, 422,
     "pixels[0]: input should be a valid number (got a list)"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [-Infinity]}', JSON, 422,
     "pixels[0]: input should be a finite number (got -Infinity)"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": {"0": 0}}', JSON, 422,
     "pixels: input should be a valid list (got an object)"),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [0], "prepare": "yes"}', JSON, 422,
     'prepare: input should be a valid boolean (got "yes")'),
    ("POST", "/api/predict", b'{"width": 1, "height": 1, "pixels": [' + b"9" * 5000 + b"]}", JSON, 400,
     "the request body has a number with too many digits to read; send numbers of normal size"),
    ("POST", "/api/predict", b"[" * 100_000 + b"]" * 100_000, JSON, 400,
     "the request body is nested too deeply to read; send a JSON object of numbers and lists"),
    ("POST", "/api/predict", '{"width": 1, "h\u00e9ight": 1}'.encode("latin-1"), JSON, 400,
     "the request body is not UTF-8 text; send JSON encoded as UTF-8"),
    ("POST", "/api/predict", b'"a string"', JSON, 422, "the request body must be a JSON object, not a string"),
    ("POST", "/api/predict", b"null", JSON, 422, "the request body must be a JSON object, not null"),
    ("POST", "/api/predict", ONE_PIXEL + b" trailing", JSON, 400, "the request body is not valid JSON; send a JSON object"),
    ("POST", "/api/predict", ONE_PIXEL, "text/json", 415,
     "the request body must be JSON sent with Content-Type: application/json (not text/json)"),
    ("POST", "/api/predict", ONE_PIXEL, None, 415,
     "the request body must be JSON sent with Content-Type: application/json (it had none)"),
    ("POST", "/api/train", b'{"epochs": 2.0}', JSON, 422, "epochs: input should be a valid integer (got 2.0)"),
    ("POST", "/api/train", b'{"learning_rate": NaN}', JSON, 422, "learning_rate: input should be a finite number (got NaN)"),
    ("POST", "/api/train", b"[]", JSON, 422, "the request body must be a JSON object, not a list"),
    ("POST", "/api/descent", b'{"function": "square", "learning_rate": 0.1, "n_iter": 1.5}', JSON, 422,
     "n_iter: input should be a valid integer (got 1.5)"),
    ("GET", "/api/neuron/1.5/3", b"", None, 404, "there is no layer '1.5'; ask for one by its number, as in /api/neuron/1/3"),
    ("GET", "/api/neuron/1/99999999999999999999", b"", None, 404,
     "layer 1 has no neuron 99999999999999999999; its neurons are 0 to 15"),
    ("GET", "/api/predict", b"", None, 405, "GET is not allowed on /api/predict"),
    ("DELETE", "/api/model", b"", None, 405, "DELETE is not allowed on /api/model"),
    ("GET", "/api/nothing", b"", None, 404, "there is nothing at /api/nothing; the API lives under /api/"),
]


@pytest.mark.parametrize("method, path, body, content_type, status, detail", BAD_REQUESTS)
def test_each_bad_request_gets_its_status_and_one_clear_sentence(client, method, path, body, content_type, status,
                                                                 detail):
    headers = {"content-type": content_type} if content_type else {}
    response = client.request(method, path, content=body, headers=headers)
    assert (response.status_code, response.json()) == (status, {"detail": detail})


def test_bodies_over_2_mb_are_413_by_header_and_by_counting(client):
    big = b'{"pixels": [' + b"0," * (3 * 2**20 // 2) + b"0]}"
    headers = {"content-type": "application/json"}
    assert_refused(client.post("/api/predict", content=big, headers=headers), 413)
    chunked = iter([big[i:i + 2**16] for i in range(0, len(big), 2**16)])  # no Content-Length
    assert_refused(client.post("/api/predict", content=chunked, headers=headers), 413)


def test_a_body_just_under_2_mb_is_read(client):
    body = {"width": 1024, "height": 1000, "pixels": [0] * 1024 * 1000, "prepare": False}
    content = json.dumps(body, separators=(",", ":")).encode()
    assert 2 * 2**20 - 50_000 < len(content) <= 2 * 2**20
    response = client.post("/api/predict", content=content, headers={"content-type": "application/json"})
    assert response.json() == {"blank": True}


@pytest.mark.parametrize("status, body", [
    (422, {"function": "cube", "learning_rate": 0.1}),
    (422, {"function": "square", "learning_rate": 0}),
    (422, {"function": "square", "learning_rate": -1}),
    (422, {"function": "square", "learning_rate": 0.1, "n_iter": 2001}),
    (422, {"learning_rate": 0.1}),
])
def test_bad_descents_are_refused(client, status, body):
    assert_refused(client.post("/api/descent", json=body), status)


@pytest.mark.parametrize("body", [{"recipe": "fancy"}, {"recipe": "wide"}, {"epochs": 0}, {"epochs": 201}, {"learning_rate": 0},
                                  {"batch_size": 0}, {"examples": 0}, {"learningRate": 1}])
def test_bad_trainings_are_refused_and_nothing_starts(client, body):
    assert_refused(client.post("/api/train", json=body), 422)
    assert client.get("/api/train/status").json()["running"] is False


@pytest.mark.parametrize("body, words", [
    (b'{"batch_size": 1000000000000000000000000000000}', "batch_size: input should be less than or equal to 100000"),
    (b'{"batch_size": 100001}', "batch_size: input should be less than or equal to 100000 (got 100001)"),
    (b'{"learning_rate": 1e300}', "learning_rate: input should be less than or equal to 1000 (got 1e+300)"),
    (b'{"learning_rate": 1000.5}', "learning_rate: input should be less than or equal to 1000"),
    (b'{"examples": 60001}', "examples: input should be less than or equal to 60000 (got 60001)"),
    (b'{"examples": 1e3}', "examples: input should be a valid integer"),
    (b'{"epochs": 99999999999999999999999999}', "epochs: input should be less than or equal to 200"),
])
def test_numbers_out_of_range_are_refused_before_a_training_starts(client, body, words):
    """The training settings are held to the ranges the core holds every training to (recipes.LIMITS)."""
    response = client.post("/api/train", content=body, headers={"content-type": "application/json"})
    assert_refused(response, 422)
    assert response.json()["detail"].startswith(words)
    assert client.get("/api/train/status").json()["running"] is False


@pytest.mark.parametrize("body, words", [
    ({"function": "square", "learning_rate": 1e300}, "learning_rate: input should be less than or equal to 100"),
    ({"function": "square", "learning_rate": 0.1, "n_iter": 10**30}, "n_iter: input should be less than or equal to 2000"),
])
def test_numbers_out_of_range_are_refused_before_a_descent(client, body, words):
    response = client.post("/api/descent", json=body)
    assert_refused(response, 422)
    assert response.json()["detail"].startswith(words)


def test_every_number_in_every_request_has_a_range():
    """A new number in a schema must come with its bounds (a number without them is how 10**30 got in)."""
    from pydantic import BaseModel

    from digitnet.web import schemas

    models = [m for m in vars(schemas).values() if isinstance(m, type) and issubclass(m, schemas.Body) and m is not schemas.Body]
    assert {m.__name__ for m in models} == {"Canvas", "PredictRequest", "KeepRequest", "TrainRequest", "DescentRequest"}
    for model in models:
        for name, field in model.model_fields.items():
            if str(field.annotation).replace("typing.", "").split("[")[0] in ("int", "float", "int | None", "float | None"):
                bounds = {type(m).__name__ for m in field.metadata}
                assert bounds & {"Ge", "Gt"} and bounds & {"Le", "Lt"}, f"{model.__name__}.{name} has no range"
    assert issubclass(schemas.Body, BaseModel)


def test_a_recipe_the_page_cannot_show_is_refused_by_name(client):
    response = client.post("/api/train", json={"recipe": "best"})
    assert response.status_code == 422
    assert "784-16-16-10" in response.text and "digitnet train" in response.text


def test_unknown_pages_are_404_sentences(client):
    assert_refused(client.get("/api/nothing"), 404)


# -- gradient descent ---------------------------------------------------------------------------

def test_descent_on_x_squared_is_simple_gds_path(client):
    answer = client.post("/api/descent", json={"function": "square", "learning_rate": 0.2}).json()
    _, path = simple_gd(lambda x: 2 * x, 10.0, 0.2)
    assert answer["dimensions"] == 1 and answer["start"] == [10.0] and answer["diverged"] is False
    assert answer["path"] == [[x] for x in path]
    assert len(answer["curve"]["x"]) == len(answer["curve"]["y"]) > 10


def test_descent_on_the_quartic_says_it_bounces_around_the_left_minimum_not_where_it_stopped(client):
    answer = client.post("/api/descent", json={"function": "quartic", "learning_rate": 0.2}).json()
    assert answer["path"][-1][0] == -1.4207567437458342  # a snapshot of the bouncing
    assert answer["verdict"]["kind"] == "bouncing"
    assert answer["verdict"]["minimum"] == pytest.approx(-1.4017712, abs=1e-6)
    assert "around the minimum at -1.402" in answer["verdict"]["sentence"]


@pytest.mark.parametrize("name, rate, n_iter", [("square", 0.2, 50), ("square", 1e-9, 50), ("quartic", 0.05, 50),
                                                ("bowl", 0.095, 60), ("rosenbrock", 0.0001, 2000)])
def test_the_descents_verdict_is_the_cores_on_the_same_path(client, name, rate, n_iter):
    answer = client.post("/api/descent", json={"function": name, "learning_rate": rate, "n_iter": n_iter}).json()
    start = FUNCTIONS[name].start if len(answer["start"]) == 1 else np.array(answer["start"])
    _, path = simple_gd(FUNCTIONS[name].gradient, start, rate, n_iter=n_iter)
    walk = describe_walk(FUNCTIONS[name], path, n_iter)
    assert answer["verdict"]["kind"] == walk.kind.value
    assert answer["verdict"]["sentence"] == walk.sentence


def test_each_point_of_a_descent_comes_with_f_and_the_gradient_there_for_the_steps_table(client):
    answer = client.post("/api/descent", json={"function": "rosenbrock", "learning_rate": 0.001, "n_iter": 30}).json()
    rosenbrock = FUNCTIONS["rosenbrock"]
    assert len(answer["values"]) == len(answer["gradients"]) == len(answer["path"]) == 31
    for k in (0, 1, 17, 30):
        point = np.array(answer["path"][k])
        assert answer["values"][k] == pytest.approx(rosenbrock.f(*point))
        assert answer["gradients"][k] == pytest.approx(rosenbrock.gradient(point).tolist())
    for k in range(30):  # each step is -lr times the gradient where it starts
        step = np.subtract(answer["path"][k + 1], answer["path"][k])
        assert step == pytest.approx(-0.001 * np.array(answer["gradients"][k]))
    assert answer["minima"] == [[1.0, 1.0]]


def test_the_quartic_at_rate_0_1_is_said_to_bounce_in_a_cycle_of_4_points(client):
    answer = client.post("/api/descent", json={"function": "quartic", "learning_rate": 0.1}).json()
    verdict = answer["verdict"]
    assert verdict["kind"] == "bouncing" and verdict["cycle"] == 4
    assert "bouncing in a cycle of 4 points, not closing in" in verdict["sentence"]
    assert "only slowly" not in verdict["sentence"]


def test_rosenbrock_at_0_001_is_said_to_be_far_from_1_1_with_the_gradients_size(client):
    answer = client.post("/api/descent", json={"function": "rosenbrock", "learning_rate": 0.001, "n_iter": 2000}).json()
    verdict, end = answer["verdict"], answer["path"][-1]
    distance = math.hypot(end[0] - 1, end[1] - 1)
    assert verdict["goal"] == [1.0, 1.0] and verdict["distance"] == pytest.approx(distance) and distance > 0.3
    assert verdict["gradient_size"] == pytest.approx(math.hypot(*answer["gradients"][-1]))
    assert f"{distance:.4g} from the minimum at (1, 1)" in verdict["sentence"]
    assert "nearly settled" not in verdict["sentence"].lower()


def test_descent_in_2d_gives_a_grid_of_the_function(client):
    answer = client.post("/api/descent", json={"function": "bowl", "learning_rate": 0.02, "n_iter": 60}).json()
    grid = answer["grid"]
    assert answer["dimensions"] == 2 and answer["path"][0] == [8.0, 1.0] and len(answer["path"]) == 61
    i, j = 3, 7
    assert grid["z"][i][j] == pytest.approx(FUNCTIONS["bowl"].f(grid["x"][j], grid["y"][i]))


def test_a_diverging_descent_stops_at_the_cap(client):
    answer = client.post("/api/descent", json={"function": "rosenbrock", "learning_rate": 0.1, "n_iter": 2000}).json()
    assert answer["diverged"] is True and len(answer["path"]) < 10
    assert max(abs(v) for v in answer["path"][-1]) == 1e6
    assert answer["verdict"]["kind"] == "diverged" and answer["verdict"]["sentence"].startswith("Diverged: ")
    assert all(math.isfinite(v) for row in answer["grid"]["z"] for v in row)


# -- training -----------------------------------------------------------------------------------

def test_with_nothing_trained_the_events_are_one_empty_done(client):
    assert read_events(client) == [("done", {"stopped": None, "test_accuracy": None, "epochs": 0})]
    assert client.post("/api/train/stop", json={}).json() == {"stopping": False}


def test_a_short_training_reports_its_epoch_and_replaces_the_network(network, tmp_path):
    before = network.weights[0].copy()
    saved = tmp_path / "trained.npz"
    with TestClient(create_app(network, model_path=saved)) as client:
        response = client.post("/api/train", json={"recipe": "seed", "epochs": 1, "examples": 2000})
        assert response.status_code == 202 and response.json() == {"started": True}
        events = read_events(client)
        names = [name for name, _ in events]
        assert names[0] == "epoch" and names[-2:] == ["epoch", "done"] and set(names[1:-2]) == {"step"}
        epoch, done = events[-2][1], events[-1][1]
        assert epoch["epoch"] == epoch["epochs"] == 1 and 0 < epoch["test_accuracy"] <= 1
        assert np.shape(epoch["weights0"]) == (16, 784)
        assert done["stopped"] is None and done["epochs"] == 1 and done["test_accuracy"] == epoch["test_accuracy"]
        status = client.get("/api/train/status").json()
        assert {key: status[key] for key in ("running", "epoch", "epochs")} == {"running": False, "epoch": 1, "epochs": 1}
        weights0 = np.array(client.get("/api/model").json()["weights"][0])
        assert not np.allclose(weights0, before)
        np.testing.assert_allclose(weights0, np.transpose(epoch["weights0"]))
        assert client.get("/api/model").json()["recipe"] == "seed"
    np.testing.assert_array_equal(digitnet.load(saved).weights[0], weights0)
    np.testing.assert_array_equal(network.weights[0], before)  # the old network was replaced, not changed


def test_only_one_training_runs_and_stop_ends_it_after_an_epoch(client, network):
    before = client.get("/api/model").json()["weights"][0]
    # slow (five mini-batches a second) so that it still runs when Stop comes: at full speed 50 epochs of
    # 2,000 digits take well under a second; Stop lifts the pace, and epoch 1 ends at full speed
    assert client.post("/api/train", json={"epochs": 50, "examples": 2000, "speed": "slow"}).status_code == 202
    assert_refused(client.post("/api/train", json={"epochs": 1}), 409)
    assert client.get("/api/train/status").json()["running"] is True
    assert client.get("/api/model").json()["weights"][0] == before  # predict keeps the old network meanwhile
    started = time.perf_counter()
    assert client.post("/api/train/stop", json={}).json() == {"stopping": True}
    events = read_events(client)
    assert time.perf_counter() - started < 5
    done = events[-1][1]
    assert done["stopped"] == "interrupted" and done["epochs"] == 1
    assert [data["epoch"] for name, data in events if name == "epoch"] == list(range(done["epochs"] + 1))
    assert client.get("/api/train/status").json()["running"] is False


def test_an_unprepared_canvas_that_is_not_square_is_shrunk_whole_not_stretched():
    from digitnet.web.compute import network_input

    wide = np.ones((10, 40), np.float32)  # all ink, four times as wide as tall
    rows = network_input(wide, prepare=False).reshape(28, 28).max(axis=1)
    assert rows[:10].max() == 0 and rows[18:].max() == 0 and rows[11:17].min() == 1  # a band a quarter as tall
    assert network_input(np.zeros((10, 40), np.float32), prepare=True) is None  # blank: no digit, no error
