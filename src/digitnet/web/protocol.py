"""uvicorn's httptools protocol with the two bounds it lacks: on the size of a request's head, and on its time.

httptools, uvicorn's fast HTTP parser (what it buys: benchmarks/load.py and the README), takes a
request line and headers of any size, and uvicorn waits for them for ever: a client could fill
the memory with one header, or hold connections open by sending a byte now and then. (h11, the
other parser uvicorn has, bounds the size only loosely, by the bytes it holds between reads, and
not the time at all.) ``BoundedHttpTools`` counts each head's bytes as they arrive and times it:
past ``MAX_HEAD`` bytes the answer is 431, past ``HEAD_SECONDS`` it is 408, and the connection is
closed. The body's own time is bounded by ``errors.BodyLimit``, once the head is in.

It overrides only the callbacks that asyncio and httptools define (``CALLBACKS``), each calling
uvicorn's own. ``HttpToolsProtocol`` is uvicorn's internal module, not its public API: the README's
figures (beside its paragraph on the web server) say what this buys over h11 and what it costs
against plain httptools. If the import fails, or ``fits_uvicorn()`` finds a callback gone,
``digitnet serve`` runs on h11 instead (``cli.serve.http_options``).
"""

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD = 16 * 2**10  # bytes of request line and headers, as h11 and Node.js allow by default
HEADER_LINE = len(b": \r\n")  # the bytes of a header's line besides its name and value
HEAD_SECONDS = 10  # for a request line and headers to arrive, from their first byte or the connection's start
CALLBACKS = ("connection_made", "data_received", "connection_lost", "on_message_begin", "on_url", "on_header",
             "on_headers_complete", "on_body", "on_message_complete")  # of HttpToolsProtocol, overridden here


def fits_uvicorn():
    """Whether this uvicorn's ``HttpToolsProtocol`` still has every callback that ``BoundedHttpTools`` overrides."""
    return all(callable(getattr(HttpToolsProtocol, name, None)) for name in CALLBACKS)


class BoundedHttpTools(HttpToolsProtocol):
    """``HttpToolsProtocol``, refusing a request whose line and headers are over ``MAX_HEAD`` bytes (431)
    or do not all arrive within ``HEAD_SECONDS`` (408); a connection idle that long is closed."""

    def connection_made(self, transport):
        super().connection_made(transport)
        self.head_timer = None
        self.head_begun = False
        self.refused = False
        self.start_head()

    def start_head(self):
        """Wait for a request's head from now: count its bytes from 0, and time it."""
        self.reading_head = True
        self.head_bytes = 0  # as parsed: the target, and each header as sent ("name: value" and its line's end)
        self.head_received = 0  # as received, while the head is still coming
        self.stop_timer()
        self.head_timer = self.loop.call_later(HEAD_SECONDS, self.head_too_slow)

    def stop_timer(self):
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def data_received(self, data):
        if self.refused:
            return
        # a chunk counts whole only if the head had begun before it: the chunk a head begins in may end the
        # last request's body first (pipelined requests); its own part of the head is counted as parsed
        head_going_on = self.reading_head and self.head_begun
        super().data_received(data)
        if self.reading_head and head_going_on:
            self.head_received += len(data)
            if self.head_received > MAX_HEAD:
                self.head_too_large()

    def connection_lost(self, exc):
        self.stop_timer()
        super().connection_lost(exc)

    # httptools' callbacks
    def on_message_begin(self):
        super().on_message_begin()
        self.head_begun = True
        if not self.reading_head:  # the next request on a kept-alive connection
            self.start_head()

    def on_url(self, url):
        self.head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name, value):
        self.head_bytes += len(name) + len(value) + HEADER_LINE  # 15,000 empty headers are 60 KB too
        super().on_header(name, value)

    def on_headers_complete(self):
        self.reading_head = False
        self.head_begun = False
        self.stop_timer()
        if self.head_bytes > MAX_HEAD:
            self.head_too_large()
        if not self.refused:
            super().on_headers_complete()

    def on_body(self, body):
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self):
        if not self.refused:
            super().on_message_complete()

    # the refusals
    def head_too_large(self):
        self.refuse(431, "Request Header Fields Too Large", f"the request's line and headers are larger than "
                                                            f"{MAX_HEAD // 2**10} KB; send fewer or shorter headers")

    def head_too_slow(self):
        self.head_timer = None
        if not self.head_begun:  # nothing of a request came: close as uvicorn closes an idle connection
            self.transport.close()
            return
        self.refuse(408, "Request Timeout", f"the request's line and headers did not all arrive within "
                                            f"{HEAD_SECONDS:g} s; send the request again, whole")

    def refuse(self, status, reason, detail):
        """Answer ``status`` with {"detail": detail}, close the connection, and read nothing more from it."""
        if self.refused or self.transport.is_closing():
            return
        self.refused = True
        body = json.dumps({"detail": detail}).encode()
        self.transport.write(f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                             f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body)
        self.transport.close()
