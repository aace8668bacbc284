"""A screenshot of every tab and panel of the page, at a desk's size and a phone's, for people to look at.

Run:  python benchmarks/page_tour.py --out DIR [--model PATH]

It serves the page (``digitnet serve``'s app, on 127.0.0.1) with the model at PATH (the last
model trained, if not given), opens it in Debian's chromium through Playwright at 1280x800 and
at 390x844 (touch), draws a digit (an MNIST test 3, stroked onto the canvas by the pointer as a
person would) so the panels have something to show, and writes for each size:
``DIR/<size>-<tab>.png`` (the whole page on that tab) and ``DIR/<size>-<tab>-<n>-<card>.png``
(each card of the tab on its own). Then, at each size, it walks the issue's learner's path and
shoots each stage (``DIR/<size>-journey-*.png``): backpropagation step by step for the 3, with a step
towards the network's second choice at rate 3 (it prints the answer before and after); the seed
recipe started at the slow speed, paused in epoch 1 and stepped one mini-batch at a time (it prints the steps seen);
and Restore. It prints each file it writes.
"""

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

CHROMIUM = "/usr/bin/chromium"
SIZES = {"desk": {"viewport": {"width": 1280, "height": 800}},
         "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the folder for the screenshots")
    parser.add_argument("--model", help="the model to serve (default: the last one trained)")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("page_tour: playwright is not installed (pip install playwright)", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"page_tour: no chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with _serving(_app(args.model)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox",
                                                                             "--disable-gpu"])
        for size, options in SIZES.items():
            page = browser.new_page(**options)
            page.goto(url)
            page.wait_for_load_state("networkidle")
            _draw_a_three(page)
            page.locator("#keep button[data-digit='3']").click()  # kept (in a folder of the tour's own), so
            page.wait_for_function("() => /^Kept/.test(document.getElementById('keep-status').textContent)")
            _shoot(page.locator("#panel-draw .card").first, out / f"{size}-draw-kept.png")
            _draw_a_three(page)  # the My digits tab has one; the canvas, cleared, has the 3 again
            for tab in page.locator('[role="tab"]').all():
                name = tab.get_attribute("id").removeprefix("tab-")
                tab.click()
                page.wait_for_timeout(600)  # what the tab fetches and draws when shown
                _shoot(page, out / f"{size}-{name}.png", full_page=True)
                panel = page.locator(f"#panel-{name}")
                for n, card in enumerate(panel.locator(".card").all(), start=1):
                    if card.is_visible():
                        heading = card.locator("h2, h3").first
                        title = heading.inner_text() if heading.count() else "card"
                        _shoot(card, out / f"{size}-{name}-{n}-{_slug(title)}.png")
            _journey(page, out, size)
            page.close()
        browser.close()
    return 0


def _journey(page, out, size):
    """The learner's path: backprop for the 3 and a step that changes the answer; a training paused in
    epoch 1 and stepped; Restore. Each stage shot; what it shows printed."""
    page.locator("#tab-draw").click()
    card = page.locator("#backprop")
    card.scroll_into_view_if_needed()
    options = page.locator("#bp-target option").all_inner_texts()
    answer = page.locator("#answer").inner_text()
    second = _second_choice(page, answer)
    page.select_option("#bp-target", second)
    for n in range(1, 6):
        page.locator("#bp-next").click()
        page.wait_for_timeout(400)
        _shoot(card, out / f"{size}-journey-backprop-{n}.png")
        if page.locator("#bp-take").is_visible():
            break
    page.fill("#bp-rate", "3")
    page.locator("#bp-take").click()
    page.wait_for_timeout(600)
    _shoot(card, out / f"{size}-journey-backprop-step.png")
    print(f"  backprop: targets offered {len(options)}; it should be {second}; answer "
          f"{page.locator('#bp-answer-before').inner_text()} -> {page.locator('#bp-answer-after').inner_text()}, "
          f"cost {page.locator('#bp-cost-before').inner_text()} -> {page.locator('#bp-cost-after').inner_text()}")
    page.locator("#tab-train").click()
    page.select_option("#train-recipe", "seed")
    page.fill("#train-epochs", "3")
    page.fill("#train-examples", "60000")
    page.select_option("#train-speed", "slow")  # at full speed an epoch is gone in a tenth of a second
    page.locator("#train-start").click()
    page.wait_for_function("() => /epoch 1/i.test(document.getElementById('train-status').textContent)",
                           timeout=60_000)
    page.locator("#train-pause").click()
    page.wait_for_function("() => /paused/i.test(document.getElementById('train-status').textContent)",
                           timeout=30_000)
    _shoot(page, out / f"{size}-journey-train-paused.png", full_page=True)
    for n in range(1, 4):
        page.locator("#train-step").click()
        page.wait_for_timeout(700)
        print(f"  one step {n}: {page.locator('#train-step-text').inner_text()[:110]}")
    _shoot(page, out / f"{size}-journey-train-stepped.png", full_page=True)
    page.locator("#train-stop").click()
    page.wait_for_function("() => !/running|paused/i.test(document.getElementById('train-status').textContent)",
                           timeout=60_000)
    page.locator("#train-restore").click()
    page.wait_for_timeout(800)
    print(f"  restore: {page.locator('#train-status').inner_text()[:160]}")
    _shoot(page, out / f"{size}-journey-restored.png", full_page=True)


def _second_choice(page, answer):
    """The digit of the second-largest output shown on the page (the target a step can make the answer)."""
    rows = page.locator("#probabilities .prob").all()
    values = [float(row.locator(".value").inner_text()) for row in rows]
    order = sorted(range(len(values)), key=lambda d: -values[d])
    return str(order[1] if str(order[0]) == answer.strip() else order[0])


def _app(model):
    from digitnet import load
    from digitnet.cli.common import find_model
    from digitnet.web import create_app

    path = Path(model) if model else find_model(None)
    return create_app(load(path), my_digits=tempfile.mkdtemp(prefix="page-tour-my-digits-"))  # not the user's


def _draw_a_three(page):
    """Stroke the first MNIST test 3 onto the drawing canvas with the pointer (mouse or touch)."""
    from digitnet.data.mnist import load_mnist

    _, test_set = load_mnist()
    x = test_set.X[int(np.flatnonzero(test_set.labels == 3)[0])].reshape(28, 28)
    canvas = page.locator("#draw-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale = box["width"] / 28
    for row, col in zip(*np.nonzero(x > 0.5)):
        px, py = box["x"] + (col + 0.5) * scale, box["y"] + (row + 0.5) * scale
        page.mouse.move(px, py)
        page.mouse.down()
        page.mouse.move(px + 1, py + 1)
        page.mouse.up()
    page.wait_for_timeout(800)  # the answer arrives


def _shoot(target, path, **options):
    target.screenshot(path=str(path), **options)
    print(path)


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "card"


class _serving:
    """``app`` served by uvicorn on a free port of 127.0.0.1 in a thread while the block runs; its URL."""

    def __init__(self, app):
        import socket

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
