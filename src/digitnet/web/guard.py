"""Who may ask: the Host a request names, the site it comes from, and the type of body it sends.

A page served on 127.0.0.1 is still within reach of every web site its user visits. Another
site can send the browser here in two ways: by DNS rebinding (its own name, made to point at
127.0.0.1, in the Host header: ``KnownHosts``), and by a form or a ``fetch()`` that posts here
directly (``SameOrigin``). A browser sends such a post without asking first only when its body
is a form or plain text; a JSON body needs a preflight (OPTIONS), which this server never
grants. So every POST must say JSON, and a browser's word that a request comes from another
site (``Origin``, ``Sec-Fetch-Site``) is enough to refuse it. Scripts and curl send neither
header and are let through: they are not a browser carrying someone else's intentions.
"""

import ipaddress
import re

from .errors import cut, refuse

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}  # the methods that change nothing here
BODY_METHODS = {"POST", "PUT", "PATCH"}
DEFAULT_PORTS = {"http": 80, "https": 443}
# a name (letters, digits, "-", "_", "~", dots) or an [IPv6 address], then an optional port of digits
HOST = re.compile(r"(?:(?P<name>[A-Za-z0-9._~-]+)|\[(?P<ipv6>[0-9A-Fa-f:.]+)\])(?::(?P<port>[0-9]{1,5}))?")


class BadHost(ValueError):
    """A Host header (or the host of an Origin) that is not ``name``, ``name:port``, ``[ipv6]`` or ``[ipv6]:port``."""


def parse_host(text):
    """(name, port or None) from a Host header: "127.0.0.1:8000" -> ("127.0.0.1", 8000), "[::1]" -> ("::1", None).

    The name comes back in lower case; BadHost for anything else ("[::1].evil.com", "localhost:evil", "")."""
    match = HOST.fullmatch(text)
    if match is None:
        raise BadHost(text)
    port = match["port"]
    if port is not None and not 0 < int(port) < 2**16:
        raise BadHost(text)
    if match["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            raise BadHost(text) from None
    name = match["name"] if match["name"] is not None else match["ipv6"]
    return name.lower(), None if port is None else int(port)


def header_values(scope, name):
    """Every value of the header ``name`` (lower-case bytes) in an ASGI scope, as text."""
    return [value.decode("latin-1") for key, value in scope["headers"] if key == name]


class KnownHosts:
    """ASGI middleware: refuse with 400 a request whose Host header names none of ``hosts`` (against
    DNS rebinding), or is not a host at all."""

    def __init__(self, app, hosts):
        self.app = app
        self.hosts = {host.strip("[]").lower() for host in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            given = header_values(scope, b"host")
            if len(given) != 1 or self.name(given[0]) not in self.hosts:
                header = given[0] if len(given) == 1 else ", ".join(given)
                return await refuse(400, f"this page answers to {', '.join(sorted(self.hosts))} only, not to "
                                         f"{cut(header) or 'a request without a Host header'}; open it by one "
                                         f"of those names")(scope, receive, send)
        return await self.app(scope, receive, send)

    @staticmethod
    def name(header):
        try:
            return parse_host(header)[0]
        except BadHost:
            return None


class SameOrigin:
    """ASGI middleware for every request that may change something (any method but GET, HEAD and
    OPTIONS): 403 if the browser says it comes from another site, 415 if its body is not said to be JSON.

    It sits outside every other middleware of the app (the prediction lane included), so that
    nothing reads such a request before it is refused.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            refusal = from_another_site(scope)
            if refusal is None and scope["method"] in BODY_METHODS:
                refusal = not_json(scope)
            if refusal is not None:
                return await refusal(scope, receive, send)
        return await self.app(scope, receive, send)


def from_another_site(scope):
    """The 403 for a request the browser marks as sent by another site's page, else None."""
    for site in header_values(scope, b"sec-fetch-site"):
        if site.strip().lower() not in ("same-origin", "none"):  # "none": typed in the address bar
            return cross_site(f"Sec-Fetch-Site: {cut(site)}")
    for origin in header_values(scope, b"origin"):
        if not same_origin(origin.strip(), scope):
            return cross_site(f"Origin: {cut(origin)}")
    return None


def cross_site(said):
    return refuse(403, f"this request comes from another web site ({said}), and only this page itself may "
                       f"change anything here; use the page, or a script that sends no Origin header")


def same_origin(origin, scope):
    """Whether an Origin header ("http://127.0.0.1:8000") names this server as the request reached it:
    the same scheme, the host of its Host header, and the same port. "null" never does."""
    scheme, separator, host = origin.partition("://")
    scheme = scheme.lower()
    own_scheme = scope.get("scheme", "http")
    hosts = header_values(scope, b"host")
    if not separator or scheme != own_scheme or scheme not in DEFAULT_PORTS or len(hosts) != 1:
        return False
    try:
        name, port = parse_host(host)
        own_name, own_port = parse_host(hosts[0])
    except BadHost:
        return False
    default = DEFAULT_PORTS[scheme]
    return (name, port or default) == (own_name, own_port or default)


def says_json(headers):
    """Whether ASGI ``headers`` have one Content-Type, and it is application/json (in any case, with
    parameters such as "; charset=utf-8" or without)."""
    types = [value for name, value in headers if name == b"content-type"]
    return len(types) == 1 and types[0].split(b";")[0].strip().lower() == b"application/json"


def not_json(scope):
    """The 415 for a request whose body is not said to be JSON, else None."""
    if says_json(scope["headers"]):
        return None
    media = ", ".join(header_values(scope, b"content-type"))
    got = f"not {cut(media)}" if media else "it had none"
    return refuse(415, f"the request body must be JSON sent with Content-Type: application/json ({got})")
