"""The Gradient descent tab in a real headless Chromium, as a person sees it: the plot drawn at load,
Step, Play and Pause, the table of steps, readable ticks, the start on top, the verdict, phone sizes.

Needs Debian's chromium at /usr/bin/chromium and the playwright package; without them these tests are
reported as skipped, never as passed. Screenshots go to test-artifacts/ at the top of the repository.
"""

import base64
import io
import json
import math

import numpy as np
import pytest
from conftest import ARTIFACTS
from PIL import Image

from digitnet.descent import FUNCTIONS, simple_gd
from digitnet.walks import describe_walk

ORANGE = (0xE6, 0x9F, 0x00)  # the walk's points
INK = (0x22, 0x22, 0x22)     # the start





def open_tab(browser, server, **context):
    """A new page on the Gradient descent tab, its plot drawn."""
    page = browser.new_context(**({"viewport": {"width": 1280, "height": 800}} | context)).new_page()
    page.goto(server)
    page.click("#tab-descent")
    page.wait_for_function("document.querySelector('#descent-plot').dataset.ticks !== undefined", timeout=10_000)
    return page


@pytest.fixture
def page(browser, server):
    page = open_tab(browser, server)
    yield page
    page.context.close()


def choose(page, name, rate):
    """Pick a function and a learning rate and wait until the page shows that walk's start."""
    page.select_option("#descent-function", name)
    page.fill("#descent-learning-rate", str(rate))
    page.locator("#descent-learning-rate").dispatch_event("change")
    page.wait_for_function(f"""() => {{ const plot = document.querySelector('#descent-plot');
        return plot.dataset.function === '{name}' && Number(plot.dataset.rate) === {rate} && plot.dataset.steps === '0'
            && document.querySelectorAll('#descent-steps-body tr').length === 1; }}""", timeout=10_000)


def run_to_the_end(page, name, rate):
    choose(page, name, rate)
    page.click("#descent-run")
    page.wait_for_function("/Black dot/.test(document.querySelector('#descent-result').textContent) && "
                           "!/^After step|^At the start/.test(document.querySelector('#descent-result').textContent)",
                           timeout=30_000)


def pixels(page):
    """The plot's pixels, (height, width, RGBA) in the canvas's own pixels, and how many of them to a CSS pixel."""
    answer = page.evaluate("""() => {
        const canvas = document.querySelector('#descent-plot');
        return {png: canvas.toDataURL('image/png'), scale: canvas.width / canvas.getBoundingClientRect().width};
    }""")
    png = base64.b64decode(answer["png"].split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int), answer["scale"]


def near(image, target, within=40):
    """Which pixels are opaque and within reach of ``target`` (a transparent one, never drawn on, is near nothing)."""
    return (image[..., 3] > 200) & (np.abs(image[..., :3] - np.array(target)) <= within).all(axis=-1)


def where(image, colour):
    """The (x, y) of every pixel within reach of ``colour``."""
    ys, xs = np.nonzero(near(image, colour))
    return list(zip(xs.tolist(), ys.tolist()))


def rows_shown(page):
    return page.locator("#descent-steps-body tr").count()


def ticks(page):
    return json.loads(page.get_attribute("#descent-plot", "data-ticks"))


def test_the_plot_is_drawn_at_load_with_the_start_and_its_slope(page):
    rows, _ = pixels(page)
    drawn = (rows[..., 3] > 200) & ~near(rows, (255, 255, 255), 8)
    assert drawn.mean() > 0.01, "the plot is blank"
    assert len(where(rows, INK)) > 100  # the curve and the start
    assert len(where(rows, (0x00, 0x9E, 0x73))) > 30  # the slope at the start, in green
    assert rows_shown(page) == 1 and page.get_attribute("#descent-plot", "data-steps") == "0"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "descent-load.png"), full_page=True)


@pytest.mark.parametrize("name, rate", [("square", 0.2), ("bowl", 0.02), ("rosenbrock", 0.001)])
def test_the_slope_arrow_points_the_way_the_first_step_goes(page, name, rate):
    choose(page, name, rate)
    function = FUNCTIONS[name]
    start = function.start if function.dimensions == 1 else tuple(function.start)
    labels = ticks(page)
    x_ticks = [(float(t["text"]), t["at"]) for t in labels if t["axis"] == "x"]
    y_ticks = [(float(t["text"]), t["at"]) for t in labels if t["axis"] == "y"]

    def pixel(ticks_, v):  # a value's place on an axis, between its first and last ticks
        (low, low_at), (high, high_at) = ticks_[0], ticks_[-1]
        return low_at + (v - low) * (high_at - low_at) / (high - low)

    if function.dimensions == 1:
        x, y = start, function.f(start)
        step = (-rate * function.gradient(x), function.f(x - rate * function.gradient(x)) - y)
    else:
        x, y = start
        step = tuple(-rate * function.gradient(np.array(start)))
    image, scale = pixels(page)
    green = np.array(where(image, (0x00, 0x9E, 0x73))) / scale
    arrow = green.mean(axis=0) - (pixel(x_ticks, x), pixel(y_ticks, y))
    # the arrow leaves the start on the side the step goes: left or right, and up or down (the screen's y grows down)
    assert np.sign(arrow[0]) == np.sign(step[0]) and np.sign(arrow[1]) == -np.sign(step[1]), (arrow, step)


def test_step_adds_one_row_of_simple_gds_numbers_and_moves_the_current_point(page):
    choose(page, "square", 0.2)
    _, path = simple_gd(FUNCTIONS["square"].gradient, 10.0, 0.2, n_iter=50)
    before, _ = pixels(page)
    assert where(before, ORANGE) == []  # only the start so far
    centres = []
    for k in (1, 2):
        page.click("#descent-step")
        page.wait_for_function(f"document.querySelector('#descent-plot').dataset.steps === '{k}'", timeout=5_000)
        assert rows_shown(page) == k + 1
        cells = page.locator("#descent-steps-body tr.current td").all_inner_texts()
        x, f, gradient = path[k], path[k] ** 2, 2 * path[k]
        assert cells[:4] == [str(k), f"{x:.4g}", f"{f:.4g}", f"{gradient:.4g}"]
        assert float(cells[4]) == pytest.approx(0.2 * abs(gradient), rel=1e-3)  # the step it takes from there
        orange = where(pixels(page)[0], ORANGE)
        assert orange
        centres.append(sum(x for x, _ in orange) / len(orange))
    assert centres[1] < centres[0]  # on x² from 10 each step goes left: 6, then 3.6


def test_pause_stops_the_rows_growing_and_play_goes_on(page):
    choose(page, "rosenbrock", 0.001)
    page.click("#descent-pause")  # Play
    page.wait_for_function("document.querySelectorAll('#descent-steps-body tr').length > 20", timeout=10_000)
    page.click("#descent-pause")  # Pause
    assert page.inner_text("#descent-pause") == "Play"
    paused, steps = rows_shown(page), page.get_attribute("#descent-plot", "data-steps")
    page.wait_for_timeout(600)  # several frames of playing, had it not paused
    assert rows_shown(page) == paused < 2001
    assert page.get_attribute("#descent-plot", "data-steps") == steps == str(paused - 1)
    page.click("#descent-pause")  # Play again
    page.wait_for_function(f"document.querySelectorAll('#descent-steps-body tr').length > {paused}", timeout=5_000)


@pytest.mark.parametrize("name, rate", [("square", 0.2), ("square", 1.1), ("quartic", 0.3), ("bowl", 0.05),
                                        ("rosenbrock", 0.1)])
def test_tick_labels_are_short_round_numbers_inside_the_canvas(page, name, rate):
    run_to_the_end(page, name, rate)
    box = page.locator("#descent-plot").bounding_box()
    labels = ticks(page)
    for label in labels:
        assert len(label["text"]) <= 6, label
        assert 0 <= label["left"] and label["right"] <= box["width"], label
        assert 0 <= label["top"] and label["bottom"] <= box["height"], label
    for axis in ("x", "y"):
        values = [float(label["text"]) for label in labels if label["axis"] == axis]
        assert len(values) >= 3, axis
        gaps = [b - a for a, b in zip(values, values[1:])]
        assert max(gaps) - min(gaps) <= 1e-9 * max(gaps), values  # evenly spaced ...
        mantissa = gaps[0] / 10 ** math.floor(math.log10(gaps[0]))
        assert round(mantissa, 6) in (1, 2, 5), values  # ... by 1, 2 or 5 times a power of ten


def test_the_start_is_drawn_on_top_of_the_points_that_come_back_to_it(page):
    run_to_the_end(page, "square", 1.0)  # 10, -10, 10, ...: every other point lands on the start
    labels = ticks(page)
    start_x = next(t["at"] for t in labels if t["axis"] == "x" and t["text"] == "10")
    y_ticks = [(float(t["text"]), t["at"]) for t in labels if t["axis"] == "y"]
    (low, low_at), (high, high_at) = y_ticks[0], y_ticks[-1]
    start_y = low_at + (100 - low) * (high_at - low_at) / (high - low)  # where f = 100, between the ticks
    rows, scale = pixels(page)
    centre = rows[int(start_y * scale), int(start_x * scale)]
    assert near(centre, INK), centre  # the start's black, not a later point's orange


def test_the_verdict_on_the_quartic_at_0_1_says_it_bounces_in_a_cycle(page):
    run_to_the_end(page, "quartic", 0.1)
    _, path = simple_gd(FUNCTIONS["quartic"].gradient, 0.0, 0.1, n_iter=50)
    sentence = describe_walk(FUNCTIONS["quartic"], path, 50).sentence
    said = page.inner_text("#descent-result")
    assert said.startswith(sentence) and "bouncing in a cycle of 4 points, not closing in" in said
    assert rows_shown(page) == 51


def test_at_phone_size_the_controls_are_24_px_and_the_text_12_px(browser, server):
    page = open_tab(browser, server, viewport={"width": 390, "height": 844}, has_touch=True, device_scale_factor=2)
    try:
        choose(page, "quartic", 0.1)
        page.click("#descent-step")
        page.wait_for_function("document.querySelector('#descent-plot').dataset.steps === '1'", timeout=5_000)
        for selector in ("#descent-function", "#descent-learning-rate", "#descent-step", "#descent-pause",
                         "#descent-run"):
            box = page.locator(selector).bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, (selector, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
        smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('#panel-descent *')]
            .filter((e) => e.offsetParent !== null && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
            .map((e) => parseFloat(getComputedStyle(e).fontSize)))""")
        assert smallest >= 12
        canvas = page.evaluate("""() => { const c = document.querySelector('#descent-plot');
            return {pixels: c.width, css: c.getBoundingClientRect().width, ratio: devicePixelRatio,
                    font: Number(c.dataset.font)}; }""")
        assert canvas["pixels"] == pytest.approx(canvas["css"] * canvas["ratio"], abs=2)  # drawn at its size: not shrunk
        assert canvas["font"] >= 12
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "descent-phone.png"), full_page=True)
    finally:
        page.context.close()
