"""The web page in a real headless Chromium, driven like a person would (Playwright).

Needs Debian's chromium at /usr/bin/chromium (./test.sh installs it when it can) and the
playwright package; without them these tests are reported as skipped, never as passed.
Screenshots are kept in test-artifacts/ at the top of the repository.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: the page was not tested")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed: the page was not tested", allow_module_level=True)




@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("#network .neuron[data-layer='3']")
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
    page.wait_for_function("/\\d/.test(document.querySelector('#train-status').textContent)", timeout=30_000)
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
    page.click("#train-start")
    page.wait_for_function("Number(document.querySelector('#train-curve').dataset.epochs || 0) >= 1", timeout=30_000)
    page.click("#train-stop")
    page.wait_for_function("/stop/i.test(document.querySelector('#train-status').textContent)", timeout=30_000)
    epochs = int(page.get_attribute("#train-curve", "data-epochs"))
    assert 1 <= epochs < 50
    _shot(page, "train-stopped")
