"""``digitnet show`` and ``digitnet report``: the lesson's figures, drawn from a trained model."""

import time
from pathlib import Path

from .common import EXIT_OK, UsageError, load_model, say


def _context(args, network):
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from ..viz import Context

    image = None
    if getattr(args, "image", None):
        from ..data.image import ImageError, prepare_image

        try:
            image = prepare_image(args.image)
        except ImageError as error:
            raise UsageError(str(error)) from None
    return Context(network=network, data_dir=args.data, image=image, rng=np.random.default_rng(0),
                   quick=args.quick)


def cmd_show(args):
    from ..viz import FIGURES
    from ..viz.report import FORMATS, save_figure

    if args.name is None:
        width = max(len(name) for name in FIGURES)
        for entry in FIGURES.values():
            print(f"{entry.name:<{width}}  {entry.summary}")
        return EXIT_OK
    if args.name not in FIGURES:
        raise UsageError(f"unknown figure {args.name!r}; choose one of: {', '.join(FIGURES)}")
    out = Path(args.out or f"{args.name}.png")
    animated = args.name == "filmstrip" and out.suffix.lower() == ".gif"
    if out.suffix.lower() not in FORMATS and not animated:
        raise UsageError(f"--out {out} must end in {', '.join(FORMATS)} (or .gif for the filmstrip)")
    network, _ = load_model(args.model)
    _check_mnist_model(network)
    started = time.perf_counter()
    if animated:
        from ..viz.inside import save_filmstrip_gif

        save_filmstrip_gif(_context(args, network), out)
    else:
        save_figure(args.name, _context(args, network), out)
    print(f"{out} ({time.perf_counter() - started:.1f} s)")
    return EXIT_OK


def cmd_report(args):
    from ..viz.report import write_report

    network, _ = load_model(args.model)
    _check_mnist_model(network)
    started = time.perf_counter()
    page = write_report(_context(args, network), args.out,
                        on_figure=lambda name, seconds: say(f"  {name}: {seconds:.1f} s"))
    print(f"{page} ({time.perf_counter() - started:.1f} s)")
    return EXIT_OK


def _check_mnist_model(network):
    if network.sizes[0] != 784:
        raise UsageError(f"the figures show 28x28 digits, but this model reads {network.sizes[0]} inputs")
