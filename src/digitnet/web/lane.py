"""The lane of POST /api/predict: every well-formed prediction request answered without FastAPI.

A prediction is a little arithmetic, and the way to it through FastAPI (its routing, Python's
json module reading every number, then Pydantic checking each one) costs several times that:
under load the server's CPU per request is the limit. Here Pydantic reads and checks the body
in one pass, against the same ``PredictRequest``, and the answer is the same ``predict_json``
(what that is worth, side by side: the README's "Benchmarks", ``benchmarks/load.py --no-lane``).
A body that fails a check goes on to FastAPI untouched, so every refusal is still the one the
API gives everywhere else, in one sentence.
"""

from collections.abc import Callable

import anyio

from ..data.picture import ImageError
from ..network import Network
from .compute import predict_json
from .errors import refuse, replaying, whole_body
from .guard import says_json
from .schemas import PredictRequest

QUICK_PIXELS = 280 * 280  # an unprepared canvas up to this size is computed on the event loop: less work than a thread


async def predict_answer(network: Network, image, prepare: bool, limiter: anyio.CapacityLimiter) -> bytes:
    """``predict_json`` for a canvas: at once when it is small and unprepared (less work than handing
    it to a thread), else in a thread of ``limiter``, off the event loop. Raises ImageError as it does."""
    if not prepare and image.size <= QUICK_PIXELS:
        return predict_json(network, image, False)
    return await anyio.to_thread.run_sync(predict_json, network, image, prepare, limiter=limiter)


def unreadable_canvas(error: ImageError) -> str:
    """The sentence for a canvas the preparation cannot read as a digit."""
    return f"the canvas cannot be read as a digit: {error}"


class PredictionLane:
    """ASGI middleware answering well-formed POST /api/predict requests itself; everything else goes on to ``app``.

    ``network()`` gives the network that answers now (a training from the page replaces it);
    ``limiter`` the threads that prepare canvases, shared with the route. It sits inside
    ``BodyLimit``, ``SameOrigin`` and ``KnownHosts``, which have already refused a body too large, a
    request from another site, a body not said to be JSON and a foreign Host.
    """

    def __init__(self, app, network: Callable[[], Network], limiter: anyio.CapacityLimiter):
        self.app = app
        self.network = network
        self.limiter = limiter

    async def __call__(self, scope, receive, send):
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/api/predict"
                and says_json(scope["headers"])):
            return await self.app(scope, receive, send)
        body = await whole_body(receive)  # BodyLimit, outside, has capped its size
        read = None if body is None else _read(body)
        if read is None:  # FastAPI says what is wrong
            return await self.app(scope, replaying(body or b"", receive), send)
        image, prepare = read
        try:
            answer = await predict_answer(self.network(), image, prepare, self.limiter)
        except ImageError as error:
            return await refuse(422, unreadable_canvas(error))(scope, receive, send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})


def _read(body):
    """(the canvas as an array, whether to prepare it) from a body that is a PredictRequest with its
    pixels in range, else None."""
    try:
        request = PredictRequest.model_validate_json(body)
        return request.image(), request.prepare
    except ValueError:  # Pydantic's ValidationError is one; so are pixels out of range
        return None

