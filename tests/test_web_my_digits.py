"""Your own digits on the page: keeping a drawing as the digit it was, the gallery with the network's
answers, deleting, the report beside MNIST's, teaching; the API's refusals (in a sentence, nothing lost);
and the same from a phone (Chromium via Playwright for what a person sees)."""

import socket

import numpy as np
import pytest
from conftest import serving

from digitnet.data.collection import Collection
from digitnet.data.image import prepare_image

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
SIDE = 140  # the page sends its drawing at this size (drawing.js SEND_SIZE)


def seven(side=SIDE):
    """A drawing of a 7 as the page sends it: ink 1.0 on paper 0.0, (side, side)."""
    image = np.zeros((side, side), np.float32)
    top, bottom, left, right = side // 5, 4 * side // 5, side // 4, 3 * side // 4
    width = max(2, side // 14)
    image[top:top + width, left:right] = 1.0
    for y in range(top, bottom):  # the stroke down from the top right
        x = int(right - (y - top) * (right - left) * 0.45 / (bottom - top))
        image[y, x - width // 2:x + width // 2 + 1] = 1.0
    return image


def canvas_body(image, digit):
    return {"width": image.shape[1], "height": image.shape[0], "pixels": image.ravel().astype(float).tolist(),
            "digit": digit}


def files_in(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


# -- the API, with a test client ------------------------------------------------------------------

@pytest.fixture
def api(tmp_path, trained_network):
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    folder = tmp_path / "home" / "my-digits"
    with TestClient(create_app(trained_network, my_digits=folder), base_url="http://127.0.0.1:8000") as client:
        client.folder = folder
        yield client


def test_a_kept_drawing_is_a_png_in_its_digits_folder_with_the_networks_answer(api, trained_network):
    answer = api.post("/api/my-digits", json=canvas_body(seven(), 7))
    assert answer.status_code == 201, answer.text
    kept = answer.json()
    assert files_in(api.folder) == [f"7/{kept['name']}"]
    row = prepare_image(api.folder / "7" / kept["name"])
    assert kept["answer"] == int(trained_network.predict(row[None, :])[0])
    png = api.get(f"/api/my-digits/7/{kept['name']}")
    assert png.headers["content-type"] == "image/png"
    assert png.content == (api.folder / "7" / kept["name"]).read_bytes()


def test_the_list_and_its_report_match_an_independent_count(api, trained_network, mnist):
    rng = np.random.default_rng(0)
    _, test = mnist
    chosen = rng.choice(len(test.labels), 12, replace=False)
    for i in chosen:  # MNIST test digits, kept as drawings at their own size, each as its label
        answer = api.post("/api/my-digits", json=canvas_body(test.X[i].reshape(28, 28), int(test.labels[i])))
        assert answer.status_code == 201, answer.text
    listed = api.get("/api/my-digits").json()
    assert len(listed["digits"]) == 12
    kept = Collection(api.folder).all()
    assert [(d["digit"], d["name"]) for d in listed["digits"]] == [(k.digit, k.name) for k in kept]
    labels = np.array([k.digit for k in kept])
    answers = np.array([int(trained_network.predict(prepare_image(k.path)[None, :])[0]) for k in kept])
    assert [d["answer"] for d in listed["digits"]] == answers.tolist()
    report = listed["report"]
    assert report["n"] == 12 and report["accuracy"] == pytest.approx((answers == labels).mean())
    for digit in range(10):
        mine = labels == digit
        expected = (answers[mine] == digit).mean() if mine.any() else None
        assert report["per_digit"][digit] == (pytest.approx(expected) if mine.any() else None)
        assert report["confusion"][digit] == [int(((labels == digit) & (answers == a)).sum()) for a in range(10)]
    assert listed["mnist"]["accuracy"] == pytest.approx(trained_network.score(test.X, test.labels))
    assert listed["mnist"]["n"] == len(test.labels)


def test_a_deleted_digit_is_gone_and_the_others_stay(api):
    names = [api.post("/api/my-digits", json=canvas_body(seven(), 7)).json()["name"] for _ in range(2)]
    assert api.delete(f"/api/my-digits/7/{names[0]}").json()["deleted"] is True
    assert files_in(api.folder) == [f"7/{names[1]}"]
    again = api.delete(f"/api/my-digits/7/{names[0]}")
    assert again.status_code == 404 and "no kept 7 named" in again.json()["detail"]
    assert [d["name"] for d in api.get("/api/my-digits").json()["digits"]] == [names[1]]


def one_sentence(response, status, *words):
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and detail.count(". ") == 0, detail
    for word in words:
        assert word in detail, detail
    return detail


@pytest.mark.parametrize("body, status, words", [
    (canvas_body(np.zeros((SIDE, SIDE)), 7), 422, ["blank"]),
    (canvas_body(seven(), 11), 422, ["digit", "9", "11"]),
    (canvas_body(seven(), -1), 422, ["digit", "-1"]),
    ({**canvas_body(seven(), 7), "digit": "7"}, 422, ["digit"]),
    ({**canvas_body(seven(), 7), "digit": 7.5}, 422, ["digit"]),
    ({k: v for k, v in canvas_body(seven(), 7).items() if k != "digit"}, 422, ["digit is missing"]),
    ({**canvas_body(seven(), 7), "pixels": [2.0] * SIDE * SIDE}, 422, ["0 (paper) to 1 (ink)"]),
    ({**canvas_body(seven(), 7), "width": 3}, 422, ["pixels"]),
    ({**canvas_body(seven(), 7), "name": "../../x.png"}, 422, ["name is not a field"]),
    ({**canvas_body(np.full((SIDE, SIDE), 0.02), 7)}, 422, []),  # a faint wash, no ink: nothing kept
])
def test_a_bad_drawing_is_refused_in_one_sentence_and_nothing_is_written(api, body, status, words):
    keep = api.post("/api/my-digits", json=canvas_body(seven(), 3))  # one kept before, which must stay
    one_sentence(api.post("/api/my-digits", json=body), status, *words)
    assert files_in(api.folder) == [f"3/{keep.json()['name']}"]


@pytest.mark.parametrize("path, words", [
    ("/api/my-digits/7/nope.png", ["not the name of a kept digit"]),
    ("/api/my-digits/7/20261207-182233-3f2a.png", ["no kept 7 named"]),
    ("/api/my-digits/11/{name}", ["kept digits are 0 to 9"]),
    ("/api/my-digits/x/{name}", ["kept digits are 0 to 9"]),
    ("/api/my-digits/3/{name}", ["no kept 3 named"]),  # the right name under another digit
    ("/api/my-digits/7/..%2F..%2Fmodel.npz", []),
    ("/api/my-digits/7/..%2F7%2F{name}", []),
    ("/api/my-digits/..%2F7/{name}", []),
    ("/api/my-digits/7/{name}%00", []),
    ("/api/my-digits/7/{name}.png", ["not the name of a kept digit"]),
    ("/api/my-digits/7/{name_upper}", ["not the name of a kept digit"]),
])
def test_an_unknown_or_crafted_name_is_404_in_one_sentence_and_deletes_nothing(api, path, words):
    name = api.post("/api/my-digits", json=canvas_body(seven(), 7)).json()["name"]
    (api.folder.parent / "model.npz").write_bytes(b"a model")
    path = path.format(name=name, name_upper=name.upper())
    for method in (api.get, api.delete):
        one_sentence(method(path), 404, *words)
    assert files_in(api.folder) == [f"7/{name}"]
    assert (api.folder.parent / "model.npz").read_bytes() == b"a model"


def test_files_the_collection_did_not_make_are_neither_listed_served_nor_deleted(api):
    (api.folder / "7").mkdir(parents=True)
    (api.folder / "7" / "mine.png").write_bytes(b"not ours")
    assert api.get("/api/my-digits").json()["digits"] == []
    one_sentence(api.delete("/api/my-digits/7/mine.png"), 404)
    assert (api.folder / "7" / "mine.png").read_bytes() == b"not ours"


def test_a_kept_file_damaged_since_is_listed_as_unreadable_and_the_others_are_read(api):
    names = [api.post("/api/my-digits", json=canvas_body(seven(), 7)).json()["name"] for _ in range(2)]
    (api.folder / "7" / names[0]).write_bytes(b"no longer a png")
    listed = api.get("/api/my-digits").json()
    damaged, fine = listed["digits"]
    assert damaged["answer"] is None and "delete it" in damaged["problem"]
    assert fine["answer"] is not None and listed["report"]["n"] == 1
    assert api.delete(f"/api/my-digits/7/{names[0]}").status_code == 200


def test_traversals_sent_raw_reach_no_file_outside_the_collection(tmp_path, trained_network):
    """Byte for byte, as no HTTP client would tidy the path (test_web_security's way)."""
    from digitnet.web import create_app

    folder = tmp_path / "my-digits"
    Collection(folder).keep(seven(), 7)
    (tmp_path / "secret.png").write_bytes(b"secret")
    targets = [b"/api/my-digits/7/../../secret.png", b"/api/my-digits/7/..%2f..%2fsecret.png",
               b"/api/my-digits/..%2f..%2f/secret.png", b"/api/my-digits/7/%2e%2e%2fsecret.png",
               b"/api/my-digits/7/..\\..\\secret.png", b"/api/my-digits/%37/..%2fsecret.png",
               b"/api/my-digits/7/" + str(tmp_path / "secret.png").encode()]
    with serving(create_app(trained_network, my_digits=folder)) as base:
        host, port = base.removeprefix("http://").split(":")
        for target in targets:
            for method in (b"GET", b"DELETE"):
                with socket.create_connection((host, int(port)), timeout=5) as connection:
                    connection.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    answer = b""
                    while chunk := connection.recv(65536):
                        answer += chunk
                status = int(answer.split()[1])
                assert status in (400, 404), (target, answer[:200])
                assert b"secret" not in answer.partition(b"\r\n\r\n")[2].replace(b"secret.png", b"")
    assert (tmp_path / "secret.png").read_bytes() == b"secret"
    assert len(Collection(folder).all()) == 1


# -- teaching ---------------------------------------------------------------------------------------

def keep_test_digits(api, test, n, seed=0):
    """Keep ``n`` MNIST test digits (as 28x28 drawings, each as its label); their indices."""
    chosen = np.random.default_rng(seed).choice(len(test.labels), n, replace=False)
    for i in chosen:
        answer = api.post("/api/my-digits", json=canvas_body(test.X[i].reshape(28, 28), int(test.labels[i])))
        assert answer.status_code == 201, answer.text
    return chosen


def wait_for_done(api):
    import time

    deadline = time.time() + 300
    while api.get("/api/train/status").json()["running"]:
        assert time.time() < deadline, "the teaching did not end"
        time.sleep(0.2)
    events = api.get("/api/train/history").json()["events"]
    assert events[-1]["event"] == "done", events[-1]
    return events[-1]


def test_teaching_with_too_few_kept_digits_is_refused_saying_how_many_are_needed(api, mnist):
    from digitnet.web.my_digits import MIN_TO_TEACH

    keep_test_digits(api, mnist[1], MIN_TO_TEACH - 3)
    before = files_in(api.folder)
    detail = one_sentence(api.post("/api/my-digits/teach", json={}), 422, f"at least {MIN_TO_TEACH}",
                          f"you have kept {MIN_TO_TEACH - 3}", "keep 3 more")
    assert "Draw tab" in detail
    assert api.get("/api/train/status").json()["running"] is False and files_in(api.folder) == before


def test_teaching_needs_two_of_some_digit_to_hold_one_out(api, mnist):
    _, test = mnist
    for digit in range(10):  # one of each: nothing can be held out
        i = int(np.flatnonzero(test.labels == digit)[0])
        assert api.post("/api/my-digits", json=canvas_body(test.X[i].reshape(28, 28), digit)).status_code == 201
    one_sentence(api.post("/api/my-digits/teach", json={}), 422, "two or more")


def test_teaching_reports_mnist_and_held_out_accuracies_before_and_after(api, mnist, trained_network):
    from digitnet.data.mixing import HOLD_OUT, hold_out
    from digitnet.web.my_digits import TEACH_EPOCHS

    _, test = mnist
    keep_test_digits(api, test, 20)
    started = api.post("/api/my-digits/teach", json={})
    assert started.status_code == 202, started.text
    assert started.json()["epochs"] == TEACH_EPOCHS
    busy = api.post("/api/my-digits/teach", json={})
    assert busy.status_code == 409 or not api.get("/api/train/status").json()["running"]
    done = wait_for_done(api)
    taught = done["teach"]
    # the held-out share, computed again from the folder, independently of the page
    kept = Collection(api.folder).all()
    labels = np.array([k.digit for k in kept])
    X = np.stack([prepare_image(k.path) for k in kept])
    _, held = hold_out(labels, HOLD_OUT, np.random.default_rng(0))
    assert taught["held_out"] == len(held) > 0 and taught["taught"] == len(kept) - len(held)
    assert taught["mnist_before"] == pytest.approx(trained_network.score(test.X, test.labels))
    assert taught["own_before"] == pytest.approx(trained_network.score(X[held], labels[held]))
    taught_network = api.app.state.network
    assert taught_network is not trained_network and done["epochs"] == TEACH_EPOCHS
    assert taught["mnist_after"] == pytest.approx(taught_network.score(test.X, test.labels))
    assert taught["own_after"] == pytest.approx(taught_network.score(X[held], labels[held]))
    assert taught_network.metadata["taught"]["own_digits"] == taught["taught"]
    # the list now answers with the taught network
    listed = api.get("/api/my-digits").json()
    assert listed["mnist"]["accuracy"] == pytest.approx(taught["mnist_after"])


def test_the_preparation_figure_is_a_png_drawn_again_only_when_the_digits_or_network_change(api, mnist):
    from io import BytesIO

    from PIL import Image

    from digitnet.viz.preparation import MIN_KEPT

    sample = api.get("/api/my-digits/preparation.png")
    assert sample.status_code == 200 and sample.headers["content-type"] == "image/png"
    width, height = Image.open(BytesIO(sample.content)).size
    assert width > 600 and height > 400
    assert api.get("/api/my-digits/preparation.png").content == sample.content  # the same, not drawn again
    keep_test_digits(api, mnist[1], MIN_KEPT)  # now the kept digits, not the bundled sample
    kept = api.get("/api/my-digits/preparation.png")
    assert kept.status_code == 200 and kept.content != sample.content
    Image.open(BytesIO(kept.content)).verify()
