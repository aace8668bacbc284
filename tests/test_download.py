"""Downloading Fashion-MNIST and KMNIST: against a local HTTP server on 127.0.0.1, never the internet."""

import hashlib
import http.server
import json
import re
import socket
import threading
import time

import numpy as np
import pytest
from conftest import write_idx_folder

from digitnet.cli import main
from digitnet.cli.common import cache_home
from digitnet.data.download import SOURCES, DownloadError, RemoteFile, Source, fetch
from digitnet.data.mnist import FILES, load_mnist


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout test) is expected, not worth a traceback


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the mirror's files whole, or in the way its ``mode`` says to fail."""

    def do_GET(self):
        mirror = self.server.mirror
        mirror.requests += 1
        body = mirror.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        if mirror.mode == "slow":
            time.sleep(1.0)
        self.send_response(200)
        if mirror.mode != "no-length":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mirror.mode == "truncated":
            body = body[: len(body) // 2]  # then the connection closes (HTTP/1.0)
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Mirror:
    """A local stand-in for a dataset's mirror; it counts the requests it gets."""

    def __init__(self, files):
        self.files = files
        self.requests = 0
        self.mode = "whole"
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.mirror = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def source(self, name="fashion-mnist", title="Fashion-MNIST", **wrong):
        """A Source of the files served, with their true sizes and SHA-256s unless ``wrong`` says otherwise."""
        files = tuple(RemoteFile(file_name, wrong.get("size", len(body)),
                                 wrong.get(file_name, hashlib.sha256(body).hexdigest()))
                      for file_name, body in self.files.items())
        return Source(name, title, self.url, files, SOURCES[name].class_names)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def idx_files(tmp_path_factory):
    """The four .gz files of a small MNIST-style set: 1,000 training and 200 test digits of the bundled MNIST."""
    train, test = load_mnist()
    to_images = lambda X: np.round(X * 255).reshape(-1, 28, 28)  # noqa: E731
    folder = write_idx_folder(tmp_path_factory.mktemp("served"), to_images(train.X[:1000]), train.labels[:1000],
                              to_images(test.X[:200]), test.labels[:200], compress=True)
    return {f"{stem}.gz": (folder / f"{stem}.gz").read_bytes() for stem in FILES.values()}


@pytest.fixture
def mirror(idx_files):
    server = Mirror(idx_files)
    yield server
    server.close()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Each test downloads into its own cache folder, never the user's."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DIGITNET_CACHE", str(folder))
    monkeypatch.delenv("DIGITNET_MIRROR", raising=False)
    return folder


@pytest.fixture
def dead_url():
    """The address of a port on 127.0.0.1 that nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _files_in(folder):
    return sorted(path.name for path in folder.rglob("*")) if folder.exists() else []


def test_fetch_caches_the_four_files_and_a_second_fetch_does_not_touch_the_network(mirror, cache):
    seen = []
    folder = fetch(mirror.source(), cache / "fashion-mnist", progress=lambda done, total: seen.append((done, total)))
    assert _files_in(folder) == sorted(mirror.files)
    assert mirror.requests == 4
    total = sum(len(body) for body in mirror.files.values())
    assert seen[-1] == (total, total) and [done for done, _ in seen] == sorted(done for done, _ in seen)
    train, test = load_mnist(folder)
    assert (len(train), len(test)) == (1000, 200)

    assert fetch(mirror.source(), folder) == folder
    assert mirror.requests == 4


def test_a_file_missing_from_the_cache_is_the_only_one_fetched_again(mirror, cache):
    folder = fetch(mirror.source(), cache / "fashion-mnist")
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    fetch(mirror.source(), folder)
    assert mirror.requests == 6
    assert load_mnist(folder)[1].labels.tolist() == load_mnist()[1].labels[:200].tolist()


def test_a_file_with_the_wrong_sha256_is_refused_and_nothing_is_left_in_the_cache(mirror, cache):
    wrong = {"train-images-idx3-ubyte.gz": "0" * 64}
    with pytest.raises(DownloadError, match=r"SHA-256 is [0-9a-f]{64}, not the published 0{64}"):
        fetch(mirror.source(**wrong), cache / "fashion-mnist")
    assert _files_in(cache) == []


def test_a_failure_after_some_files_keeps_the_whole_ones_and_no_part_of_the_failed_one(mirror, cache):
    wrong = {"t10k-images-idx3-ubyte.gz": "0" * 64}
    with pytest.raises(DownloadError, match="t10k-images-idx3-ubyte.gz"):
        fetch(mirror.source(**wrong), cache / "fashion-mnist")
    assert _files_in(cache) == ["fashion-mnist", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


def test_a_response_cut_short_is_refused_and_nothing_is_left_in_the_cache(mirror, cache):
    mirror.mode = "truncated"
    with pytest.raises(DownloadError, match="closed"):
        fetch(mirror.source(), cache / "fashion-mnist")
    assert _files_in(cache) == []


def test_a_server_that_sends_more_than_the_published_size_is_stopped_there(mirror, cache):
    mirror.mode = "no-length"
    with pytest.raises(DownloadError, match="more than the published 100 bytes"):
        fetch(mirror.source(size=100), cache / "fashion-mnist")
    assert _files_in(cache) == []


def test_a_content_length_other_than_the_published_size_is_refused_before_reading(mirror, cache):
    with pytest.raises(DownloadError, match="offers [0-9,]+ bytes, not the published 100"):
        fetch(mirror.source(size=100), cache / "fashion-mnist")
    assert _files_in(cache) == []


def test_a_server_that_does_not_answer_in_time_is_given_up(mirror, cache):
    mirror.mode = "slow"
    started = time.perf_counter()
    with pytest.raises(DownloadError, match=r"no answer within 0.2 s"):
        fetch(mirror.source(), cache / "fashion-mnist", timeout=0.2)
    assert time.perf_counter() - started < 1.0
    assert _files_in(cache) == []


def test_a_missing_file_on_the_mirror_says_the_http_status(mirror, cache):
    source = mirror.source()
    source = Source(source.name, source.title, source.mirror + "elsewhere/", source.files, source.class_names)
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(source, cache / "fashion-mnist")


def test_offline_the_connection_is_refused_and_the_error_names_the_address(mirror, cache, dead_url):
    with pytest.raises(DownloadError) as caught:
        fetch(mirror.source(), cache / "fashion-mnist", mirror=dead_url)
    assert str(caught.value) == (f"could not download Fashion-MNIST from {dead_url}train-images-idx3-ubyte.gz "
                                 f"(connection refused)")
    assert _files_in(cache) == []


def test_a_mirror_that_is_not_http_is_refused(mirror, cache):
    with pytest.raises(ValueError, match="not an http"):
        fetch(mirror.source(), cache / "fashion-mnist", mirror="file:///etc/")


def test_the_published_files_are_the_four_mnist_style_ones_with_sizes_and_sha256s():
    for source in SOURCES.values():
        assert sorted(file.name for file in source.files) == sorted(f"{stem}.gz" for stem in FILES.values())
        assert all(file.size > 5000 and re.fullmatch("[0-9a-f]{64}", file.sha256) for file in source.files)
        assert source.mirror.startswith("http") and source.mirror.endswith("/")
        assert len(source.class_names) == 10


def test_the_cache_is_digitnet_cache_else_xdg_cache_home_else_dot_cache(monkeypatch, tmp_path):
    assert cache_home() == tmp_path / "cache"
    monkeypatch.delenv("DIGITNET_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_home() == tmp_path / "xdg" / "digitnet"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_home() == tmp_path / "home" / ".cache" / "digitnet"


# the command line


@pytest.fixture
def fashion_mirror(mirror, monkeypatch):
    """The local mirror, standing in for Fashion-MNIST's, with its files' checksums as the published ones."""
    monkeypatch.setitem(SOURCES, "fashion-mnist", mirror.source())
    monkeypatch.setenv("DIGITNET_MIRROR", mirror.url)
    return mirror


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_dataset_downloads_trains_and_saves_and_evaluate_then_uses_the_cache(fashion_mirror, capsys, cache,
                                                                                    model_home):
    code, out, err = run(capsys, "train", "--dataset", "fashion-mnist", "--epochs", "1", "--json")
    assert code == 0, err
    assert "Downloading Fashion-MNIST" in err
    final = json.loads(out.splitlines()[-1])
    assert final["epochs"] == 1 and final["model"] == str(model_home / "model.npz")
    assert (model_home / "model.npz").is_file()
    assert _files_in(cache / "fashion-mnist") == sorted(fashion_mirror.files)
    assert fashion_mirror.requests == 4

    code, out, err = run(capsys, "evaluate", "--dataset", "fashion-mnist", "--json")
    assert code == 0, err
    assert sum(map(sum, json.loads(out)["confusion"])) == 200
    assert fashion_mirror.requests == 4 and "Downloading" not in err


def test_train_dataset_offline_says_what_to_do_in_one_sentence(fashion_mirror, capsys, cache, model_home,
                                                                 dead_url, monkeypatch):
    monkeypatch.setenv("DIGITNET_MIRROR", dead_url)
    code, out, err = run(capsys, "train", "--dataset", "fashion-mnist", "--epochs", "1")
    assert code == 2
    assert err == (f"digitnet: could not download Fashion-MNIST from {dead_url}train-images-idx3-ubyte.gz "
                   f"(connection refused); when offline, download the four files elsewhere and point --data at "
                   f"their folder\n")
    assert out == "" and "Traceback" not in err
    assert not (model_home / "model.npz").exists() and _files_in(cache) == []


def test_data_and_dataset_together_are_refused_in_one_sentence(capsys, small_mnist_folder):
    code, _, err = run(capsys, "evaluate", "--data", str(small_mnist_folder), "--dataset", "kmnist")
    assert code == 2
    assert err == "digitnet: argument --dataset: not allowed with argument --data; see `digitnet evaluate --help`\n"


def test_dataset_mnist_is_the_bundled_copy_and_needs_no_network(capsys, cache, monkeypatch, dead_url):
    monkeypatch.setenv("DIGITNET_MIRROR", dead_url)
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--epochs", "1", "--sizes", "784,10", "--json")
    assert code == 0, err
    assert _files_in(cache) == []
