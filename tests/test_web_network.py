"""The network view as a person sees it: highlighted connections, what a second-layer neuron looks
for, dead neurons named, numbered weight bars, and tap targets and text big enough on a phone.

The API part (/api/dead-neurons) runs anywhere; the page part needs Chromium and Playwright, and
is skipped without them (as in test_web_page.py). Screenshots go to test-artifacts/.
"""


import numpy as np
import pytest
from conftest import ARTIFACTS, serving
from fastapi.testclient import TestClient

from digitnet import Network, load
from digitnet.web import create_app

DESK = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
ZEROED = 5  # the first-layer neuron whose incoming weights the tests set to 0
POSITIVE, NEGATIVE = (0x21, 0x66, 0xAC), (0xB2, 0x18, 0x2B)  # the lesson's sign colours


def with_zeroed_neuron(trained_network, tmp_path):
    """A copy of the trained network whose first-layer neuron ZEROED has all-zero incoming weights."""
    network = load(trained_network.save(tmp_path / "model.npz"))
    network.weights[0][:, ZEROED] = 0
    return network


def dead_neurons(network):
    with TestClient(create_app(network)) as client:
        response = client.get("/api/dead-neurons")
    assert response.status_code == 200
    return response.json()


def dead_ones(answer):
    return [(layer, i, n["why"]) for layer, neurons in enumerate(answer["layers"], start=1)
            for i, n in enumerate(neurons) if n["dead"]]


# ---- the API ----------------------------------------------------------------------------------

def test_a_neuron_with_all_zero_incoming_weights_is_the_only_dead_one_and_it_says_why(trained_network, tmp_path):
    answer = dead_neurons(with_zeroed_neuron(trained_network, tmp_path))
    assert answer["digits"] == 10_000
    [(layer, index, why)] = dead_ones(answer)
    assert (layer, index) == (1, ZEROED)
    assert "incoming weights are 0" in why
    neuron = answer["layers"][0][ZEROED]
    assert neuron["low"] == neuron["high"]  # the same output for every digit


def test_a_relu_neuron_below_zero_on_every_digit_is_dead_and_a_saturated_sigmoid_one_too():
    relu = Network(activation="relu", cost="cross_entropy", seed=0)
    relu.weights[0][:, 3] = -np.abs(relu.weights[0][:, 3])  # ink (0..1) only pushes z further below 0
    relu.biases[0][3] = -1.0
    [(layer, index, why)] = dead_ones(dead_neurons(relu))
    assert (layer, index) == (1, 3) and "below 0" in why and "ReLU gives 0" in why

    sigmoid = Network(seed=0)
    sigmoid.biases[1][7] = 60.0  # sigma(z) is 1 to float precision, whatever the digit
    [(layer, index, why)] = dead_ones(dead_neurons(sigmoid))
    assert (layer, index) == (2, 7) and "saturated" in why


# ---- the page ---------------------------------------------------------------------------------



@pytest.fixture(scope="module")
def zeroed(trained_network, tmp_path_factory):
    return with_zeroed_neuron(trained_network, tmp_path_factory.mktemp("zeroed"))


@pytest.fixture(scope="module")
def server(zeroed):
    with serving(create_app(zeroed)) as url:
        yield url


def open_page(browser, server, size):
    context = browser.new_context(**size)
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("#network circle.neuron[data-layer='3']")
    page.wait_for_load_state("networkidle")  # the model, and which neurons are dead
    return context, page


@pytest.fixture
def desk(browser, server):
    context, page = open_page(browser, server, DESK)
    yield page
    context.close()


@pytest.fixture
def phone(browser, server):
    context, page = open_page(browser, server, PHONE)
    yield page
    context.close()


def shot(element, name):
    ARTIFACTS.mkdir(exist_ok=True)
    element.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def canvas_pixels(page, selector):
    """The canvas's pixels as an array (height, width, 4), read in the page."""
    data = page.evaluate("""(selector) => {
        const canvas = document.querySelector(selector);
        const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        return {width: d.width, height: d.height, data: Array.from(d.data)};
    }""", selector)
    return np.array(data["data"], dtype=np.uint8).reshape(data["height"], data["width"], 4)


def near(pixels, colour, tolerance=40):
    """Which pixels are drawn (alpha > 0) in about ``colour`` (alpha blending darkens nothing on a clear canvas)."""
    drawn = pixels[..., 3] > 0
    return drawn & (np.abs(pixels[..., :3].astype(int) - colour).max(axis=-1) < tolerance)


def click_neuron(page, layer, index):
    page.click(f"#network circle.neuron[data-layer='{layer}'][data-index='{index}']")


def test_clicking_a_neuron_draws_its_incoming_and_outgoing_connections_in_the_sign_colours(desk):
    before = canvas_pixels(desk, "#network-lines")
    click_neuron(desk, 2, 4)
    desk.wait_for_function("document.querySelector('#neuron-title').textContent.includes('neuron 4')")
    after = canvas_pixels(desk, "#network-lines")
    assert before.shape == after.shape and (before != after).any()
    # the selected neuron's column in the canvas's pixels: lines on both sides of it
    column = desk.evaluate("""() => {
        const c = document.querySelector('#network-lines');
        const box = c.getBoundingClientRect();
        const n = document.querySelector("#network circle.neuron[data-layer='2'][data-index='4']").getBoundingClientRect();
        return (n.left + n.width / 2 - box.left) * c.width / box.width;
    }""")
    column = int(column)
    blue, red = near(after, POSITIVE), near(after, NEGATIVE)
    for side in (slice(0, column - 20), slice(column + 20, None)):  # incoming, outgoing
        assert blue[:, side].sum() > 50 and red[:, side].sum() > 50
    shot(desk.locator(".network-view"), "network-selected")


def test_a_second_layer_neuron_shows_what_it_looks_for_its_weights_applied_to_the_first_layers_images(desk, zeroed):
    click_neuron(desk, 2, 4)
    looks = desk.locator("#neuron-looks-for")
    looks.wait_for(state="visible", timeout=10_000)
    assert "leaves out" in desk.inner_text("#neuron-looks-hint")
    pixels = canvas_pixels(desk, "#neuron-looks-for")[..., :3].astype(int)
    assert pixels.reshape(-1, 3).std(axis=0).max() > 10  # not blank
    # sum_k w2[k, 4] * w1[:, k]: where it is most positive the image is blue, most negative red
    image = (zeroed.weights[0] @ zeroed.weights[1][:, 4]).reshape(28, 28)
    side = pixels.shape[0] // 28
    colour = pixels[side // 2::side, side // 2::side][:28, :28]  # one pixel from the middle of each cell
    blue_ness = colour[..., 2] - colour[..., 0]
    strongest = np.argsort(np.abs(image).ravel())[-40:]
    assert (np.sign(blue_ness.ravel()[strongest]) == np.sign(image.ravel()[strongest])).all()
    shot(desk.locator("#neuron-panel"), "network-looks-for")


def test_the_weight_bars_carry_the_numbers_of_the_neurons_they_come_from(desk):
    click_neuron(desk, 2, 4)
    desk.wait_for_function("document.querySelector('#neuron-weights').classList.contains('bars')", timeout=10_000)
    pixels = canvas_pixels(desk, "#neuron-weights")
    dpr = desk.evaluate("window.devicePixelRatio")
    strip = pixels[-int(16 * dpr):, :, :3].astype(int)  # the bottom 16 px: the numbers' row
    ink = np.abs(strip - (0xFA, 0xFB, 0xFD)).max(axis=-1) > 60  # text on the light background (grey for a dead one)
    cells = np.array_split(ink, 16, axis=1)  # one cell per bar
    assert all(cell.any() for cell in cells)


def test_a_dead_neuron_is_labelled_dead_with_a_word_why(desk):
    desk.wait_for_function("/dead neurons/i.test(document.querySelector('#network-dead').textContent)",
                           timeout=10_000)
    labels = desk.locator("#network text.dead-label")
    assert labels.count() == 1
    assert labels.get_attribute("data-layer") == "1" and labels.get_attribute("data-index") == str(ZEROED)
    assert labels.is_visible() and labels.text_content() == "dead"
    note = desk.inner_text("#network-dead")
    assert f"layer 1 neuron {ZEROED}" in note and "incoming weights are 0" in note
    click_neuron(desk, 1, ZEROED)
    desk.wait_for_selector("#neuron-dead:not([hidden])")
    assert "incoming weights are 0" in desk.inner_text("#neuron-dead")
    click_neuron(desk, 1, ZEROED + 1)
    desk.wait_for_selector("#neuron-dead", state="hidden")


def test_on_a_phone_every_neuron_is_a_tap_target_of_24_px_and_the_text_is_12_px_or_more(phone):
    missed = phone.evaluate("""() => {
        const missed = [];
        for (const el of document.querySelectorAll('#network circle.neuron')) {
            el.scrollIntoView({block: 'center'});
            const box = el.getBoundingClientRect();
            const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
            for (const [dx, dy] of [[0, 0], [-12, 0], [12, 0], [0, -12], [0, 12]]) {
                const hit = document.elementFromPoint(cx + dx, cy + dy);
                const target = hit && hit.closest('.neuron, .hit');
                if (!target || target.dataset.layer !== el.dataset.layer || target.dataset.index !== el.dataset.index)
                    missed.push(`${el.dataset.layer}/${el.dataset.index} at ${dx},${dy}`);
            }
        }
        return missed;
    }""")
    assert missed == []
    # a tap 10 px off a neuron's centre opens it
    circle = phone.locator("#network circle.neuron[data-layer='2'][data-index='9']")
    circle.scroll_into_view_if_needed()
    box = circle.bounding_box()
    phone.touchscreen.tap(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2)
    phone.wait_for_function("document.querySelector('#neuron-title').textContent.includes('layer 2, neuron 9')")
    small = phone.evaluate("""() => {
        const svg = document.querySelector('#network');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const small = [];
        for (const t of svg.querySelectorAll('text')) {
            const px = parseFloat(getComputedStyle(t).fontSize) * scale;
            if (px < 12) small.push(`${t.textContent}: ${px.toFixed(1)} px`);
        }
        for (const el of document.querySelectorAll('.network-layout *, #network-dead')) {
            if (el.closest('svg') || !el.offsetParent) continue;
            const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
            const px = parseFloat(getComputedStyle(el).fontSize);
            if (own && px < 12) small.push(`${el.id || el.tagName}: ${px} px`);
        }
        const bars = document.querySelector('#neuron-weights');  // its numbers are drawn at 12 px, if not shrunk
        const shrink = bars.getBoundingClientRect().width / (bars.width / devicePixelRatio);
        if (shrink < 0.999) small.push(`bar numbers: ${(12 * shrink).toFixed(1)} px`);
        return small;
    }""")
    assert small == []
    shot(phone.locator(".card", has=phone.locator("#network")), "network-phone")
