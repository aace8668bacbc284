"""``digitnet serve``: the web page, on this machine only unless told otherwise."""

import os
import socket

from .common import EXIT_OK, UsageError, load_model, say


def cmd_serve(args):
    try:
        import uvicorn
    except ImportError:
        raise UsageError("the web page needs uvicorn and fastapi; reinstall digitnet with `pip install -e .`") from None
    from ..web import create_app

    network, path = load_model(args.model)
    if network.sizes != (784, 16, 16, 10):
        raise UsageError(f"the page shows the lesson's 784-16-16-10 network, but {path} is "
                         f"{'-'.join(map(str, network.sizes))}; train one with `digitnet train`")
    _check_free(args.host, args.port)
    app = create_app(network, model_path=path, data_dir=args.data)
    say(f"digitnet: the page is at http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _check_free(host, port):
    """Refuse, in one sentence, an address we cannot listen on (uvicorn would only log it)."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise UsageError(f"cannot listen on {host}:{port} ({reason}); "
                         f"choose another --port or --host") from None
