"""A training you can follow: step events, epoch 0, pace (pause, resume, one step, slow), Restore, the last
run kept for a reload; through the API, and in Chromium as a person sees it (see test_web_page.py)."""

import json
import re
import time

import numpy as np
import pytest
from conftest import open_page

import digitnet
from digitnet.web import create_app
from digitnet.web.training_pace import dead_neurons


def read_events(client):
    """All (event, data) of /api/train/events until "done"."""
    events = []
    for block in client.get("/api/train/events").text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def wait_for(client, holds, seconds=60):
    """The training's status once ``holds(status)``; fails if it never does within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get("/api/train/status").json()
        if holds(status):
            return status
        time.sleep(0.02)
    raise AssertionError(f"the training never got there: {status}")


def step_events(client):
    return [data for name, data in client.app.state.training.events if name == "step"]


# -- the API -------------------------------------------------------------------------------------

def test_at_full_speed_each_epoch_sends_at_least_ten_step_events_with_the_mini_batch_cost(client):
    assert client.post("/api/train", json={"epochs": 2, "examples": 2000}).status_code == 202
    events = read_events(client)
    steps = [data for name, data in events if name == "step"]
    for epoch in (1, 2):
        mine = [s for s in steps if s["epoch"] == epoch]
        assert len(mine) >= 10
        assert all(s["type"] == "step" and 0 < s["step"] <= s["steps"] == 200 for s in mine)
        assert all(s["batch_cost"] > 0 and s["learning_rate"] > 0 for s in mine)
    assert [s["examples"] for s in steps] == sorted(s["examples"] for s in steps)


def test_epoch_zero_is_the_random_network_near_one_in_ten(client):
    assert client.post("/api/train", json={"epochs": 1, "examples": 500}).status_code == 202
    name, first = read_events(client)[0]
    assert name == "epoch" and first["epoch"] == 0
    assert 0.02 < first["test_accuracy"] < 0.25 and first["test_cost"] > 0


def test_a_one_step_request_advances_exactly_one_mini_batch_and_shows_it(client):
    assert client.post("/api/train", json={"epochs": 1, "examples": 2000, "speed": "step"}).status_code == 202
    wait_for(client, lambda s: s["waiting"] and s["step"] == 1)
    assert client.post("/api/train/step", json={}).status_code == 200
    status = wait_for(client, lambda s: s["waiting"] and s["step"] >= 2)
    assert status["step"] == 2 and status["paused"]
    steps = step_events(client)
    assert [s["step"] for s in steps] == [1, 2]
    batch = steps[1]["batch"]
    assert np.shape(batch["images"]) == (10, 784) and len(batch["labels"]) == len(batch["answers_after"]) == 10
    assert np.shape(batch["weight_change"]) == (16, 784) and batch["change_size"] > 0
    assert batch["cost_before"] == pytest.approx(steps[1]["batch_cost"], rel=1e-4)  # the hook's own cost
    client.post("/api/train/stop", json={})
    assert read_events(client)[-1][0] == "done"


def test_only_the_latest_single_step_keeps_its_digits_so_the_history_stays_small(client):
    assert client.post("/api/train", json={"epochs": 1, "examples": 2000, "speed": "step"}).status_code == 202
    wait_for(client, lambda s: s["waiting"] and s["step"] == 1)
    for n in range(2, 7):
        client.post("/api/train/step", json={})
        wait_for(client, lambda s, n=n: s["waiting"] and s["step"] == n)
    steps = step_events(client)
    assert [s["step"] for s in steps if "batch" in s] == [6]  # each step's 10 images and 16 x 784 changes: ~370 KB
    assert len(client.get("/api/train/history").content) < 1_000_000
    client.post("/api/train/stop", json={})


def test_one_step_asked_of_a_running_training_pauses_it_and_the_next_runs_one_mini_batch(client):
    # long enough that it is still running when asked (an epoch of 60,000 takes a tenth of a second or less)
    assert client.post("/api/train", json={"epochs": 200, "examples": 60_000, "speed": "full"}).status_code == 202
    wait_for(client, lambda s: s["step"] >= 1)
    client.post("/api/train/step", json={})
    held = wait_for(client, lambda s: s["waiting"])
    assert held["paused"] and held["step"] % (6_000 // 20) == 0  # held at a report: no step was taken to show
    client.post("/api/train/step", json={})
    after = wait_for(client, lambda s: s["waiting"] and s["step"] != held["step"])
    assert after["step"] == held["step"] + 1  # not all the mini-batches up to the next report
    client.post("/api/train/stop", json={})


def test_pause_holds_the_training_and_resume_lets_it_go_on(client):
    assert client.post("/api/train", json={"epochs": 1, "examples": 2000, "speed": "slow"}).status_code == 202
    wait_for(client, lambda s: s["step"] >= 2)
    assert client.post("/api/train/pause", json={}).json()["paused"] is True
    held = wait_for(client, lambda s: s["waiting"])
    count = len(step_events(client))
    time.sleep(0.5)  # held: nothing more comes (slow sends five a second)
    assert len(step_events(client)) == count and client.get("/api/train/status").json()["step"] == held["step"]
    assert client.post("/api/train/resume", json={}).json()["paused"] is False
    wait_for(client, lambda s: s["step"] > held["step"] + 2)
    assert len(step_events(client)) > count
    # within an epoch the weights now and then ("dead" comes with them, and stays when the job drops older weights)
    assert sum("dead" in s for s in step_events(client)) >= 2
    client.post("/api/train/speed", json={"speed": "full"})
    assert read_events(client)[-1][1]["stopped"] is None


def test_pacing_without_a_training_is_refused_with_a_sentence(client):
    for path in ("/api/train/pause", "/api/train/resume", "/api/train/step"):
        response = client.post(path, json={})
        assert response.status_code == 409 and "no training is running" in response.json()["detail"]
    assert client.post("/api/train/speed", json={"speed": "warp"}).status_code == 422


def test_restore_brings_back_the_started_with_network_and_a_worse_run_says_what_it_replaced(client, network):
    before = client.get("/api/model").json()["weights"]
    assert client.post("/api/train", json={"epochs": 1, "examples": 1000}).status_code == 202
    done = read_events(client)[-1][1]
    assert done["test_accuracy"] < done["replaced_test_accuracy"]  # 1,000 digits once: worse than the seed's
    assert client.get("/api/model").json()["weights"] != before
    assert client.post("/api/train/restore", json={}).json()["restored"] is True
    assert client.get("/api/model").json()["weights"] == before


def test_the_last_trainings_events_are_kept_for_a_page_loaded_after_it(client):
    assert client.get("/api/train/history").json()["events"] == []
    assert client.post("/api/train", json={"epochs": 1, "examples": 1000}).status_code == 202
    streamed = read_events(client)
    kept = client.get("/api/train/history").json()
    assert [(e["event"], e.get("epoch"), e.get("step")) for e in kept["events"]] == \
        [(name, data.get("epoch"), data.get("step")) for name, data in streamed]
    assert sum("weights0" in e for e in kept["events"]) == 1  # only the latest picture of the weights is kept
    assert kept["settings"]["examples"] == 1000


def test_a_relu_neuron_that_never_fires_on_the_probe_is_dead_and_a_sigmoid_one_never_is(mnist):
    probe = mnist[1].X[:500]
    relu = digitnet.Network(activation="relu", cost="cross_entropy")
    relu.biases[0][:] = 1000.0  # every neuron fires on every digit ...
    relu.biases[0][[3, 11]] = -1000.0  # ... but these two, on none
    assert dead_neurons(relu, probe) == [3, 11]
    sigmoid = digitnet.Network()
    sigmoid.biases[0][3] = -1000.0
    assert dead_neurons(sigmoid, probe) == []


# -- the page, in Chromium -----------------------------------------------------------------------



@pytest.fixture
def page(browser, server):
    page = open_page(browser, server, viewport={"width": 1300, "height": 950})
    context = page.context
    page.click("#tab-train")
    yield page
    context.close()


def dark_pixels_in_the_plot(page):
    """How many pixels of the curve's plot area are dark grey or darker (the smoothed cost's line, #333)."""
    return page.evaluate("""() => {
        const c = document.querySelector('#train-curve');
        const data = c.getContext('2d').getImageData(53, 29, c.width - 110, c.height - 70).data;
        let dark = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] < 90 && data[i + 1] < 90 && data[i + 2] < 90) dark++;
        return dark;
    }""")


def steps_drawn(page):
    return int(page.get_attribute("#train-curve", "data-steps") or 0)


def start(page, speed, epochs="1", examples="2000"):
    page.select_option("#train-speed", speed)
    page.fill("#train-epochs", epochs)
    page.fill("#train-examples", examples)
    page.click("#train-start")


def finish(page):
    page.click("#train-stop")
    page.wait_for_function("/^(Finished|Stopped)/.test(document.querySelector('#train-status').textContent)",
                           timeout=60_000)


def test_the_curve_gains_points_within_the_first_epoch(page):
    assert dark_pixels_in_the_plot(page) == 0
    start(page, "slow")
    page.wait_for_function("Number(document.querySelector('#train-curve').dataset.steps) >= 5", timeout=30_000)
    assert page.get_attribute("#train-curve", "data-epochs") == "0"  # still in the first epoch
    first = dark_pixels_in_the_plot(page)
    assert first > 20
    page.wait_for_function(f"Number(document.querySelector('#train-curve').dataset.steps) >= {steps_drawn(page) + 3}",
                           timeout=30_000)
    assert dark_pixels_in_the_plot(page) > first
    finish(page)


def test_pause_stops_the_steps_and_resume_goes_on(page):
    start(page, "slow")
    page.wait_for_function("Number(document.querySelector('#train-curve').dataset.steps) >= 2", timeout=30_000)
    page.click("#train-pause")
    page.wait_for_function("/Paused in epoch 1/.test(document.querySelector('#train-status').textContent)",
                           timeout=10_000)
    held = int(re.search(r"after mini-batch (\d+)", page.inner_text("#train-status")).group(1))
    # at the slow speed every mini-batch is a step event: wait for the ones on their way, then for none
    page.wait_for_function(f"Number(document.querySelector('#train-curve').dataset.steps) === {held}", timeout=10_000)
    page.wait_for_timeout(800)
    assert steps_drawn(page) == held
    assert page.locator("#train-resume").is_enabled() and page.locator("#train-pause").is_disabled()
    page.click("#train-resume")
    page.wait_for_function(f"Number(document.querySelector('#train-curve').dataset.steps) > {held}", timeout=10_000)
    finish(page)


def test_one_step_shows_its_ten_digits_and_the_change_to_the_weights(page):
    start(page, "step")
    page.wait_for_function("/mini-batch 1 of 200/.test(document.querySelector('#train-step-text').textContent)",
                           timeout=30_000)
    page.click("#train-step")
    page.wait_for_function("/mini-batch 2 of 200/.test(document.querySelector('#train-step-text').textContent)",
                           timeout=10_000)
    inked = """() => [...document.querySelectorAll('#train-step-digits canvas')].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 128) ink++;
        return ink;
    })"""
    # the step's text comes first and its digits are painted after it: wait for them, then check all ten
    page.wait_for_function(f"({inked})().length === 10 && ({inked})().every((ink) => ink > 20)", timeout=10_000)
    assert page.locator("#train-step-digits canvas").count() == 10
    assert all(ink > 20 for ink in page.evaluate(inked))
    assert page.locator("#train-step-change canvas").count() == 16
    finish(page)


def test_restore_brings_back_the_network_the_page_started_with(page, trained_network):
    weights = "() => fetch('/api/model').then((r) => r.json()).then((m) => m.weights[0])"
    page.evaluate("() => fetch('/api/train/restore', {method: 'POST', headers: {'Content-Type': 'application/json'}, "
                  "body: '{}'})")  # whatever the tests before left, the started-with network is the one replaced
    start(page, "full", examples="1000")
    page.wait_for_function("/^Finished/.test(document.querySelector('#train-status').textContent)", timeout=60_000)
    assert "worse than the one it replaced" in page.inner_text("#train-status")
    assert not np.allclose(page.evaluate(weights), trained_network.weights[0])
    page.click("#train-restore")
    page.wait_for_function("/Restored/.test(document.querySelector('#train-status').textContent)", timeout=10_000)
    np.testing.assert_array_equal(np.array(page.evaluate(weights), dtype=np.float32), trained_network.weights[0])


def test_after_a_reload_the_last_runs_curve_is_drawn(page):
    start(page, "full", examples="1000")
    page.wait_for_function("/^Finished/.test(document.querySelector('#train-status').textContent)", timeout=60_000)
    drawn = steps_drawn(page)
    page.reload()
    page.click("#tab-train")
    page.wait_for_function("Number(document.querySelector('#train-curve').dataset.steps) > 0", timeout=10_000)
    assert steps_drawn(page) == drawn and page.get_attribute("#train-curve", "data-epochs") == "1"
    assert dark_pixels_in_the_plot(page) > 20
    assert "Before this page was loaded" in page.inner_text("#train-status")


@pytest.fixture(scope="module")
def dead_server(tmp_path_factory):
    """The page with a ReLU network whose first-layer neuron 5 never fires (and every other one always does)."""
    from conftest import serving

    network = digitnet.Network(activation="relu", cost="cross_entropy")
    network.biases[0][:] = 1000.0
    network.biases[0][5] = -1000.0
    path = network.save(tmp_path_factory.mktemp("dead") / "relu.npz")
    with serving(create_app(digitnet.load(path))) as url:
        yield url


def test_a_dead_neurons_tile_says_dead_and_why(browser, dead_server):
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    page = context.new_page()
    page.goto(dead_server)
    page.click("#tab-train")
    page.wait_for_function("/Dead/.test(document.querySelector('#train-dead').textContent)", timeout=20_000)
    labels = page.locator("#train-weight-labels span")
    assert [labels.nth(i).inner_text() for i in range(16)] == [f"{i} dead" if i == 5 else str(i) for i in range(16)]
    label, tile = labels.nth(5).bounding_box(), page.locator("#train-weights canvas").nth(5).bounding_box()
    assert tile["x"] <= label["x"] and label["x"] + label["width"] <= tile["x"] + tile["width"] + 1
    assert tile["y"] <= label["y"] and label["y"] + label["height"] <= tile["y"] + tile["height"] + 1
    assert "ReLU gives 0" in page.inner_text("#train-dead")
    context.close()


def test_on_a_phone_the_curve_is_drawn_at_the_size_it_is_shown_so_its_text_stays_12_px(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.goto(server)
    page.click("#tab-train")
    page.wait_for_function("document.querySelector('#train-curve').clientWidth > 0")
    page.wait_for_timeout(200)  # the ResizeObserver's redraw
    shown, drawn = page.evaluate("() => { const c = document.querySelector('#train-curve'); "
                                 "return [c.clientWidth, c.width / devicePixelRatio]; }")
    assert shown < 390 and drawn == pytest.approx(shown, abs=1)
    context.close()
