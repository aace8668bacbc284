"""Load on the web page's predict endpoint: many POST /api/predict at once, and their latencies.

Run:  python benchmarks/load.py [--requests 10000] [--concurrency 50] [--timeout 120]
                                [--side 28] [--no-prepare] [--model PATH] [--floor | --no-lane]
                                [--http bounded|httptools|h11]

The server is the app ``digitnet serve`` runs (uvicorn, 127.0.0.1, a free port), in a process
of its own so that the client does not share its interpreter; with a seed-initialised network,
or the one in --model. Every request sends the same canvas: MNIST's first test digit (a 7),
``--side`` pixels square (28: the 784 numbers themselves; the page sends 140). The first
``--warmup`` requests are not counted. It prints the requests, seconds, throughput, latency
percentiles, errors (non-2xx answers and exceptions), and the CPU time that the server and
the client each spent per request: on a machine with few cores they share them, and the
client's share is time the server could not use.

``--http`` chooses uvicorn's HTTP protocol, the rest of ``digitnet serve``'s options kept: ``bounded``
(the default: ``server_options()`` as it is, ``web.protocol.BoundedHttpTools`` unless it falls back),
``httptools`` (uvicorn's own, with no bound on a request's head) or ``h11`` (with its 16 KB bound).

``--floor`` serves, instead, an app that only reads and checks each request (FastAPI and the
same ``PredictRequest``) and answers a constant: what HTTP and FastAPI cost before any work.
``--no-lane`` serves the page's app without its prediction lane (``web/lane.py``), so that every
prediction takes FastAPI's own route: run it beside the default to see what the lane is worth.

It stops when --timeout seconds have passed, says so and exits with 1; it also exits with 1
if any request failed.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import sys
import time

import httpx
import numpy as np


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port, model_path, app_kind="page", http="bounded"):
    """The server process on 127.0.0.1:port, as ``digitnet serve`` runs it: the page's app ("page"), the
    same without its prediction lane ("no-lane", see --no-lane) or the floor app ("floor", see --floor)."""
    import uvicorn

    from digitnet import Network, load
    from digitnet.web import create_app

    network = load(model_path) if model_path else Network(seed=0)
    if app_kind == "floor":
        app = floor_app()
    elif app_kind == "no-lane":
        app = without_the_lane(create_app(network))
    else:
        app = create_app(network)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **server_options(http))


def server_options(http):
    """``digitnet serve``'s options for uvicorn, with the HTTP protocol ``http`` (see --http)."""
    from digitnet.cli.serve import H11_BOUNDED
    from digitnet.cli.serve import server_options as serve_options

    options = serve_options()
    if http == "bounded":
        return options
    rest = {key: value for key, value in options.items() if key != "http" and not key.startswith("h11_")}
    return {**rest, **({"http": "httptools"} if http == "httptools" else H11_BOUNDED)}


def protocol_name(http):
    """What ``--http http`` serves with, as the figures name it."""
    chosen = server_options(http)["http"]
    return chosen if isinstance(chosen, str) else chosen.__name__


def without_the_lane(app):
    """The page's ``app`` with its prediction lane taken out, before its first request builds the middleware
    stack: every POST /api/predict then goes to FastAPI's own route, which gives the same answers."""
    from digitnet.web.lane import PredictionLane

    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not PredictionLane]
    return app


def floor_app():
    """What FastAPI costs before any work: POST /api/predict reads and checks the same body as the page's
    app (``PredictRequest``), then answers a constant without predicting anything."""
    from fastapi import FastAPI

    from digitnet.web.schemas import PredictRequest

    app = FastAPI()

    @app.post("/api/predict")
    async def predict(request: PredictRequest):
        return {"digit": 0}

    @app.get("/api/model")
    def model():
        return {}

    return app


def _cpu_seconds(pid):
    """User + system CPU seconds that process ``pid`` has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def canvas_body(side, prepare):
    """The JSON body the page would send for MNIST's first test digit drawn ``side`` pixels square."""
    from PIL import Image

    from digitnet.data.mnist import load_mnist

    (test,) = load_mnist(parts=("test",))
    digit = test.X[0].reshape(28, 28).astype(np.float32)
    if side != 28:
        digit = np.asarray(Image.fromarray(digit, "F").resize((side, side), Image.BILINEAR)).clip(0, 1)
    pixels = [round(float(v), 3) for v in digit.ravel()]
    return json.dumps({"width": side, "height": side, "pixels": pixels, "prepare": prepare}).encode()


async def _wait_until_up(url, seconds):
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url + "/api/model")).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    return False


async def drive(url, body, n_requests, concurrency, client="aiohttp"):
    """Send ``n_requests`` POST /api/predict from ``concurrency`` workers; (latencies in s, errors)."""
    latencies, errors = [], []
    remaining = iter(range(n_requests))
    headers = {"content-type": "application/json"}
    async with _session(client, url, concurrency) as session:
        async def worker():
            for _ in remaining:
                started = time.perf_counter()
                try:
                    status, text = await session.post(body, headers)
                    if not 200 <= status < 300:
                        errors.append(f"{status} {text[:120]}")
                except Exception as error:  # noqa: BLE001 (counted and shown, not raised)
                    errors.append(repr(error))
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


class _session:
    """POST /api/predict with aiohttp or httpx, keeping ``concurrency`` connections open."""

    def __init__(self, client, url, concurrency):
        self.client, self.url, self.concurrency = client, url + "/api/predict", concurrency

    async def __aenter__(self):
        if self.client == "aiohttp":
            import aiohttp

            connector = aiohttp.TCPConnector(limit=self.concurrency)
            self.session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))
        else:
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            self.session = httpx.AsyncClient(limits=limits, timeout=30)
        return self

    async def __aexit__(self, *exc):
        await (self.session.close() if self.client == "aiohttp" else self.session.aclose())

    async def post(self, body, headers):
        """(status, text) of one POST."""
        if self.client == "aiohttp":
            async with self.session.post(self.url, data=body, headers=headers) as response:
                return response.status, await response.text()
        response = await self.session.post(self.url, content=body, headers=headers)
        return response.status_code, response.text


def _default_client():
    import importlib.util

    return "aiohttp" if importlib.util.find_spec("aiohttp") else "httpx"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests to time (default 10000)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at once (default 50)")
    parser.add_argument("--timeout", type=float, default=120, help="stop after this many seconds (default 120)")
    parser.add_argument("--side", type=int, default=28, help="the canvas is side x side pixels (default 28)")
    parser.add_argument("--no-prepare", dest="prepare", action="store_false",
                        help="send prepare=false (the canvas is only averaged down to 28x28)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first (default 200)")
    parser.add_argument("--model", help="a model file (default: a seed-initialised network)")
    parser.add_argument("--train", type=int, metavar="EXAMPLES",
                        help="first start a training from the page (the seed recipe on this many MNIST digits) "
                             "and time the requests while it runs; DIGITNET_FAST=0 trains on the readable path")
    parser.add_argument("--http", choices=("bounded", "httptools", "h11"), default="bounded",
                        help="uvicorn's HTTP protocol: digitnet serve's (bounded, the default), plain httptools, "
                             "or h11 with a 16 KB bound on a request's head")
    serving = parser.add_mutually_exclusive_group()
    serving.add_argument("--floor", dest="app", action="store_const", const="floor", default="page",
                         help="serve an app that only reads and checks the request, predicting nothing: "
                              "the HTTP and FastAPI part of the figures")
    serving.add_argument("--no-lane", dest="app", action="store_const", const="no-lane",
                         help="serve the page's app without its prediction lane (web/lane.py): every "
                              "prediction goes through FastAPI's route")
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default=_default_client(),
                        help="the HTTP client (default: aiohttp if installed; httpx's own cost is several ms "
                             "a request at concurrency 50, which on 2 cores hides the server's)")
    args = parser.parse_args(argv)

    body = canvas_body(args.side, args.prepare)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, args.model, args.app, args.http),
                                                          daemon=True)
    server.start()
    try:
        if not asyncio.run(_wait_until_up(url, 30)):
            print(f"the server did not answer on {url} within 30 s", file=sys.stderr)
            return 1
        asyncio.run(drive(url, body, args.warmup, min(args.concurrency, args.warmup) or 1, args.client))
        if args.train:
            started = httpx.post(url + "/api/train", json={"epochs": 200, "examples": args.train}, timeout=60)
            started.raise_for_status()
        server_cpu, client_cpu = _cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        try:
            latencies, errors = asyncio.run(asyncio.wait_for(
                drive(url, body, args.requests, args.concurrency, args.client), args.timeout))
        except TimeoutError:
            print(f"TIMED OUT: {args.requests} requests did not finish within --timeout {args.timeout:g} s")
            return 1
        seconds = time.perf_counter() - started
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        if args.train:
            status = httpx.get(url + "/api/train/status").json()
            httpx.post(url + "/api/train/stop", json={})
    finally:
        server.terminate()
        server.join(10)

    ms = np.array(latencies) * 1000
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    if args.app == "floor":
        print("FLOOR: the app only reads and checks each request, predicting nothing")
    elif args.app == "no-lane":
        print("NO LANE: every prediction goes through FastAPI's route (web/lane.py taken out)")
    print(f"POST /api/predict, {args.side}x{args.side} canvas ({len(body):,} bytes), prepare={args.prepare}, "
          f"concurrency {args.concurrency}, {args.client}, {os.cpu_count()} CPUs, "
          f"uvicorn with {protocol_name(args.http)}")
    if args.train:
        overlap = "still running" if status["running"] else "FINISHED first: only some requests ran during it"
        print(f"training      on {args.train} digits, epoch {status['epoch']} of 200 at the end, {overlap}")
    print(f"requests      {len(latencies)}")
    print(f"seconds       {seconds:.2f}")
    print(f"throughput    {len(latencies) / seconds:.0f} req/s")
    print(f"latency ms    p50 {p50:.1f}   p90 {p90:.1f}   p99 {p99:.1f}   max {ms.max():.1f}")
    print(f"errors        {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    per_request = 1000 / len(latencies)
    print(f"CPU ms/req    server {server_cpu * per_request:.2f}   client {client_cpu * per_request:.2f}"
          + ("   (the server's includes the training's)" if args.train else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
