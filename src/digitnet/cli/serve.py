"""``digitnet serve``: the web page, on this machine only unless told otherwise."""

import ipaddress
import os
import socket

from .common import EXIT_OK, UsageError, data_folder, load_lesson_data, load_seed_shaped, say


def cmd_serve(args):
    try:
        import uvicorn
    except ImportError:
        raise UsageError("the web page needs uvicorn and fastapi; reinstall digitnet with `pip install -e .`") from None
    from ..web import create_app

    network, path = load_seed_shaped(args.model, "the page shows")
    _check_free(args.host, args.port)
    # on this machine only, the page also answers only to this machine's names (no DNS rebinding)
    hosts = ("127.0.0.1", "localhost", "::1", args.host) if is_local(args.host) else None
    # a network trained from the page is kept beside the model, never over it
    page_model = path.with_name(f"{path.stem}.page.npz")
    folder = data_folder(args)
    if folder is not None:  # checked now, not when the page first trains on it
        load_lesson_data(folder, "the page trains")
    app = create_app(network, model_path=page_model, data_dir=folder, hosts=hosts)
    if not is_local(args.host):
        say(f"digitnet: WARNING: listening on {args.host}, not on this machine only: anyone who can reach it "
            f"can use the page and start trainings, with no password; use --host 127.0.0.1 to keep it private")
    say(f"digitnet: the page is at {page_url(args.host, args.port)} (Ctrl-C stops it); networks trained "
        f"there are saved to {page_model}, and {path} stays as it is")
    options = server_options()
    if options["http"] == "h11":
        say("digitnet: note: this uvicorn's httptools protocol is not the one web/protocol.py bounds; serving "
            "with h11 instead, whose bound on a request's headers is looser and has no time limit")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", **options)
    return EXIT_OK


def server_options():
    """What uvicorn is told besides the app and the address: bounds on what clients may hold.

    A request's line and headers: at most 16 KB, within 10 s (``web.protocol``; no time bound if
    ``http_options`` falls back to h11); its body: 2 MB, within 20 s (``web.errors.BodyLimit``); an
    idle kept-alive connection: closed after 5 s; and past 100 connections or requests at once, a new
    request gets 503 (a page has one user).
    """
    return {**http_options(), "timeout_keep_alive": 5, "limit_concurrency": 100}


# uvicorn's public h11 option: 16 KB (web.protocol.MAX_HEAD, which cannot be imported without httptools),
# counted loosely, as the bytes held between reads, and no bound on the head's time
H11_BOUNDED = {"http": "h11", "h11_max_incomplete_event_size": 16 * 2**10}


def http_options():
    """The HTTP protocol: ``web.protocol.BoundedHttpTools``, which subclasses uvicorn's internal httptools
    protocol; or, if that is not there as it was written for (no httptools, a uvicorn that moved it or
    dropped a callback it overrides), uvicorn's h11 with a looser bound on the head's size (``H11_BOUNDED``)."""
    try:
        from ..web.protocol import BoundedHttpTools, fits_uvicorn
    except ImportError:
        return dict(H11_BOUNDED)
    return {"http": BoundedHttpTools} if fits_uvicorn() else dict(H11_BOUNDED)


def is_local(host):
    """Whether ``host`` (an address or a name) is this machine only: every address it names is a loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def page_url(host, port):
    """The page's address: an IPv6 host in brackets; "any address" (0.0.0.0, ::) shown as localhost."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _check_free(host, port):
    """Refuse, in one sentence, an address we cannot listen on (uvicorn would only log it)."""
    try:
        socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError) as error:  # UnicodeError: a name no resolver can take ("a..b")
        reason = error.strerror if isinstance(error, socket.gaierror) else "not a valid host name"
        raise UsageError(f"cannot listen on {host} ({reason}); give --host an address or a name of "
                         f"this machine") from None
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        # a resolver's error numbers are its own (negative): its message says what they mean
        reason = os.strerror(error.errno) if error.errno and error.errno > 0 else error.strerror or str(error)
        raise UsageError(f"cannot listen on {host}:{port} ({reason}); "
                         f"choose another --port or --host") from None
