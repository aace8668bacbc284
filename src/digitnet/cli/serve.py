"""``digitnet serve``: the web page, on this machine only unless told otherwise."""

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
    app = create_app(network, model_path=path, data_dir=args.data)
    say(f"digitnet: the page is at http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port} ({error.strerror}); choose another --port") from None
    return EXIT_OK
