"""The handout (``digitnet report``) in a real headless Chromium: what a reader sees at desk and phone sizes.

Needs Debian's chromium at /usr/bin/chromium and the playwright package; without them these
tests are reported as skipped, never as passed. Screenshots go to test-artifacts/.
"""


import pytest
from conftest import ARTIFACTS

from digitnet.cli import main
from digitnet.viz import FIGURES
from digitnet.viz.style import DPI, HANDOUT_WIDTH


@pytest.fixture(scope="module")
def handout(trained_network, tmp_path_factory):
    folder = tmp_path_factory.mktemp("handout")
    model = trained_network.save(folder / "model.npz")
    assert main(["report", "--out", str(folder / "out"), "--model", str(model), "--quick"]) == 0
    return (folder / "out" / "index.html").as_uri()




def _shown(browser, url, width, name):
    """(each image's [src, rendered width, natural width, loaded], how far the page scrolls sideways)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    page.wait_for_load_state("load")
    images = page.evaluate("() => [...document.images].map(i => [i.getAttribute('src'), "
                           "i.getBoundingClientRect().width, i.naturalWidth, i.complete && i.naturalWidth > 0])")
    sideways = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"handout-{name}.png"))
    page.close()
    return images, sideways


def test_on_a_desk_every_figure_shows_at_its_natural_size_up_to_960_px(browser, handout):
    images, sideways = _shown(browser, handout, 1280, "desk")
    assert [src for src, *_ in images] == [f"{name}.png" for name in FIGURES]
    for src, width, natural, loaded in images:
        assert loaded, f"{src} did not load"
        assert natural == round(FIGURES[src[:-4]].size[0] * DPI)
        assert width == pytest.approx(min(natural, HANDOUT_WIDTH), abs=0.5), src  # what shown_scale assumes
    assert sideways == 0


def test_on_a_phone_nothing_runs_off_the_side(browser, handout):
    images, sideways = _shown(browser, handout, 390, "phone")
    assert sideways == 0
    for src, width, _, loaded in images:
        assert loaded and 0 < width <= 390, src
