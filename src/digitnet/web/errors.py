"""Every refusal as a 4xx with {"detail": "one sentence"}: a body-size limit and the error handlers."""

import json
import logging
import math

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)
SHOWN_INPUT = 40  # characters of a bad value quoted back


def refuse(status, detail, close=False):
    """The answer {"detail": detail} with ``status``; with ``close``, the server closes the connection after it."""
    return JSONResponse({"detail": detail}, status_code=status, headers={"connection": "close"} if close else None)


class BodyLimit:
    """ASGI middleware: refuse with 413 a request whose body is over ``limit`` bytes, by its
    Content-Length header or, without one (chunked), by counting what arrives; and with 408 one
    whose body does not all arrive within ``seconds`` (a client that stalls would hold its
    connection, and the memory of what it sent, for ever)."""

    def __init__(self, app, limit, seconds):
        self.app = app
        self.limit = limit
        self.seconds = seconds

    def too_large(self):
        return refuse(413, f"the request body is larger than {self.limit // 2**20} MB; send a smaller one")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                return await refuse(400, f"the Content-Length header {cut(length.decode('latin-1'))!r} "
                                         "is not a whole number")(scope, receive, send)
            if int(length) > self.limit:
                return await self.too_large()(scope, receive, send)
        try:
            with anyio.fail_after(self.seconds):
                body = await whole_body(receive, self.limit)
        except TooLarge:
            return await self.too_large()(scope, receive, send)
        except TimeoutError:
            return await refuse(408, f"the request body did not all arrive within {self.seconds:g} s; send the "
                                     f"request again, whole", close=True)(scope, receive, send)
        if body is None:
            return  # the client left before sending its body
        await self.app(scope, replaying(body, receive), send)


class TooLarge(Exception):
    """A request body past its limit."""


async def whole_body(receive, limit=math.inf):
    """A request's whole body from ASGI ``receive``; None if the client left before sending all of it;
    TooLarge as soon as more than ``limit`` bytes have come."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            raise TooLarge
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body, receive):
    """An ASGI ``receive`` that gives the whole ``body`` already read, then passes on to ``receive``."""
    replayed = False

    async def replay():
        nonlocal replayed
        if replayed:
            return await receive()  # later calls wait for the client to disconnect
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def shown(value):
    """A bad value as JSON, cut to SHOWN_INPUT characters: ``"two"``, ``null``, ``true``, ``1e+32``."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):  # NaN and inf are refused before they get here; anything else
        text = repr(value)
    return cut(text)


def cut(text, limit=SHOWN_INPUT):
    """``text``, or its first ``limit`` characters and "..." if it is longer."""
    return text if len(text) <= limit else text[:limit] + "..."


def json_kind(value):
    """What a JSON value is, in words: "a list", "a string", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {str: "a string", list: "a list", dict: "an object", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def describe(error):
    """One sentence for a pydantic/FastAPI validation error."""
    parts = [str(p) for p in error["loc"] if p not in ("body", "path", "query")]
    where = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts).lstrip(".")
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "json_invalid":
        return "the request body is not valid JSON; send a JSON object"
    if kind == "missing" and not where:
        return "the request body is empty; send a JSON object"
    if kind == "missing":
        return f"{where} is missing"
    if kind == "extra_forbidden":
        return f"{where} is not a field of this request; check its spelling"
    if kind in ("model_attributes_type", "model_type", "dict_type") and not where:
        return f"the request body must be a JSON object, not {json_kind(value)}"
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if kind == "value_error":  # our own validators' messages quote the value already
        return f"{where}: {message}" if where else message
    got = f" (got {shown(value)})" if isinstance(value, (int, float, str, bool)) or value is None else ""
    if isinstance(value, (list, dict)):
        got = f" (got {json_kind(value)})"
    return f"{where or 'the request body'}: {message}{got}"


def unreadable(cause):
    """One sentence for a body that is JSON by its Content-Type but cannot be decoded."""
    if isinstance(cause, UnicodeDecodeError):
        return "the request body is not UTF-8 text; send JSON encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "the request body is nested too deeply to read; send a JSON object of numbers and lists"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "the request body has a number with too many digits to read; send numbers of normal size"
    return "the request body cannot be read as JSON; send a JSON object"


def install_error_handlers(app: FastAPI):
    """Validation errors -> 400 (unreadable body), 404 (bad path), 415 (not JSON) or 422 (bad
    values); HTTP errors keep their status with a sentence; anything unexpected -> 500 with a
    sentence, logged."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc):
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
        loc, kind = tuple(first["loc"]), first.get("type")
        if loc == ("body",) and isinstance(first.get("input"), bytes):  # its Content-Type did not say JSON
            media = request.headers.get("content-type", "")
            got = f"not {media}" if media else "it had none"
            return refuse(415, f"the request body must be JSON sent with Content-Type: application/json ({got})")
        status = 422
        if kind == "json_invalid" or (kind == "missing" and loc == ("body",)):
            status = 400
        elif loc and loc[0] == "path":
            status = 404
        return refuse(status, describe(first))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        detail = exc.detail
        path = cut(request.url.path, 2 * SHOWN_INPUT)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is nothing at {path}; the API lives under /api/"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {path}"
        elif exc.status_code == 400 and detail == "There was an error parsing the body":  # FastAPI's words
            detail = unreadable(exc.__cause__)
        return refuse(exc.status_code, str(detail))

    @app.exception_handler(Exception)
    async def unexpected(request, exc):
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return refuse(500, f"the server failed on this request ({type(exc).__name__}); this is a bug in digitnet")
