"""The web page's backend: ``create_app(network)`` -> a FastAPI app serving the page and its JSON API.

The API is thin: every number comes from the core (``forward_trace``, ``prepare_image``,
``train``, ``simple_gd``). Bad requests get a 4xx with ``{"detail": "one sentence"}``
(see ``errors``); trainings run one at a time in a thread (see ``training_job``). Answers full
of numbers are returned as ``JSONResponse``, or as JSON bytes orjson wrote from the arrays (a
prediction), so that FastAPI does not walk every float through ``jsonable_encoder`` first. The
well-formed predictions take a lane in front of FastAPI (``lane``): reading the page's canvas
with Python's json module costs more than the prediction itself (README, "Benchmarks").
"""

import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from ..data.collection import MY_DIGITS, Collection
from ..data.idx import IDXError
from ..data.picture import ImageError
from ..home import home
from ..network import Network
from ..recipes import LESSON_RECIPES, RECIPES
from .backprop import router as backprop_router
from .compute import descent_json, model_json, neuron_json
from .digits import router as digits_router
from .errors import BodyLimit, cut, install_error_handlers, refuse
from .guard import KnownHosts, SameOrigin
from .lane import PredictionLane, predict_answer, unreadable_canvas
from .my_digits import router as my_digits_router
from .network_view import router as network_view_router
from .schemas import DescentRequest, Prediction, PredictRequest, TrainRequest
from .training_job import Busy, TrainingJob
from .training_routes import training_router

log = logging.getLogger(__name__)
MAX_BODY = 2 * 2**20  # bytes
BODY_SECONDS = 20  # for a request's whole body to arrive; the page's largest (a 280x280 canvas) needs far less
STATIC = Path(__file__).parent / "static"
WHOLE = re.compile(r"-?[0-9]{1,30}")  # longer numbers are refused unread: no layer has that many neurons


def path_number(text, name):
    """A whole number written plainly in a path ("3", "-1"); LookupError for "1.5", "1_0", "+1", "１", ...."""
    if not WHOLE.fullmatch(text):
        raise LookupError(f"there is no {name} {cut(text)!r}; ask for one by its number, as in /api/neuron/1/3")
    return int(text)


def create_app(network: Network, model_path: str | os.PathLike | None = None,
               data_dir: str | os.PathLike | None = None, hosts: Sequence[str] | None = None,
               my_digits: str | os.PathLike | None = None) -> FastAPI:
    """The app answering with ``network`` until a training from the page replaces it.

    ``model_path``: where a network trained from the page is saved (if given);
    ``data_dir``: a folder of MNIST-style IDX files to train on (the bundled MNIST if None);
    ``hosts``: the names a request's Host header may give (see ``KnownHosts``), or None for any;
    ``my_digits``: the folder of the digits kept from the page (``$DIGITNET_HOME/my-digits`` if None).
    """
    # no OpenTelemetry: a page on this machine has nobody to report to, and checking for it costs every request
    app = FastAPI(title="digitnet", docs_url=None, redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.network = network
    app.state.my_digits = Collection(home() / MY_DIGITS if my_digits is None else my_digits)
    saving = threading.Lock()
    # the canvases to prepare are prepared in one thread, off the event loop: more threads only take
    # turns at the GIL, each slower for the others (measured with benchmarks/load.py: see the README)
    computing = anyio.CapacityLimiter(1)

    def use(trained):
        """A finished training's network answers from now on (and is saved, if there is a model_path)."""
        app.state.network = trained
        if model_path is not None:
            with saving:
                try:
                    trained.save(model_path)
                except OSError:
                    log.exception("could not save the trained network to %s", model_path)

    job = TrainingJob(on_done=use, data_dir=data_dir, current=lambda: app.state.network)
    app.state.training = job
    install_error_handlers(app)
    # the middleware: the last added is the outermost, the first to see a request
    app.add_middleware(PredictionLane, network=lambda: app.state.network, limiter=computing)
    # outside the lane: it sees only bodies within the limit, come in time
    app.add_middleware(BodyLimit, limit=MAX_BODY, seconds=BODY_SECONDS)
    app.add_middleware(SameOrigin)  # outside both: a cross-site post is refused before its body is read
    if hosts is not None:
        app.add_middleware(KnownHosts, hosts=hosts)

    @app.get("/", include_in_schema=False)
    def index():
        page = STATIC / "index.html"
        if not page.is_file():
            return refuse(404, f"the page is missing: there is no {page}")
        return FileResponse(page)

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")

    @app.get("/api/model")
    def model():
        return JSONResponse(model_json(app.state.network))

    @app.post("/api/predict", response_model=Prediction, response_model_exclude_none=True)
    async def predict(request: PredictRequest):
        """Refusals, and the bodies Python's json reads but Pydantic's does not (a BOM, UTF-16):
        well-formed requests are answered before they get here (``lane``)."""
        try:
            image = request.image()
        except ValueError as error:
            return refuse(422, str(error))
        try:
            answer = await predict_answer(app.state.network, image, request.prepare, computing)
        except ImageError as error:
            return refuse(422, unreadable_canvas(error))
        return Response(answer, media_type="application/json")

    @app.get("/api/neuron/{layer}/{index}")
    def neuron(layer: str, index: str):
        try:
            return JSONResponse(neuron_json(app.state.network, path_number(layer, "layer"),
                                            path_number(index, "neuron")))
        except LookupError as error:
            return refuse(404, str(error.args[0]))

    @app.post("/api/train", status_code=202)
    def start_training(request: TrainRequest):
        try:
            job.start(request.recipe, learning_rate=request.learning_rate, batch_size=request.batch_size,
                      epochs=request.epochs, examples=request.examples, speed=request.speed)
        except Busy as error:
            return refuse(409, str(error))
        except (IDXError, OSError) as error:  # before ValueError, which IDXError is too: the data, not the request
            return refuse(503, f"the training data could not be read: {error}")
        except ValueError as error:
            return refuse(422, str(error))
        return {"started": True}

    @app.get("/api/train/events")
    def training_events():
        return StreamingResponse(job.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/api/train/stop")
    def stop_training():
        return {"stopping": job.stop()}

    # pause, resume, one step, speed; restore the network the page started with; the last training
    app.include_router(training_router(job, started_with=network,
                                       put=lambda trained: setattr(app.state, "network", trained)))

    @app.get("/api/recipes")
    def recipes():
        """The recipes the page trains (the lesson's 784-16-16-10 network), with their settings."""
        return {name: RECIPES[name].as_dict() for name in LESSON_RECIPES}

    @app.get("/api/train/status")
    def training_status():
        return job.status()

    @app.post("/api/descent")
    def descent(request: DescentRequest):
        return JSONResponse(descent_json(request.function, request.learning_rate, request.n_iter))

    app.include_router(backprop_router)  # POST /api/backprop: backpropagation for the digit on the canvas
    app.include_router(network_view_router)  # GET /api/dead-neurons: the hidden neurons dead on the test digits
    app.include_router(digits_router)  # GET /api/digit: an MNIST test digit for the canvas
    app.include_router(my_digits_router)  # /api/my-digits: the digits kept from the page, measured
    return app
