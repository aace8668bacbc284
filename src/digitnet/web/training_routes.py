"""The API that paces a running training and keeps the network the page started with within reach.

``POST /api/train/pause``, ``/resume``, ``/step`` (one mini-batch, shown in full) and ``/speed``
change the running training's pace (``training_pace.Pace``); ``POST /api/train/restore`` puts back
the network the server started with; ``GET /api/train/history`` gives the last training's events,
for a page loaded after it.
"""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .errors import refuse
from .schemas import Body

NOT_RUNNING = "no training is running (or it is stopping); start one first"


class SpeedRequest(Body):
    """How fast the running training goes: "full", or "slow" (a mini-batch at a time, at a human pace)."""

    speed: Literal["full", "slow"]


def training_router(job, started_with, put):
    """The routes for ``job`` (a ``TrainingJob``); ``put(network)`` makes ``network`` the one the page uses,
    ``started_with`` is the one it started with."""
    router = APIRouter()

    def paced(change, answer):
        if not job.pace_with(change):
            return refuse(409, NOT_RUNNING)
        return {**answer, **job.status()}

    @router.post("/api/train/pause")
    def pause():
        return paced(lambda pace: pace.pause(), {"paused": True})

    @router.post("/api/train/resume")
    def resume():
        return paced(lambda pace: pace.pause(False), {"paused": False})

    @router.post("/api/train/step")
    def one_step():
        """Pause the training (if it runs) and let exactly one more mini-batch run."""
        return paced(lambda pace: pace.one_step(), {"stepping": True})

    @router.post("/api/train/speed")
    def speed(request: SpeedRequest):
        return paced(lambda pace: pace.set_speed(request.speed), {})

    @router.post("/api/train/restore")
    def restore():
        """The network the page started with answers again (the saved model.page.npz stays as it is)."""
        if job.running:
            return refuse(409, "a training is running; stop it or wait until it is done, then restore")
        put(started_with)
        return {"restored": True, "test_accuracy": started_with.metadata.get("test_accuracy")}

    @router.get("/api/train/history")
    def history():
        return JSONResponse(job.history())

    return router
