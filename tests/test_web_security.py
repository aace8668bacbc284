"""The web server's reliability and security: where it listens, which files it can serve, what a
cross-site form can do, and that the page keeps answering while a training runs.

These talk to a real uvicorn server over sockets where the test client would tidy the request
up first (it removes ``..`` from paths), and with timeouts, so that a hang fails instead of waiting.
"""

import json
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from conftest import free_port, serving

import digitnet
from digitnet import Network
from digitnet.cli import main
from digitnet.cli.serve import is_local, page_url
from digitnet.web import create_app

WEB = Path(digitnet.__file__).parent / "web"
HANG = 5  # seconds: an answer slower than this is a hang, not a slow answer


def raw_get(base, target):
    """(status, body) of ``GET target`` sent byte for byte, as no HTTP client would tidy it."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HANG) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def wait_until_idle(base):
    deadline = time.time() + 60
    while httpx.get(f"{base}/api/train/status", timeout=HANG).json()["running"]:
        assert time.time() < deadline, "the training did not stop"
        time.sleep(0.1)


# -- where it listens -------------------------------------------------------------------------------

@pytest.mark.parametrize("host, local", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                         ("localhost", True), ("0.0.0.0", False), ("::", False),
                                         ("192.168.1.5", False), ("", False)])
def test_only_loopback_addresses_count_as_this_machine_only(host, local):
    assert is_local(host) is local


def test_the_page_address_is_one_a_browser_can_open():
    assert page_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert page_url("::1", 8000) == "http://[::1]:8000/"
    assert page_url("0.0.0.0", 8000) == "http://localhost:8000/"


def _serve(capsys, monkeypatch, tmp_path, *flags):
    """Run ``digitnet serve`` up to the point where uvicorn would start; (exit code, stderr, host bound)."""
    bound = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **_: bound.append(host))
    path = Network().save(tmp_path / "model.npz")
    code = main(["serve", "--model", str(path), "--port", str(free_port()), *flags])
    return code, capsys.readouterr().err, bound


def test_serve_listens_on_this_machine_only_by_default_and_says_nothing_more(capsys, monkeypatch, tmp_path):
    code, err, bound = _serve(capsys, monkeypatch, tmp_path)
    assert code == 0 and bound == ["127.0.0.1"]
    assert "WARNING" not in err and "http://127.0.0.1:" in err


def test_serve_on_every_address_warns_that_anyone_can_start_trainings(capsys, monkeypatch, tmp_path):
    code, err, bound = _serve(capsys, monkeypatch, tmp_path, "--host", "0.0.0.0")
    assert code == 0 and bound == ["0.0.0.0"]
    warning = [line for line in err.splitlines() if "WARNING" in line]
    assert len(warning) == 1
    assert "0.0.0.0" in warning[0] and "anyone" in warning[0] and "--host 127.0.0.1" in warning[0]


# -- files: only the static folder, only by its names -------------------------------------------

TRAVERSALS = [b"/static/../app.py", b"/static/../../cli/serve.py", b"/static/%2e%2e/app.py",
              b"/static/%2e%2e%2fapp.py", b"/static/..%2fapp.py", b"/static/.%2e/app.py", b"/static/..%5capp.py",
              b"/static/..\\app.py", b"/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
              b"/static//etc/passwd", b"/static/%2fetc%2fpasswd", b"/static/%252e%252e/app.py",
              b"/static/%c0%ae%c0%ae/app.py", b"/static/....//app.py", b"/static/app.js%00.html",
              b"/static/" + str(WEB / "app.py").encode(), b"/../web/app.py", b"/%2e%2e/web/app.py"]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_reaches_a_file_outside_the_static_folder(server, target):
    status, body = raw_get(server, target)
    assert status in (400, 404), body[:200]
    assert b"def create_app" not in body and b"root:" not in body and b"import " not in body


def test_the_static_files_themselves_are_served(server):
    status, body = raw_get(server, b"/static/js/main.js")
    assert status == 200 and body == (WEB / "static" / "js" / "main.js").read_bytes()
    assert raw_get(server, b"/static/./js/main.js")[0] == 200


def test_no_endpoint_takes_a_file_name_from_the_request():
    """Every route and what it reads from the request (from the app's own OpenAPI description, which
    lists the routes of included routers too); a new one must be checked before it joins this list."""
    app = create_app(Network())
    spec = app.openapi()
    seen = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            parameters = sorted(f"{p['in']}:{p['name']}" for p in operation.get("parameters", []))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            seen[f"{method.upper()} {path}"] = (parameters, body.get("$ref", "").rsplit("/", 1)[-1] or None)
    assert seen == {
        "GET /api/model": ([], None), "POST /api/predict": ([], "PredictRequest"),
        "GET /api/neuron/{layer}/{index}": (["path:index", "path:layer"], None),
        "POST /api/train": ([], "TrainRequest"), "GET /api/train/events": ([], None),
        "POST /api/train/stop": ([], None), "POST /api/train/pause": ([], None), "POST /api/train/resume": ([], None),
        "POST /api/train/step": ([], None), "POST /api/train/speed": ([], "SpeedRequest"),
        "POST /api/train/restore": ([], None), "GET /api/train/history": ([], None),
        "GET /api/recipes": ([], None), "GET /api/train/status": ([], None),
        "POST /api/descent": ([], "DescentRequest"), "POST /api/backprop": ([], "BackpropRequest"),
        "GET /api/dead-neurons": ([], None), "GET /api/verdict-rule": ([], None),
        "GET /api/digit": (["query:after", "query:index", "query:label", "query:misread"], None),  # numbers, a flag
        "POST /api/my-digits": ([], "KeepRequest"), "GET /api/my-digits": ([], None),
        # a kept digit's file: a digit 0-9 and a name the collection made (20261207-182233-3f2a.png), nothing
        # else, in its own folder only (test_web_my_digits: traversals, raw)
        "GET /api/my-digits/{digit}/{name}": (["path:digit", "path:name"], None),
        "DELETE /api/my-digits/{digit}/{name}": (["path:digit", "path:name"], None),
        "POST /api/my-digits/teach": ([], None),
        "GET /api/my-digits/preparation.png": ([], None),
    }
    outside = {route.path for route in app.routes if getattr(route, "path", None) and not route.path.startswith("/api")}
    assert outside == {"/", "/static", "/openapi.json"}  # StaticFiles: confined to the folder (tested above)
    schemas = spec["components"]["schemas"]
    fields = {name for _, model in seen.values() if model for name in schemas[model]["properties"]}
    assert fields == {"width", "height", "pixels", "prepare", "recipe", "learning_rate", "batch_size", "epochs",
                      "examples", "function", "n_iter", "speed", "input", "target", "digit"}  # recipe, function, speed: fixed lists


# -- what another web site can make a browser send -----------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_a_cross_site_form_cannot_start_a_training(server, content_type):
    """A form or a no-preflight fetch can only send these types; JSON needs a preflight, which fails."""
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.post(f"{server}/api/train", content=b'{"epochs": 1, "examples": 100}', headers=headers,
                          timeout=HANG)
    assert response.status_code == 415, response.text
    assert httpx.get(f"{server}/api/train/status", timeout=HANG).json()["running"] is False


JSON = {"content-type": "application/json"}
ONE_PIXEL = {"width": 1, "height": 1, "pixels": [0.5], "prepare": False}  # one the lane answers


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    with TestClient(create_app(Network(seed=0)), base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example", "content-type": "application/x-www-form-urlencoded"},
    {"origin": "https://evil.example", **JSON},
    {"origin": "null", **JSON},                                   # a sandboxed frame, a file:// page
    {"origin": "http://127.0.0.1:8001", **JSON},                  # another port is another origin
    {"origin": "https://127.0.0.1:8000", **JSON},                 # and another scheme
    {"origin": "http://127.0.0.1.evil.example:8000", **JSON},
    {"sec-fetch-site": "cross-site", **JSON},
    {"sec-fetch-site": "same-site", **JSON},                      # a sibling subdomain is another site's page
    {"sec-fetch-site": "cross-site", "origin": "http://127.0.0.1:8000", **JSON},
])
@pytest.mark.parametrize("path, body", [("/api/train/stop", {}), ("/api/train", {"epochs": 1, "examples": 100}),
                                        ("/api/predict", ONE_PIXEL), ("/api/descent", {"function": "square", "learning_rate": 0.1})])
def test_a_request_from_another_site_cannot_change_or_ask_anything(client, headers, path, body):
    """Checked before the prediction lane and before any route: 403 and one sentence, for every POST."""
    response = client.post(path, content=json.dumps(body), headers=headers)
    assert response.status_code == 403, response.text
    detail = response.json()["detail"]
    assert "another web site" in detail and "\n" not in detail
    assert client.get("/api/train/status").json()["running"] is False


@pytest.mark.parametrize("headers", [{}, {"origin": "http://127.0.0.1:8000"}, {"sec-fetch-site": "same-origin"},
                                     {"sec-fetch-site": "none"},
                                     {"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"}])
def test_the_page_itself_and_scripts_may_post(client, headers):
    response = client.post("/api/predict", json=ONE_PIXEL, headers=headers)
    assert response.status_code == 200, response.text
    assert client.post("/api/train/stop", json={}, headers=headers).json() == {"stopping": False}


@pytest.mark.parametrize("origin, host", [("http://localhost", "localhost:80"), ("http://[::1]:8000", "[::1]:8000"),
                                          ("http://LOCALHOST:8000", "localhost:8000")])
def test_an_origin_matches_its_host_as_a_browser_writes_them(origin, host):
    from fastapi.testclient import TestClient

    client = TestClient(create_app(Network(seed=0)))
    answer = client.post("/api/train/stop", json={}, headers={"origin": origin, "host": host})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("content_type", ["application/evil+json", "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx", "json", None])
@pytest.mark.parametrize("path", ["/api/train/stop", "/api/predict", "/api/train", "/api/descent"])
def test_every_post_must_say_it_sends_json(client, content_type, path):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(path, content=json.dumps(ONE_PIXEL if path == "/api/predict" else {}), headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["detail"].startswith("the request body must be JSON sent with Content-Type: application/json")


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8", "application/json;charset=UTF-8"])
def test_json_is_json_in_any_case_and_with_a_charset(client, content_type):
    response = client.post("/api/predict", content=json.dumps(ONE_PIXEL), headers={"content-type": content_type})
    assert response.status_code == 200, response.text


def test_a_preflight_is_refused(server):
    response = httpx.options(f"{server}/api/train", headers={"Origin": "http://evil.example",
                                                             "Access-Control-Request-Method": "POST"}, timeout=HANG)
    assert response.status_code == 405 and "access-control-allow-origin" not in response.headers


# -- bodies ----------------------------------------------------------------------------------------

def test_a_chunked_body_under_the_limit_is_read(server):
    body = json.dumps({"width": 2, "height": 2, "pixels": [0, 0, 0, 0]}).encode()
    chunks = iter([body[:10], body[10:]])  # no Content-Length: sent chunked
    response = httpx.post(f"{server}/api/predict", content=chunks, headers={"content-type": "application/json"},
                          timeout=HANG)
    assert response.status_code == 200 and response.json() == {"blank": True}


def test_a_chunked_body_over_the_limit_is_413_before_it_is_all_sent(server):
    chunks = iter([b'{"pixels": ['] + [b"0," * 2**16] * 40)  # 5 MB, never finished
    try:
        response = httpx.post(f"{server}/api/predict", content=chunks, headers={"content-type": "application/json"},
                              timeout=HANG)
    except httpx.WriteError:  # the server answered and closed while the client was still sending
        return
    assert response.status_code == 413 and "2 MB" in response.json()["detail"]


# -- slow and oversized requests: bounded, answered, closed ----------------------------------------

@contextmanager
def served_as_by_digitnet_serve(app):
    """``app`` on 127.0.0.1 in a thread, with the options ``digitnet serve`` gives uvicorn; (host, port)."""
    from digitnet.cli.serve import server_options

    with serving(app, **server_options()) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def answer_to(address, *parts, pause=0.0, wait=HANG):
    """(status, detail, seconds until the answer) for a request sent raw in ``parts``, ``pause`` seconds
    apart, then left unfinished; (None, None, seconds) if the server closed without an answer."""
    answer = b""
    with socket.create_connection(address, timeout=wait) as connection:
        started = time.monotonic()
        try:
            for part in parts:
                connection.sendall(part)
                time.sleep(pause)
        except OSError:  # the server answered and closed while this was still sending
            pass
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        seconds = time.monotonic() - started
    if not answer:
        return None, None, seconds
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body).get("detail"), seconds


def test_a_request_after_a_long_body_on_the_same_connection_is_not_taken_for_a_long_head():
    body = json.dumps({"width": 28, "height": 28, "pixels": [0.12345678901234567] * 784, "prepare": False},
                      indent=1).encode()
    assert len(body) > 16 * 1024
    first = (b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body) + body)
    second = b"GET /api/recipes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with served_as_by_digitnet_serve(create_app(Network(seed=0))) as address:
        with socket.create_connection(address, timeout=HANG) as connection:
            connection.sendall(first + second[:20])  # the second head begins with the first body's end ...
            time.sleep(0.2)
            connection.sendall(second[20:])  # ... and ends later
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    assert answer.count(b"HTTP/1.1 200 OK") == 2, answer[:300]


def test_many_small_headers_count_as_the_bytes_they_take():
    from digitnet.web.protocol import MAX_HEAD

    with served_as_by_digitnet_serve(create_app(Network(seed=0))) as address:
        many = b"X:\r\n" * 15_000  # 60 KB of empty headers, whose names and values alone are 15 KB
        status, detail, _ = answer_to(address, b"GET /api/recipes HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        assert status == 431 and f"larger than {MAX_HEAD // 1024} KB" in detail, detail


@pytest.mark.parametrize("size", [100_000, 10_000_000])
def test_headers_larger_than_the_bound_are_refused_and_the_server_goes_on(size):
    from digitnet.web.protocol import MAX_HEAD

    with served_as_by_digitnet_serve(create_app(Network(seed=0))) as address:
        big = b"X-Big: " + b"a" * size + b"\r\n"
        status, detail, _ = answer_to(address, b"GET /api/recipes HTTP/1.1\r\nHost: x\r\n", big[:size // 2],
                                      big[size // 2:] + b"\r\n")
        assert status == 431 and f"larger than {MAX_HEAD // 1024} KB" in detail, detail
        status, _, _ = answer_to(address, b"GET /api/recipes HTTP/1.1\r\nHost: x\r\n" + b"X-Fine: " + b"a" * 8000
                                 + b"\r\nConnection: close\r\n\r\n")
        assert status == 200


def test_headers_that_stop_arriving_get_408_within_the_bound(monkeypatch):
    from digitnet.web import protocol

    monkeypatch.setattr(protocol, "HEAD_SECONDS", 1)
    with served_as_by_digitnet_serve(create_app(Network(seed=0))) as address:
        status, detail, seconds = answer_to(address, b"GET /api/recipes HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        assert status == 408 and "did not all arrive within 1 s" in detail, detail
        assert seconds < 1 + HANG / 2
        # one byte now and then does not keep it open either
        status, _, seconds = answer_to(address, *[b"GET /api/recipes HTTP/1.1\r\n"] + [b"X: a\r\n"] * 20, pause=0.1)
        assert status == 408 and seconds < 3


def test_a_body_that_stops_arriving_gets_408_within_the_bound(monkeypatch):
    from digitnet.web import app as web_app

    monkeypatch.setattr(web_app, "BODY_SECONDS", 1, raising=False)
    with served_as_by_digitnet_serve(create_app(Network(seed=0))) as address:
        head = (b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n")
        status, detail, seconds = answer_to(address, head + b'{"width": 1, "height": 1, ')
        assert status == 408 and "did not all arrive within 1 s" in detail, detail
        assert seconds < 1 + HANG / 2
        chunked = head.replace(b"Content-Length: 100", b"Transfer-Encoding: chunked")
        status, detail, _ = answer_to(address, chunked, *[b"1\r\n \r\n"] * 30, pause=0.1)  # a byte at a time
        assert status == 408, detail


def test_digitnet_serve_gives_uvicorn_its_bounds(capsys, monkeypatch, tmp_path):
    from digitnet.cli.serve import server_options

    options = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **given: options.append(given))
    path = Network().save(tmp_path / "model.npz")
    assert main(["serve", "--model", str(path), "--port", str(free_port())]) == 0
    assert options[0].items() >= server_options().items()
    assert server_options()["limit_concurrency"] and server_options()["timeout_keep_alive"]


def test_the_callbacks_checked_against_uvicorn_are_every_one_bounded_httptools_overrides():
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from digitnet.web.protocol import CALLBACKS, BoundedHttpTools

    overridden = {name for name in vars(BoundedHttpTools) if not name.startswith("__") and hasattr(HttpToolsProtocol, name)}
    assert overridden == set(CALLBACKS)


def without_uvicorns_httptools_protocol(monkeypatch):
    """Make importing uvicorn's httptools protocol fail, as with no httptools or a uvicorn that moved it."""
    import digitnet.web.protocol  # noqa: F401 (so that it is in sys.modules, to be taken out)

    monkeypatch.setitem(sys.modules, "uvicorn.protocols.http.httptools_impl", None)  # None: the import raises
    monkeypatch.delitem(sys.modules, "digitnet.web.protocol")


def test_without_uvicorns_httptools_protocol_serve_falls_back_to_h11_with_its_other_bounds_unchanged(monkeypatch):
    from digitnet.cli.serve import server_options
    from digitnet.web.protocol import MAX_HEAD, BoundedHttpTools

    bounded = server_options()
    assert bounded["http"] is BoundedHttpTools
    without_uvicorns_httptools_protocol(monkeypatch)
    with pytest.raises(ImportError):
        import digitnet.web.protocol  # noqa: F401
    others = {key: value for key, value in bounded.items() if key != "http"}
    assert server_options() == {**others, "http": "h11", "h11_max_incomplete_event_size": MAX_HEAD}


def test_a_uvicorn_whose_httptools_protocol_lost_a_callback_gets_h11(monkeypatch):
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from digitnet.cli.serve import server_options

    monkeypatch.delattr(HttpToolsProtocol, "on_header")
    assert server_options()["http"] == "h11" and server_options()["h11_max_incomplete_event_size"] == 16 * 2**10


def test_digitnet_serve_on_h11_says_its_bound_on_headers_is_looser(capsys, monkeypatch, tmp_path):
    without_uvicorns_httptools_protocol(monkeypatch)
    options = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **given: options.append(given))
    path = Network().save(tmp_path / "model.npz")
    assert main(["serve", "--model", str(path), "--port", str(free_port())]) == 0
    assert options[0]["http"] == "h11" and options[0]["limit_concurrency"]
    assert "serving with h11 instead" in capsys.readouterr().err


# -- trainings: one at a time, and the page keeps answering ----------------------------------------

def test_of_many_trainings_started_at_once_exactly_one_starts(server):
    wait_until_idle(server)
    settings = {"epochs": 100, "examples": 2000, "speed": "slow"}  # slow: the first still runs when the others come
    start = lambda _: httpx.post(f"{server}/api/train", json=settings, timeout=60)  # noqa: E731
    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(response.status_code for response in pool.map(start, range(6)))
    httpx.post(f"{server}/api/train/stop", json={}, timeout=HANG)
    wait_until_idle(server)
    assert statuses == [202] + [409] * 5


def test_the_page_keeps_answering_while_a_training_runs(server):
    wait_until_idle(server)
    canvas = {"width": 28, "height": 28, "pixels": [0.0] * 300 + [1.0] * 50 + [0.0] * 434, "prepare": True}
    assert httpx.post(f"{server}/api/train", json={"epochs": 200, "examples": 60000}, timeout=60).status_code == 202
    try:
        for _ in range(5):
            assert httpx.post(f"{server}/api/predict", json=canvas, timeout=HANG).status_code == 200
            assert httpx.get(f"{server}/api/model", timeout=HANG).status_code == 200
            assert httpx.get(f"{server}/api/neuron/2/7", timeout=HANG).json()["index"] == 7
            status = httpx.get(f"{server}/api/train/status", timeout=HANG).json()
        assert status["running"] is True  # so every answer above came while it trained
    finally:
        httpx.post(f"{server}/api/train/stop", json={}, timeout=HANG)
    wait_until_idle(server)


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:8000", 200), ("localhost:8000", 200), ("LOCALHOST", 200), ("[::1]:8000", 200), ("[::1]", 200),
    ("evil.example:8000", 400), ("evil.example", 400), ("127.0.0.1.evil.example", 400), ("", 400),
    ("[::1].evil.example", 400), ("[::1]evil", 400), ("localhost:evil", 400), ("localhost:", 400), ("localhost:80:80", 400),
    ("127.0.0.1:8000/x", 400), ("[::1]:8000x", 400), ("localhost:99999", 400), ("local host", 400), ("[localhost]", 400),
    ("localhost:+80", 400), ("localhost:\u00b2", 400),
])
def test_on_this_machine_only_the_page_answers_only_to_its_names_against_dns_rebinding(host, status):
    from fastapi.testclient import TestClient

    client = TestClient(create_app(Network(seed=0), hosts=("127.0.0.1", "localhost", "::1")))
    prediction = {"width": 1, "height": 1, "pixels": [0.5], "prepare": False}  # one the lane answers
    header = {"host": host.encode("latin-1")}  # as sent, byte for byte
    for answer in (client.get("/api/model", headers=header), client.post("/api/predict", json=prediction, headers=header)):
        assert answer.status_code == status
        if status == 400:
            detail = answer.json()["detail"]
            assert "this page answers to 127.0.0.1, ::1, localhost only" in detail and "\n" not in detail


def test_digitnet_serve_saves_page_trainings_beside_the_model_never_over_it(tmp_path, monkeypatch, capsys):
    from fastapi.testclient import TestClient

    model = Network(seed=0).save(tmp_path / "model.npz")
    before = model.read_bytes()
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    assert main(["serve", "--model", str(model), "--port", str(free_port())]) == 0
    assert f"saved to {tmp_path / 'model.page.npz'}" in capsys.readouterr().err
    with TestClient(served[0], base_url="http://127.0.0.1") as client:
        assert client.post("/api/train", json={"recipe": "seed", "epochs": 1, "examples": 500}).status_code == 202
        deadline = time.monotonic() + 60
        while client.get("/api/train/status").json()["running"] and time.monotonic() < deadline:
            time.sleep(0.1)
    assert model.read_bytes() == before
    assert digitnet.load(tmp_path / "model.page.npz").metadata  # the page's network, kept
