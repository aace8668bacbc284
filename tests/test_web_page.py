"""The web page in a real headless Chromium, driven like a person would (Playwright).

Needs Debian's chromium at /usr/bin/chromium (./test.sh installs it when it can) and the
playwright package; without them these tests are reported as skipped, never as passed.
Screenshots are kept in test-artifacts/ at the top of the repository.
"""

import json

import numpy as np
import pytest
from conftest import ARTIFACTS, open_page, serving

from digitnet.descent import FUNCTIONS, simple_gd
from digitnet.walks import describe_walk


@pytest.fixture
def page(browser, server):
    page = open_page(browser, server, viewport={"width": 1300, "height": 950})
    context = page.context
    yield page
    context.close()


def _stroke(page, points):
    """Drag the mouse through ``points`` given as fractions (x, y) of the drawing canvas."""
    box = page.locator("#draw-canvas").bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_drawing_a_one_shows_the_answer_and_lights_the_layers(page):
    _stroke(page, [(0.5, 0.15), (0.5, 0.5), (0.52, 0.85)])
    page.wait_for_function("document.querySelector('#answer').textContent.trim() === '1'", timeout=10_000)
    answer_circle = page.locator("#network circle.neuron.answer")
    assert answer_circle.count() == 1
    assert answer_circle.get_attribute("data-index") == "1"
    lit = page.eval_on_selector_all("#network circle.neuron[data-layer='1']",
                                    "els => new Set(els.map(e => e.getAttribute('fill'))).size")
    assert lit > 1  # the hidden neurons are not all the same shade
    latency = page.evaluate("window.lastPredictMs")
    request = page.evaluate("Math.min(...performance.getEntriesByType('resource')"
                            ".filter(e => e.name.endsWith('/api/predict')).map(e => e.duration))")
    print(f"\nanswer shown {latency:.0f} ms after the stroke (the fastest /api/predict round trip: {request:.0f} ms)")
    _shot(page, "draw")


def test_clearing_the_canvas_clears_the_answer(page):
    _stroke(page, [(0.5, 0.15), (0.5, 0.85)])
    page.wait_for_function("document.querySelector('#answer').textContent.trim() === '1'", timeout=10_000)
    page.click("#clear")
    page.wait_for_function("!/[0-9]/.test(document.querySelector('#answer').textContent)", timeout=5_000)


def test_clicking_a_neuron_shows_its_weights_and_numbers(page):
    _stroke(page, [(0.5, 0.15), (0.5, 0.85)])
    page.wait_for_function("/[0-9]/.test(document.querySelector('#answer').textContent)", timeout=10_000)
    page.click("#network circle.neuron[data-layer='1'][data-index='3']")
    page.wait_for_function("/[0-9]/.test(document.querySelector('#neuron-bias').textContent)", timeout=5_000)
    assert page.locator("#neuron-weights").is_visible()
    for field in ("#neuron-z", "#neuron-a"):
        assert any(ch.isdigit() for ch in page.inner_text(field))
    _shot(page, "neuron")


def test_a_short_training_grows_the_curve_and_changes_the_weights(page):
    page.click("#tab-train")
    page.fill("#train-epochs", "2")
    page.fill("#train-examples", "2000")
    page.click("#train-start")
    page.wait_for_selector("#train-curve[data-epochs='2']", timeout=60_000)
    page.wait_for_function("/Finished after 2 epochs/.test(document.querySelector('#train-status').textContent)",
                           timeout=30_000)
    _shot(page, "train")


def test_gradient_descent_draws_the_path_step_by_step(page):
    page.click("#tab-descent")
    page.select_option("#descent-function", "square")
    page.fill("#descent-learning-rate", "0.2")
    page.click("#descent-run")
    page.wait_for_function("Number(document.querySelector('#descent-plot').dataset.steps || 0) >= 10",
                           timeout=20_000)
    _shot(page, "descent")


def test_drawing_with_a_finger_works_like_the_mouse(page):
    # Chromium here has no touch screen to drag on, so send the pointer events a finger makes
    page.evaluate("""() => {
        const canvas = document.querySelector('#draw-canvas');
        const box = canvas.getBoundingClientRect();
        const send = (type, fy) => canvas.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: 'touch', isPrimary: true, bubbles: true, cancelable: true,
            clientX: box.left + box.width / 2, clientY: box.top + fy * box.height, buttons: type === 'pointerup' ? 0 : 1}));
        send('pointerdown', 0.15);
        for (let i = 1; i <= 20; i++) send('pointermove', 0.15 + 0.7 * i / 20);
        send('pointerup', 0.85);
    }""")
    page.wait_for_function("document.querySelector('#answer').textContent.trim() === '1'", timeout=10_000)


def test_a_training_can_be_stopped_and_bad_settings_are_explained(page):
    page.click("#tab-train")
    page.fill("#train-learning-rate", "-1")
    page.click("#train-start")
    page.wait_for_function("/learning.rate|greater than 0/i.test(document.querySelector('#train-status').textContent)",
                           timeout=10_000)
    page.fill("#train-learning-rate", "3")
    page.fill("#train-epochs", "50")
    page.fill("#train-examples", "20000")
    # at full speed these 50 epochs take about a second, so a Stop could come after the end: the slow speed
    # (five mini-batches a second) keeps the training running until Stop, which then finishes epoch 1 at full speed
    page.select_option("#train-speed", "slow")
    page.click("#train-start")
    page.wait_for_function("Number(document.querySelector('#train-curve').dataset.steps || 0) >= 2", timeout=30_000)
    assert page.get_attribute("#train-curve", "data-epochs") == "0"
    page.click("#train-stop")
    # wait for the end, not just "Stopping…", so that the next tests find no training running
    page.wait_for_function("/Stopped early after/.test(document.querySelector('#train-status').textContent)",
                           timeout=30_000)
    assert page.get_attribute("#train-curve", "data-epochs") == "1"
    _shot(page, "train-stopped")


# ---------------------------------------------------------------- the tester's findings (regressions)

def _fake_training(page, done, status=None):
    """Answer the page's training requests without training: POST /api/train is accepted, the
    event stream sends only ``done``; returns the list of POST /api/train bodies the page sent."""
    sent = []

    def accept(route):
        sent.append(route.request.post_data)
        route.fulfill(status=202, json={"started": True})

    page.route("**/api/train", accept)
    page.route("**/api/train/status", lambda route: route.fulfill(json=status or {"running": True, "epoch": 0,
                                                                                  "epochs": 150}))
    page.route("**/api/train/events", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"}, body=f"event: done\ndata: {json.dumps(done)}\n\n"))
    return sent


@pytest.mark.parametrize("stopped, reason", [("diverged", "blew up"), ("stuck", "stopped learning")])
def test_a_training_that_fails_in_its_first_epoch_says_why_and_keeps_the_old_network(page, stopped, reason):
    _fake_training(page, {"stopped": stopped, "epochs": 0, "test_accuracy": None})
    page.click("#tab-train")
    page.click("#train-start")
    page.wait_for_function("/first epoch/.test(document.querySelector('#train-status').textContent)", timeout=5_000)
    status = page.locator("#train-status")
    assert reason in status.inner_text()
    assert "keeps the network it had" in status.inner_text()
    assert "No training ran" not in status.inner_text()
    assert "error" in status.get_attribute("class")
    assert not page.locator("#train-start").is_disabled()


def test_one_finished_epoch_is_said_in_the_singular(page):
    _fake_training(page, {"stopped": None, "epochs": 1, "test_accuracy": 0.9})
    page.click("#tab-train")
    page.fill("#train-epochs", "")  # the recipe's number: the server's status says 150
    page.click("#train-start")
    page.wait_for_function("/Finished/.test(document.querySelector('#train-status').textContent)", timeout=5_000)
    assert "after 1 epoch." in page.inner_text("#train-status")
    assert "150 epochs (the recipe's number)" in page.inner_text("#train-settings")


def test_double_clicking_start_sends_one_request(page):
    sent = _fake_training(page, {"stopped": None, "epochs": 0, "test_accuracy": None})
    page.click("#tab-train")
    page.dblclick("#train-start")
    page.wait_for_function("/No training ran/.test(document.querySelector('#train-status').textContent)",
                           timeout=5_000)
    assert len(sent) == 1


def test_a_refused_start_keeps_its_message_and_start_can_be_clicked_again(page):
    page.route("**/api/train", lambda route: route.fulfill(status=409, json={"detail": "a training is already running"}))
    page.click("#tab-train")
    page.click("#train-start")
    page.wait_for_function("/already running/.test(document.querySelector('#train-status').textContent)",
                           timeout=5_000)
    page.wait_for_timeout(200)
    assert "already running" in page.inner_text("#train-status")
    assert not page.locator("#train-start").is_disabled()


def reload_during_a_training(page, status):
    """Reload the page while the server (faked) says a training runs with ``status``; open the Train tab."""
    page.route("**/api/train/status", lambda route: route.fulfill(json=status))
    page.route("**/api/train/events", lambda route: route.fulfill(
        status=200, headers={"Content-Type": "text/event-stream"}, body=": still training\n\n"))
    page.reload()
    page.click("#tab-train")


def test_after_a_reload_the_running_trainings_epochs_are_shown(page):
    reload_during_a_training(page, {"running": True, "epoch": 2, "epochs": 7})
    page.wait_for_function("/7 epochs/.test(document.querySelector('#train-settings').textContent)", timeout=5_000)
    assert page.input_value("#train-epochs") == "7"
    assert "2 of 7 epochs" in page.inner_text("#train-status")


def test_after_a_reload_the_form_shows_the_running_trainings_settings(page):
    settings = {"recipe": "modern", "learning_rate": 0.004, "batch_size": 32, "epochs": 9, "examples": 5000}
    reload_during_a_training(page, {"running": True, "epoch": 1, "epochs": 9, "settings": settings})
    page.wait_for_function("/modern recipe/.test(document.querySelector('#train-settings').textContent)", timeout=5_000)
    assert page.input_value("#train-recipe") == "modern"
    assert [page.input_value(box) for box in ("#train-learning-rate", "#train-batch-size", "#train-epochs",
                                              "#train-examples")] == ["0.004", "32", "9", "5000"]
    assert "learning rate 0.004" in page.inner_text("#train-settings")


def test_a_recipe_fills_the_boxes_with_the_servers_settings_for_it(page):
    recipes = {"seed": {"learning_rate": 2.5, "batch_size": 12, "epochs": 44},
               "modern": {"learning_rate": 0.0025, "batch_size": 24, "epochs": 33}}
    page.route("**/api/recipes", lambda route: route.fulfill(json=recipes))
    page.reload()
    page.click("#tab-train")
    page.select_option("#train-recipe", "modern")
    assert page.input_value("#train-learning-rate") == "0.0025" and page.input_value("#train-batch-size") == "24"
    assert page.inner_text("#train-recipe-epochs") == "33"
    page.select_option("#train-recipe", "seed")
    assert page.input_value("#train-learning-rate") == "2.5" and page.inner_text("#train-recipe-epochs") == "44"


@pytest.mark.parametrize("box, value, words", [
    ("#train-learning-rate", "1e400", "not a number"),  # the browser cannot hold it: the box reads as bad input
    ("#train-learning-rate", "", "needs a number"),
    ("#train-learning-rate", "0", "greater than 0"),
    ("#train-batch-size", "1.5", "whole number"),
    ("#train-epochs", "1.5", "whole number"),
    ("#train-epochs", "500", "at most 200"),
    ("#train-examples", "2.5", "whole number"),
])
def test_an_unusable_training_setting_is_explained_next_to_its_box_and_nothing_is_sent(page, box, value, words):
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.url.endswith("/api/train") else None)
    page.click("#tab-train")
    page.fill(box, value)
    page.click("#train-start")
    note = page.locator(f"{box}-error")
    note.wait_for(state="visible", timeout=5_000)
    assert words in note.inner_text()
    assert page.get_attribute(box, "aria-invalid") == "true"
    assert "Not started" in page.inner_text("#train-status")
    assert not page.locator("#train-start").is_disabled()
    assert sent == []
    page.fill(box, "3")  # typing again clears the note
    assert not note.is_visible()


def test_empty_optional_boxes_are_fine_but_their_neighbours_are_still_checked(page):
    page.click("#tab-train")
    page.fill("#train-epochs", "")
    page.fill("#train-examples", "")
    page.fill("#train-batch-size", "1.5")
    page.click("#train-start")
    page.locator("#train-batch-size-error").wait_for(state="visible", timeout=5_000)
    assert not page.locator("#train-epochs-error").is_visible()
    assert not page.locator("#train-examples-error").is_visible()


@pytest.mark.parametrize("value", ["", "1e400", "-2"])
def test_an_unusable_descent_learning_rate_is_explained_and_nothing_is_sent(page, value):
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/api/descent" in request.url else None)
    page.click("#tab-descent")
    page.fill("#descent-learning-rate", value)
    page.click("#descent-run")
    page.locator("#descent-learning-rate-error").wait_for(state="visible", timeout=5_000)
    assert "got 0" not in page.inner_text("#descent-result")
    assert sent == []


def test_a_walk_that_stops_below_the_tolerance_says_so_and_a_new_function_clears_it(page):
    page.click("#tab-descent")
    page.select_option("#descent-function", "square")
    page.fill("#descent-learning-rate", "1e-9")
    page.click("#descent-run")
    page.wait_for_function("/tolerance/.test(document.querySelector('#descent-result').textContent)", timeout=10_000)
    result = page.inner_text("#descent-result")
    assert "after 1 step " in result and "1e-6" in result
    page.select_option("#descent-function", "bowl")  # the bowl's walk, at its start: the verdict goes
    page.wait_for_function("document.querySelector('#descent-plot').dataset.steps === '0' && "
                           "document.querySelector('#descent-x-heading').textContent === '(x, y)'", timeout=10_000)
    assert "tolerance" not in page.inner_text("#descent-result")
    assert page.inner_text("#descent-result").startswith("At the start.")


def test_a_walk_that_bounces_says_in_the_cores_words_that_it_did_not_settle(page):
    page.click("#tab-descent")
    page.select_option("#descent-function", "square")
    page.fill("#descent-learning-rate", "1.0")
    page.click("#descent-run")
    page.wait_for_function("/settle/.test(document.querySelector('#descent-result').textContent)", timeout=20_000)
    _, path = simple_gd(FUNCTIONS["square"].gradient, FUNCTIONS["square"].start, 1.0, n_iter=50)
    sentence = describe_walk(FUNCTIONS["square"], path, 50).sentence
    assert "still bouncing" in sentence
    assert page.inner_text("#descent-result") == (f"{sentence} Black dot: the start; orange dots: each step; "
                                                  "green arrow: downhill along the slope where it ended; ×: a minimum.")
    assert page.get_attribute("#descent-plot", "aria-label").endswith(sentence)


@pytest.mark.parametrize("width, height", [(375, 667), (1280, 800)])
def test_no_control_sticks_out_of_its_column_or_widens_the_page(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("#network .neuron[data-layer='3']")
    for tab in ("draw", "train", "descent"):
        page.click(f"#tab-{tab}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the {tab} tab is too wide"
    select = page.locator("#descent-function").bounding_box()
    rate = page.locator("#descent-learning-rate").bounding_box()
    column = page.locator("#descent-function").locator("xpath=..").bounding_box()
    assert select["x"] + select["width"] <= column["x"] + column["width"] + 0.5
    if rate["y"] < select["y"] + select["height"]:  # side by side: they must not overlap
        assert select["x"] + select["width"] <= rate["x"]
    context.close()


def test_the_pictures_have_names_and_the_answer_is_announced(page):
    for canvas in ("#draw-canvas", "#preview", "#neuron-weights", "#train-curve", "#descent-plot",
                   "#train-weights canvas"):
        element = page.locator(canvas).first
        assert element.get_attribute("role") == "img", canvas
        assert len(element.get_attribute("aria-label") or "") > 10, canvas
    assert page.locator("#train-weights canvas[role='img']").count() == 16
    _stroke(page, [(0.5, 0.15), (0.5, 0.5), (0.52, 0.85)])
    page.wait_for_function("document.querySelector('#answer').textContent.trim() === '1'", timeout=10_000)
    region = page.locator("[role='status'][aria-live='polite']:has(#answer)")
    assert region.inner_text().strip().startswith("The network reads: 1") or \
        "The network reads: 1" in region.text_content()
    assert "reads as 1" in page.get_attribute("#draw-canvas", "aria-label")


def test_arrow_keys_move_between_the_tabs(page):
    page.focus("#tab-draw")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-train", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-train"
    assert page.locator("#panel-train").is_visible() and not page.locator("#panel-draw").is_visible()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # from the first tab to the last
    last = page.evaluate("[...document.querySelectorAll('[role=\"tab\"]')].pop().id")
    assert last == "tab-mine" and page.get_attribute(f"#{last}", "aria-selected") == "true"
    assert page.get_attribute("#tab-draw", "tabindex") == "-1"


def test_a_neuron_can_be_opened_from_the_keyboard(page):
    neuron = page.locator("#network circle.neuron[data-layer='1'][data-index='3']")
    assert neuron.get_attribute("tabindex") == "0"
    assert neuron.get_attribute("role") == "button"
    assert neuron.get_attribute("aria-label") == "layer 1 neuron 3"
    assert page.get_attribute("#network", "role") != "img"  # an image's insides are hidden from screen readers
    neuron.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("/neuron 3/.test(document.querySelector('#neuron-title').textContent)", timeout=5_000)
    page.locator("#network circle.neuron[data-layer='2'][data-index='0']").focus()
    page.keyboard.press(" ")
    page.wait_for_function("/layer 2, neuron 0/.test(document.querySelector('#neuron-title').textContent)",
                           timeout=5_000)


def test_the_page_has_an_icon_so_the_browser_does_not_ask_for_favicon_ico(browser, server):
    context = browser.new_context()
    page = context.new_page()
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.goto(server)
    page.wait_for_selector("#network .neuron[data-layer='3']")
    href = page.get_attribute("link[rel='icon']", "href")
    assert href and href.startswith("data:")
    assert missing == []
    context.close()


def test_the_first_layer_weights_show_the_current_network_before_any_training(page):
    page.click("#tab-train")
    inked = page.evaluate("""() => [...document.querySelectorAll('#train-weights canvas')].map((c) => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const painted = (i) => data[i + 3] === 255 && Math.min(data[i], data[i + 1], data[i + 2]) < 230;
        return data.some((_, i) => i % 4 === 0 && painted(i));
    })""")
    assert inked == [True] * 16


# ---------------------------------------------------------------- a ReLU network

@pytest.fixture(scope="module")
def relu_server(mnist):
    """The page's app with a ReLU + softmax network trained for one epoch on 5,000 digits."""
    from digitnet import Network
    from digitnet.optimizers import SGD
    from digitnet.training import train
    from digitnet.web import create_app

    network = Network(activation="relu", cost="cross_entropy", seed=0)
    train(network, mnist[0].take(5000), optimizer=SGD(0.05), epochs=1, batch_size=10, rng=np.random.default_rng(0))
    with serving(create_app(network)) as url:
        yield url


@pytest.mark.training
def test_a_relu_network_is_explained_as_relu_and_coloured_over_its_range(browser, relu_server):
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.goto(relu_server)
    page.wait_for_function("/relu/.test(document.querySelector('#model-info').textContent)", timeout=10_000)
    explained = page.inner_text("#panel-draw")
    assert "ReLU" in explained and "bright when active (1)" not in explained
    _stroke(page, [(0.5, 0.15), (0.5, 0.5), (0.52, 0.85)])
    page.wait_for_function("/[0-9]/.test(document.querySelector('#answer').textContent)", timeout=10_000)
    page.click("#network circle.neuron[data-layer='1'][data-index='3']")
    page.wait_for_function("/[0-9]/.test(document.querySelector('#neuron-bias').textContent)", timeout=5_000)
    formula = page.inner_text("#neuron-formula")
    assert "ReLU" in formula and "sigmoid" not in formula and "σ" not in formula
    page.click("#network circle.neuron[data-layer='3'][data-index='1']")
    page.wait_for_function("/softmax/.test(document.querySelector('#neuron-formula').textContent)", timeout=5_000)
    above_one = page.evaluate("""() => {
        const fills = [];
        state.result.activations.slice(0, -1).forEach((acts, l) => acts.forEach((a, i) => {
            if (a > 1) fills.push(document.querySelector(
                `#network circle.neuron[data-layer='${l + 1}'][data-index='${i}']`).getAttribute('fill'));
        }));
        return fills;
    }""")
    assert len(above_one) >= 2, "the test needs a drawing that drives some ReLU neurons above 1"
    assert len(set(above_one)) > 1  # not all drawn the same white
    context.close()
