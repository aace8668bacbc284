"""Shared fixtures: the bundled MNIST (loaded once), small IDX folders, a private model home."""

import gzip
import struct
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import digitnet
from digitnet.data.mnist import load_mnist


def write_idx(path, array, compress=False):
    """Write a uint8 array as an IDX file (gzip-compressed if ``compress``)."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_idx_folder(folder, train_images, train_labels, test_images, test_labels, compress=False):
    """A folder with the four MNIST-style files, as ``--data`` expects."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", train_images, compress)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", train_labels, compress)
    write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", test_images, compress)
    write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", test_labels, compress)
    return folder


@pytest.fixture(scope="session")
def mnist():
    """(train, test): the real bundled MNIST."""
    return load_mnist()


@pytest.fixture(scope="session")
def small_mnist_folder(tmp_path_factory, mnist):
    """A folder of IDX files with the first 2,000 training and 500 test digits of MNIST."""
    train, test = mnist
    folder = tmp_path_factory.mktemp("small-mnist")
    to_images = lambda X: np.round(X * 255).reshape(-1, 28, 28)  # noqa: E731
    return write_idx_folder(folder, to_images(train.X[:2000]), train.labels[:2000],
                            to_images(test.X[:500]), test.labels[:500], compress=True)


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    """Each test trains and looks for models in its own folder, never the user's."""
    home = tmp_path / "digitnet-home"
    monkeypatch.setenv("DIGITNET_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def trained_network(mnist):
    """A seed network trained for 3 epochs on the real MNIST (about 92% test accuracy)."""
    from digitnet import Network
    from digitnet.optimizers import SGD
    from digitnet.training import train

    network = Network(seed=0)
    train(network, mnist[0], optimizer=SGD(3.0), epochs=3, batch_size=10, rng=np.random.default_rng(0))
    return network


@pytest.fixture
def viz_context(trained_network, mnist):
    """A figure Context with the trained network and the MNIST already loaded, in quick mode."""
    import matplotlib

    matplotlib.use("Agg")
    from digitnet.viz import Context

    return Context(network=trained_network, quick=True, rng=np.random.default_rng(0), datasets=mnist)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app, **options):
    """``app`` served by uvicorn on 127.0.0.1 in a thread, for as long as the block runs; its base URL.
    ``options``: more of uvicorn's settings (``digitnet serve``'s, say)."""
    import threading
    import time

    import uvicorn

    port = free_port()
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                   **options))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not uvicorn_server.started and time.time() < deadline:
        time.sleep(0.05)
    assert uvicorn_server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(trained_network, tmp_path_factory):
    """The page's app with the trained network, served by uvicorn on 127.0.0.1 in a thread; its base URL."""
    from digitnet import load
    from digitnet.web import create_app

    path = trained_network.save(tmp_path_factory.mktemp("web") / "model.npz")
    with serving(create_app(load(path), model_path=path)) as url:
        yield url


_drawn = {}  # each figure is drawn once for the whole session: they are deterministic


@pytest.fixture
def drawn(viz_context):
    """``drawn(name)``: the figure ``name`` made from the quick context and drawn (cached)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from digitnet.viz import FIGURES

    def draw(name):
        if name not in _drawn:
            entry = FIGURES[name]
            fig = Figure(figsize=entry.size)
            FigureCanvasAgg(fig)
            entry.make(fig, viz_context)
            fig.canvas.draw()
            _drawn[name] = fig
        return _drawn[name]

    return draw


def lines_labelled(ax, start):
    """The lines on ``ax`` whose label starts with ``start``."""
    return [line for line in ax.get_lines() if line.get_label().startswith(start)]


def reads_as_sign(color):
    """Whether a matplotlib colour reads as the lesson's sign blue or red (a clear hue near either, not grey)."""
    import colorsys

    from matplotlib.colors import to_rgb

    hue, lightness, saturation = colorsys.rgb_to_hls(*to_rgb(color))
    degrees = 360 * hue
    return saturation > 0.3 and 0.15 < lightness < 0.85 and (190 <= degrees <= 250 or degrees <= 15 or degrees >= 345)


def line_colors(fig):
    """(label, colour) for each colour a reader sees on the lines of ``fig``'s axes: a line's own colour
    where its line is drawn, its markers' edge and face where they are."""
    from matplotlib.markers import MarkerStyle

    shown = []
    for line in (line for ax in fig.axes for line in ax.get_lines()):
        colors = [line.get_color()] if line.get_linestyle() not in ("None", "none", "", " ") else []
        if line.get_marker() not in ("None", "none", "", " ", None):
            filled = MarkerStyle(line.get_marker()).is_filled()  # "_" or "+" have no face to colour
            colors += [line.get_markeredgecolor()] + ([line.get_markerfacecolor()] if filled else [])
        shown += [(line.get_label(), color) for color in colors if str(color).lower() != "none"]
    return shown


# -- a real browser for the page's tests (Playwright driving Debian's chromium) ------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"  # screenshots the page's tests keep, to look at
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


DESK = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


@pytest.fixture
def network(trained_network, tmp_path):
    """A copy of the session's trained network, so that a test (a training, a restore) cannot change it."""
    return digitnet.load(trained_network.save(tmp_path / "copy.npz"))


@pytest.fixture
def client(network):
    """The page's API for ``network``, through a TestClient (its lifespan run, as uvicorn would)."""
    from fastapi.testclient import TestClient

    from digitnet.web import create_app

    with TestClient(create_app(network)) as client:
        yield client


def open_page(browser, url, **context):
    """A page at ``url`` in a fresh browser context (``**DESK`` or ``**PHONE``), once it has drawn the network;
    close it with ``page.context.close()``."""
    page = browser.new_context(**context).new_page()
    page.goto(url)
    page.wait_for_selector("#network .neuron[data-layer='3']")
    return page


@pytest.fixture(scope="module")
def browser():
    """A headless chromium; the tests that need it are reported as skipped (never passed) without
    playwright or Debian's chromium (./test.sh installs both when it can)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: the page was not tested")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: the page was not tested")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_FLAGS)
        yield chromium
        chromium.close()
