"""The quick lane of POST /api/predict: a small canvas that needs no preparation, answered without FastAPI.

Such a prediction is 0.05 ms of arithmetic, and the way to it through FastAPI (its routing,
Python's json module reading 784 numbers, then the checks) costs several times that: under
load (``benchmarks/load.py``, 50 requests at once) the server's CPU per request was the limit,
and FastAPI alone, answering a constant, kept p99 above 20 ms. Here Pydantic reads and checks
the body in one pass, against the same ``PredictRequest``. Anything that fails a check, needs
preparing or is large goes on to FastAPI untouched, so every refusal is still the one the API
gives everywhere else, in one sentence.
"""

from collections.abc import Callable

from ..network import Network
from .compute import predict_json
from .errors import replaying
from .schemas import PredictRequest

QUICK_PIXELS = 280 * 280  # an unprepared canvas up to this size is answered at once: 0.04-0.14 ms of CPU


class QuickPredictions:
    """ASGI middleware answering the quick predictions itself; every other request goes on to ``app``.

    ``network()`` gives the network that answers now (a training from the page replaces it).
    It sits inside ``BodyLimit``, which has already refused a body too large.
    """

    def __init__(self, app, network: Callable[[], Network]):
        self.app = app
        self.network = network

    async def __call__(self, scope, receive, send):
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/api/predict"
                and _says_json(scope["headers"])):
            return await self.app(scope, receive, send)
        body = await _whole_body(receive)
        answer = None if body is None else self.answer(body)
        if answer is None:
            return await self.app(scope, replaying(body or b"", receive), send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    def answer(self, body: bytes) -> bytes | None:
        """The JSON answer to a quick prediction, or None if the request is not one (or not valid)."""
        try:
            request = PredictRequest.model_validate_json(body)
            image = request.image()
        except ValueError:  # Pydantic's ValidationError is one: FastAPI will say what is wrong
            return None
        if request.prepare or image.size > QUICK_PIXELS:
            return None
        return predict_json(self.network(), image, prepare=False)


def _says_json(headers):
    """Whether the Content-Type header says JSON (FastAPI refuses other bodies with a 415)."""
    for name, value in headers:
        if name == b"content-type":
            return value.split(b";")[0].strip().lower() == b"application/json"
    return False


async def _whole_body(receive):
    """The request's body, or None if the client left before sending all of it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
