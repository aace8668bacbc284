"""The Draw tab as a person sees it: the ten output bars, the "not sure" verdict, real MNIST digits
picked with the keyboard alone, and the answer in view on a phone while drawing (Chromium via Playwright)."""


import numpy as np
import pytest
from conftest import ARTIFACTS, DESK, PHONE, open_page

from digitnet.data.mnist import load_mnist


@pytest.fixture
def page(browser, server):
    page = open_page(browser, server, **DESK)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, server):
    page = open_page(browser, server, **PHONE)
    yield page
    page.context.close()


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _touch(page, points, lift=True):
    """The pointer events a finger makes along ``points`` (fractions of the canvas); without ``lift`` it stays down."""
    page.evaluate("""([points, lift]) => {
        const canvas = document.querySelector('#draw-canvas');
        const box = canvas.getBoundingClientRect();
        const send = (type, [fx, fy]) => canvas.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: 'touch', isPrimary: true, bubbles: true, cancelable: true,
            clientX: box.left + fx * box.width, clientY: box.top + fy * box.height, buttons: type === 'pointerup' ? 0 : 1}));
        send('pointerdown', points[0]);
        points.slice(1).forEach((p) => send('pointermove', p));
        if (lift) send('pointerup', points[points.length - 1]);
    }""", [points, lift])


def _answered(page):
    page.wait_for_function("state.result && document.querySelector('#answer').textContent.trim() === "
                           "String(state.result.digit)", timeout=10_000)


ONE = [(0.5, 0.15 + 0.7 * i / 20) for i in range(21)]


def test_the_ten_bars_are_drawn_as_long_as_the_outputs(page):
    _touch(page, ONE)
    _answered(page)
    page.wait_for_function("""() => [...document.querySelectorAll('#probabilities .bar')]  // the width transition
        .every((bar) => getComputedStyle(bar).transitionProperty === 'none' || !bar.getAnimations().length)""",
                           timeout=10_000)
    rows = page.evaluate("""() => [...document.querySelectorAll('#probabilities .prob')].map((row) => ({
        bar: row.querySelector('.bar').getBoundingClientRect().width,
        track: row.querySelector('.track').getBoundingClientRect().width,
        height: row.querySelector('.bar').getBoundingClientRect().height}))""")
    outputs = page.evaluate("state.result.activations[state.result.activations.length - 1]")
    assert len(rows) == 10
    for row, output in zip(rows, outputs):
        assert row["track"] > 100 and row["height"] >= 10
        assert row["bar"] == pytest.approx(output * row["track"], abs=1.5)
    assert max(row["bar"] for row in rows) > 0.5 * rows[0]["track"]  # the answer's bar, drawn long


def test_the_outputs_are_shown_as_they_are_and_said_not_to_add_up_to_one(page):
    _touch(page, ONE)
    _answered(page)
    outputs = page.evaluate("state.result.activations[state.result.activations.length - 1]")
    shown = page.eval_on_selector_all("#probabilities .value", "els => els.map((e) => e.textContent)")
    assert shown == [f"{a:.3f}" for a in outputs]
    words = page.inner_text("#outputs-sum")
    assert "not probabilities" in words and f"{sum(outputs):.3f}" in words
    assert f"{100 * max(outputs) / sum(outputs):.1f}% of their sum (its share)" in words


def test_a_dot_is_not_sure_and_the_rule_is_stated(page, server):
    rule = page.request.get(f"{server}/api/verdict-rule").json()["rule"]
    assert page.inner_text("#verdict-rule") == rule
    _touch(page, [(0.5, 0.5), (0.505, 0.5)])
    _answered(page)
    assert page.evaluate("state.result.verdict.sure") is False
    assert page.inner_text("#verdict").startswith("Not sure: maybe not a digit.")
    assert "ink" in page.inner_text("#verdict")  # the dot is flagged by its amount of ink
    _shot(page, "draw-not-sure")


def test_the_api_says_sure_for_an_mnist_digit_and_not_sure_for_a_dash(page, server):
    (test,) = load_mnist(parts=("test",))
    digit = test.X[0].astype(float).round(3).tolist()
    sure = page.request.post(f"{server}/api/predict", data={"width": 28, "height": 28, "pixels": digit,
                                                            "prepare": False}).json()
    assert sure["digit"] == test.labels[0] and sure["verdict"] == {"sure": True, "reasons": [],
                                                                    "rule": sure["verdict"]["rule"]}
    dash = np.zeros((28, 28))
    dash[13:15, 4:24] = 1.0
    flat = page.request.post(f"{server}/api/predict", data={"width": 28, "height": 28,
                                                            "pixels": dash.ravel().tolist(), "prepare": False}).json()
    assert flat["verdict"]["sure"] is False
    assert any("flat" in reason for reason in flat["verdict"]["reasons"])


def _tab_to(page, selector, presses=60):
    """Press Tab until ``selector`` has the focus."""
    for _ in range(presses):
        if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def _canvas_ink(page):
    """The share of the drawing canvas's pixels that are darker than the paper."""
    return page.evaluate("""() => {
        const c = document.querySelector('#draw-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
        return dark / (c.width * c.height);
    }""")


def test_mnist_digits_are_put_on_the_canvas_with_the_keyboard_alone(page, server):
    (test,) = load_mnist(parts=("test",))
    assert _canvas_ink(page) == 0
    _tab_to(page, "#pick-index")
    page.keyboard.press("Control+A")
    page.keyboard.type("1234")
    page.keyboard.press("Enter")
    page.wait_for_function("/test digit 1234,/.test(document.querySelector('#pick-status').textContent)",
                           timeout=10_000)
    assert f"labelled {test.labels[1234]}" in page.inner_text("#pick-status")
    _answered(page)
    assert _canvas_ink(page) > 0.05
    # the next 7: Tab to the digit's list, choose 7 by typing it, Tab to its Show button, Enter
    _tab_to(page, "#pick-label")
    page.keyboard.press("7")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    after = int(np.flatnonzero((test.labels == 7) & (np.arange(len(test.labels)) > 1234))[0])
    page.wait_for_function(f"/test digit {after}, labelled 7/.test(document.querySelector('#pick-status').textContent)",
                           timeout=10_000)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the next misread one
    page.wait_for_function("/misreads/.test(document.querySelector('#pick-status').textContent)", timeout=10_000)
    index = page.evaluate("Number(document.querySelector('#pick-index').value)")
    assert index > after
    assert f"labelled {test.labels[index]}. The network reads the original 28x28 as " in page.inner_text("#pick-status")
    assert "(wrong)" in page.inner_text("#pick-status")
    _answered(page)
    _shot(page, "draw-mnist-picked")


def test_on_a_phone_the_answer_is_in_view_while_drawing(phone):
    box = phone.locator("#draw-canvas").bounding_box()
    phone.evaluate(f"window.scrollTo(0, {box['y']} - 80)")  # the canvas in view, as a person draws
    _touch(phone, ONE, lift=False)
    phone.wait_for_function("state.result", timeout=10_000)
    answers = phone.evaluate("""() => ['#answer', '#answer-inline'].map((s) => document.querySelector(s))
        .filter((e) => e && e.getBoundingClientRect().width > 0 && /[0-9]/.test(e.textContent))
        .map((e) => ({id: e.id, top: e.getBoundingClientRect().top, bottom: e.getBoundingClientRect().bottom}))""")
    seen = [a for a in answers if a["top"] >= 0 and a["bottom"] <= 844]
    assert seen, f"no answer inside the phone's viewport (844 px high) while drawing: {answers}"
    canvas = phone.locator("#draw-canvas").bounding_box()
    assert canvas["y"] >= 0 and canvas["y"] + canvas["height"] <= 844  # and the canvas with it
    _shot(phone, "draw-phone")


def test_on_a_phone_the_draw_controls_are_big_enough_to_tap_and_read(phone):
    small = phone.evaluate("""() => {
        const cards = [...document.querySelectorAll('#panel-draw .draw-layout .card')];
        const taps = cards.flatMap((c) => [...c.querySelectorAll('button, input, select')]).filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.width < 24 || r.height < 24);
        }).map((e) => `${e.id || e.textContent}: ${e.getBoundingClientRect().width}x${e.getBoundingClientRect().height}`);
        const texts = cards.flatMap((c) => [...c.querySelectorAll('*')]).filter((e) =>
            [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) && e.getBoundingClientRect().width > 0
            && parseFloat(getComputedStyle(e).fontSize) < 12).map((e) => `${e.id || e.tagName}: ${getComputedStyle(e).fontSize}`);
        return taps.concat(texts);
    }""")
    assert small == []
