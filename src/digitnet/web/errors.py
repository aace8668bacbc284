"""Every refusal as a 4xx with {"detail": "one sentence"}: a body-size limit and the error handlers."""

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)
SHOWN_INPUT = 40  # characters of a bad value quoted back


def refuse(status, detail):
    return JSONResponse({"detail": detail}, status_code=status)


class BodyLimit:
    """ASGI middleware: refuse with 413 a request whose body is over ``limit`` bytes, by its
    Content-Length header or, without one (chunked), by counting what arrives."""

    def __init__(self, app, limit):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = refuse(413, f"the request body is larger than {self.limit // 2**20} MB; send a smaller one")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                return await refuse(400, f"the Content-Length header {length.decode('latin-1')!r} "
                                         "is not a whole number")(scope, receive, send)
            if int(length) > self.limit:
                return await too_large(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await too_large(scope, receive, send)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # later calls wait for the client to disconnect
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def describe(errors):
    """One sentence for a list of pydantic/FastAPI validation errors (the first one says it)."""
    error = errors[0]
    parts = [str(p) for p in error["loc"] if p not in ("body", "path", "query")]
    where = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts).lstrip(".")
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "the request body is not valid JSON; send a JSON object"
    if kind == "missing" and not where:
        return "the request body is empty; send a JSON object"
    if kind == "missing":
        return f"{where} is missing"
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if kind == "value_error":  # our own validators' messages quote the value already
        return f"{where}: {message}" if where else message
    value = error.get("input")
    shown = ""
    if isinstance(value, (int, float, str, bool)) or value is None:
        text = repr(value)
        shown = f" (got {text[:SHOWN_INPUT]}{'...' if len(text) > SHOWN_INPUT else ''})"
    if kind == "extra_forbidden":
        return f"{where} is not a field of this request; check its spelling"
    return f"{where or 'the request body'}: {message}{shown}"


def install_error_handlers(app: FastAPI):
    """Validation errors -> 400 (unreadable body), 404 (bad path) or 422 (bad values); HTTP errors
    keep their status with a sentence; anything unexpected -> 500 with a sentence, logged."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc):
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
        status = 422
        media = request.headers.get("content-type", "")
        if tuple(first["loc"]) == ("body",) and first.get("type") != "missing" and "json" not in media:
            got = f"not {media}" if media else "it had none"
            return refuse(415, f"the request body must be JSON sent with Content-Type: application/json ({got})")
        if first.get("type") == "json_invalid" or (first.get("type") == "missing" and tuple(first["loc"]) == ("body",)):
            status = 400
        elif first["loc"] and first["loc"][0] == "path":
            status = 404
        return refuse(status, describe([first]))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        detail = exc.detail
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is nothing at {request.url.path}; the API lives under /api/"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return refuse(exc.status_code, str(detail))

    @app.exception_handler(Exception)
    async def unexpected(request, exc):
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return refuse(500, f"the server failed on this request ({type(exc).__name__}); this is a bug in digitnet")
