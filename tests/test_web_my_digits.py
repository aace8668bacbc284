"""Your own digits on the page: keeping a drawing as the digit it was, the gallery with the network's
answers, deleting, the report beside MNIST's, teaching; the API's refusals (in a sentence, nothing lost);
and the same from a phone (Chromium via Playwright for what a person sees)."""

import socket

import numpy as np
import pytest
from conftest import ARTIFACTS, DESK, PHONE, open_page, serving

from digitnet.data.collection import Collection
from digitnet.data.image import prepare_image

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
    by_name = {entry["name"]: entry for entry in listed["digits"]}
    damaged, fine = by_name[names[0]], by_name[names[1]]
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
    from digitnet.data.mixing import HOLD_OUT, hold_out_by_name
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
    _, held = hold_out_by_name([k.name for k in kept], labels, HOLD_OUT)  # as train --also holds them out
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


def test_the_preparation_figure_is_drawn_again_when_a_kept_png_is_written_over_under_its_name(tmp_path, mnist,
                                                                                              monkeypatch):
    import os

    import digitnet.viz.preparation as preparation
    from digitnet.web import my_digits

    drawn = []
    monkeypatch.setattr(preparation, "draw_png", lambda network, images, datasets: drawn.append(images) or b"png")
    monkeypatch.setattr(my_digits, "test_set", lambda data_dir: None)
    monkeypatch.setattr(my_digits, "_figure", {})
    _, test = mnist
    folder = Collection(tmp_path / "my-digits")
    kept = [folder.keep(test.X[i].reshape(28, 28), int(test.labels[i])) for i in range(preparation.MIN_KEPT)]
    network = object()
    my_digits.preparation_png(network, folder, None)
    my_digits.preparation_png(network, folder, None)
    assert len(drawn) == 1 and drawn[0] is folder  # drawn once, for the kept digits
    changed = kept[0].path
    status = changed.stat()
    changed.write_bytes(kept[1].path.read_bytes())  # another digit under the first one's name
    os.utime(changed, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))  # even within the clock's tick
    my_digits.preparation_png(network, folder, None)
    assert len(drawn) == 2


# -- the page, in Chromium -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page_server(trained_network, tmp_path_factory):
    """The page with the trained network and a collection of its own; (base URL, the collection's folder)."""
    from digitnet.web import create_app

    folder = tmp_path_factory.mktemp("page-home") / "my-digits"
    with serving(create_app(trained_network, my_digits=folder)) as url:
        yield url, folder


def _open(browser, page_server, **context):
    url, folder = page_server
    for path in list(folder.rglob("*.png")):  # each test starts with an empty collection
        path.unlink()
    page = open_page(browser, url, **context)
    page.wait_for_function("document.querySelector('#mine-status').textContent.startsWith('No digits kept yet')")
    return page


@pytest.fixture
def desk(browser, page_server):
    page = _open(browser, page_server, **DESK)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, page_server):
    page = _open(browser, page_server, **PHONE)
    yield page
    page.context.close()


def _shot(page, name):
    page.wait_for_function("[...document.images].every((img) => img.hidden || (img.complete && img.naturalWidth > 0))",
                           timeout=10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


SEVEN_STROKE = [(0.25, 0.2), (0.5, 0.2), (0.75, 0.2)] + [(0.75 - 0.3 * i / 10, 0.2 + 0.65 * i / 10) for i in range(1, 11)]


def _draw(page, points=SEVEN_STROKE):
    """A finger's stroke along ``points`` (fractions of the canvas), then the network's answer to it."""
    page.evaluate("""(points) => {
        const canvas = document.querySelector('#draw-canvas');
        const box = canvas.getBoundingClientRect();
        const send = (type, [fx, fy]) => canvas.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: 'touch', isPrimary: true, bubbles: true, cancelable: true,
            clientX: box.left + fx * box.width, clientY: box.top + fy * box.height, buttons: type === 'pointerup' ? 0 : 1}));
        send('pointerdown', points[0]);
        points.slice(1).forEach((p) => send('pointermove', p));
        send('pointerup', points[points.length - 1]);
    }""", points)
    page.wait_for_function("state.result !== null", timeout=10_000)


def _kept_files(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.png"))


def _open_tab(page):
    page.click("#tab-mine")
    page.wait_for_function("!document.querySelector('#panel-mine').hidden")


def test_a_drawing_kept_as_a_7_is_a_png_in_the_gallery_with_the_answer_and_can_be_deleted(desk, page_server):
    _, folder = page_server
    _draw(desk)
    answer = desk.evaluate("state.result.digit")
    desk.click("#keep button[data-digit='7']")
    desk.wait_for_function("/^Kept as a 7/.test(document.querySelector('#keep-status').textContent)", timeout=10_000)
    files = _kept_files(folder)
    assert len(files) == 1 and files[0].startswith("7/")
    desk.wait_for_function("state.result === null", timeout=10_000)  # the canvas cleared for the next digit
    _open_tab(desk)
    thumb = desk.locator("#mine-gallery .mine-digit[data-digit='7'] li.thumb")
    thumb.locator("img").wait_for()
    desk.wait_for_function("document.querySelector('#mine-gallery img').complete && "
                           "document.querySelector('#mine-gallery img').naturalWidth > 0", timeout=10_000)
    box = thumb.locator("img").bounding_box()
    assert 40 <= box["width"] <= 80 and 40 <= box["height"] <= 80
    # the thumbnail's pixels: ink (dark) on paper (light), not blank
    dark, light = desk.evaluate("""() => {
        const img = document.querySelector('#mine-gallery img');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let dark = 0, light = 0;
        for (let i = 0; i < d.length; i += 4) { if (d[i] < 100) dark++; else if (d[i] > 200) light++; }
        return [dark / (d.length / 4), light / (d.length / 4)];
    }""")
    assert 0.01 < dark < 0.5 and light > 0.4
    listed = desk.request.get(f"{page_server[0]}/api/my-digits").json()["digits"]
    shown = thumb.locator(".thumb-answer").inner_text()
    assert shown.startswith(f"reads {listed[0]['answer']} ") and ("✓" in shown) == (listed[0]["answer"] == 7)
    assert answer in range(10)
    label = thumb.locator(".thumb-delete").get_attribute("aria-label")
    assert label.startswith("Delete this 7")
    _shot(desk, "my-digits-desk-one")
    thumb.locator(".thumb-delete").click()
    desk.wait_for_function("document.querySelector('#mine-status').textContent.startsWith('Deleted a 7')",
                           timeout=10_000)
    assert _kept_files(folder) == [] and desk.locator("#mine-gallery li.thumb").count() == 0


def test_the_keys_0_to_9_keep_the_drawing_while_the_canvas_has_the_focus(desk, page_server):
    _, folder = page_server
    for digit in (3, 8):
        _draw(desk)
        assert desk.evaluate("document.activeElement.id") == "draw-canvas"  # drawing focused it
        desk.keyboard.press(str(digit))
        desk.wait_for_function(f"/^Kept as an? {digit}/.test(document.querySelector('#keep-status').textContent)",
                               timeout=10_000)
        desk.wait_for_function("state.result === null", timeout=10_000)
    assert [name.split("/")[0] for name in _kept_files(folder)] == ["3", "8"]
    # with the focus on the row, too; a key that is not a digit does nothing there
    _draw(desk)
    desk.focus("#keep button[data-digit='0']")
    desk.keyboard.press("x")
    desk.keyboard.press("5")
    desk.wait_for_function("/^Kept as a 5/.test(document.querySelector('#keep-status').textContent)", timeout=10_000)
    assert sorted(name.split("/")[0] for name in _kept_files(folder)) == ["3", "5", "8"]
    # a blank canvas is not kept, and says so
    desk.wait_for_function("state.result === null", timeout=10_000)
    desk.focus("#draw-canvas")
    desk.keyboard.press("4")
    assert "first" in desk.inner_text("#keep-status") and len(_kept_files(folder)) == 3


def test_the_report_on_the_page_matches_an_independent_count(desk, page_server, trained_network, mnist):
    url, folder = page_server
    _, test = mnist
    chosen = np.random.default_rng(1).choice(len(test.labels), 8, replace=False)
    for i in chosen:
        desk.request.post(f"{url}/api/my-digits", data=canvas_body(test.X[i].reshape(28, 28), int(test.labels[i])))
    _open_tab(desk)
    desk.wait_for_function("document.querySelectorAll('#mine-gallery li.thumb').length === 8", timeout=10_000)
    kept = Collection(folder).all()
    labels = np.array([k.digit for k in kept])
    answers = np.array([int(trained_network.predict(prepare_image(k.path)[None, :])[0]) for k in kept])
    right = int((answers == labels).sum())
    mnist_accuracy = trained_network.score(test.X, test.labels)
    summary = desk.inner_text("#mine-summary")
    assert f"reads {right} of your 8 digits right: {100 * right / 8:.1f}%" in summary
    assert f"{100 * mnist_accuracy:.1f}%" in summary
    rows = desk.eval_on_selector_all("#mine-per-digit tbody tr", "rows => rows.map((r) => r.innerText.split('\\t'))")
    mnist_answers = trained_network.predict(test.X)
    for digit, row in enumerate(rows):
        mine = labels == digit
        assert row[0] == str(digit)
        assert row[1] == (f"{int((answers[mine] == digit).sum())} of {int(mine.sum())}" if mine.any() else "none")
        mnist_digit = (mnist_answers[test.labels == digit] == digit).mean()
        assert row[3] == f"{100 * mnist_digit:.1f}%"
    cells = desk.eval_on_selector_all("#mine-confusion tbody tr", "rows => rows.map((r) => "
                                      "[...r.querySelectorAll('td')].map((c) => Number(c.textContent)))")
    expected = [[int(((labels == d) & (answers == a)).sum()) for a in range(10)] for d in range(10)]
    assert cells == expected
    wrong = desk.locator("#mine-gallery li.thumb.wrong")
    assert wrong.count() == len(labels) - right
    for i in range(wrong.count()):  # a wrong one says so in a symbol, not only in colour
        assert "✗" in wrong.nth(i).locator(".thumb-answer").inner_text()
    assert desk.locator("#mine-preparation").bounding_box() is None  # not drawn yet: no empty frame shows
    desk.click("#mine-prep-show")
    desk.wait_for_function("!document.querySelector('#mine-preparation').hidden && "
                           "document.querySelector('#mine-preparation').naturalWidth > 600", timeout=60_000)
    assert desk.locator("#mine-preparation").bounding_box()["width"] > 600  # shown at (up to) its own size
    _shot(desk, "my-digits-desk-report")


def test_on_a_phone_the_new_controls_fit_the_width_and_are_big_enough_to_tap(phone, page_server, mnist):
    url, _ = page_server
    _, test = mnist
    keep_row = phone.evaluate("""() => [...document.querySelectorAll('#keep button')].map((b) => {
        const r = b.getBoundingClientRect(); return [r.left, r.right, r.width, r.height]; })""")
    assert len(keep_row) == 10
    for left, right, width, height in keep_row:
        assert left >= 0 and right <= 390 and width >= 24 and height >= 40
    _draw(phone)
    phone.tap("#keep button[data-digit='7']")
    phone.wait_for_function("/^Kept as a 7/.test(document.querySelector('#keep-status').textContent)", timeout=10_000)
    _shot(phone, "my-digits-phone-draw")
    for i in np.random.default_rng(2).choice(len(test.labels), 11, replace=False):
        phone.request.post(f"{url}/api/my-digits", data=canvas_body(test.X[i].reshape(28, 28), int(test.labels[i])))
    phone.tap("#tab-mine")
    phone.wait_for_function("document.querySelectorAll('#mine-gallery li.thumb').length === 12", timeout=10_000)
    phone.tap("#mine-prep-show")
    phone.wait_for_function("document.querySelector('#mine-preparation').naturalWidth > 0", timeout=60_000)
    problems = phone.evaluate("""() => {
        const panel = document.querySelector('#panel-mine');
        const out = [];
        for (const e of panel.querySelectorAll('*')) {
            const r = e.getBoundingClientRect();
            if (r.width === 0) continue;
            const scroller = e.closest('.table-box');
            if (!scroller && (r.left < 0 || r.right > 390.5)) out.push(`${e.tagName}#${e.id}.${e.className} off the side: ${r.left}-${r.right}`);
            if (e.matches('button') && r.height < 40) out.push(`${e.textContent} only ${r.height} px tall`);
            const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
            if (own && parseFloat(getComputedStyle(e).fontSize) < 12) out.push(`${e.tagName} text ${getComputedStyle(e).fontSize}`);
        }
        if (document.documentElement.scrollWidth > 390) out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
        return out;
    }""")
    assert problems == []
    _shot(phone, "my-digits-phone-tab")


def test_teaching_from_the_page_shows_the_numbers_before_and_after(desk, page_server, mnist):
    """Last in this file: the taught network answers on this server from now on."""
    url, _ = page_server
    _, test = mnist
    _open_tab(desk)
    desk.click("#mine-teach")
    desk.wait_for_function("/^Not started: teaching needs at least 10/.test("
                           "document.querySelector('#mine-teach-status').textContent)", timeout=10_000)
    assert desk.locator("#mine-teach-status.error").count() == 1
    for i in np.random.default_rng(3).choice(len(test.labels), 14, replace=False):
        desk.request.post(f"{url}/api/my-digits", data=canvas_body(test.X[i].reshape(28, 28), int(test.labels[i])))
    desk.click("#mine-teach")
    desk.wait_for_function("!document.querySelector('#mine-teach-result').hidden", timeout=300_000)
    done = desk.request.get(f"{url}/api/train/history").json()["events"][-1]
    taught = done["teach"]
    shown = {cell: desk.inner_text(f"#mine-teach-{cell}") for cell in
             ("mnist-before", "mnist-after", "own-before", "own-after")}
    assert shown == {"mnist-before": f"{100 * taught['mnist_before']:.1f}%",
                     "mnist-after": f"{100 * taught['mnist_after']:.1f}%",
                     "own-before": f"{100 * taught['own_before']:.1f}%", "own-after": f"{100 * taught['own_after']:.1f}%"}
    assert desk.inner_text("#mine-teach-own-label") == f"your {taught['held_out']} held-out digits"
    assert "Draw tab now uses the taught network" in desk.inner_text("#mine-teach-status")
    _shot(desk, "my-digits-desk-taught")
