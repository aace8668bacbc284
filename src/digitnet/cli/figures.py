"""``digitnet show`` and ``digitnet report``: the lesson's figures, drawn from a trained model."""

import os
import time
from pathlib import Path

from .common import (
    EXIT_OK,
    UsageError,
    check_folder,
    check_out_file,
    check_out_of_images,
    data_folder,
    load_lesson_data,
    load_seed_shaped,
    same_file,
    say,
)

NEEDS_NO_MODEL = ("bias", "descent")  # drawn from formulas, not from a network
READS_IMAGES = ("preparation",)  # the figures drawn from labelled images (--images)


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
    folder = data_folder(args)
    datasets = load_lesson_data(folder, "the figures are drawn for") if folder is not None else None
    return Context(network=network, data_dir=folder, image=image, rng=np.random.default_rng(0),
                   quick=args.quick, datasets=datasets, images=_images(args))


def _images(args):
    """The labelled images of the preparation figure: --images, else the kept digits if there are enough."""
    if getattr(args, "images", None):
        return Path(args.images)
    from ..viz.preparation import default_images

    return default_images()


def _check_images(args, out):
    """Refuse, in one sentence and before any work, an --images folder that cannot be read as labelled
    images, or that --out would write into."""
    if not getattr(args, "images", None):
        return
    from ..data.folder import FolderError, list_labelled_images

    try:
        list_labelled_images(args.images)
    except FolderError as error:
        raise UsageError(str(error)) from None
    check_out_of_images(out, args.images, "--images")


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
    if args.images and args.name not in READS_IMAGES:
        raise UsageError(f"--images is read by the {', '.join(READS_IMAGES)} figure only, not by {args.name}; "
                         f"leave it out, or use --image for one digit")
    check_out_file(out, f"{args.name}.png", reads=[args.image, args.model])
    _check_images(args, out)
    check_folder(out.parent, "--out")
    network = None if args.name in NEEDS_NO_MODEL and args.model is None else _lesson_network(args.model)
    started = time.perf_counter()
    context = _context(args, network)
    with _saving(out):
        if animated:
            from ..viz.filmstrip import save_filmstrip_gif

            save_filmstrip_gif(context, out)
        else:
            save_figure(args.name, context, out)
    print(f"{out} ({time.perf_counter() - started:.1f} s)")
    return EXIT_OK


def cmd_report(args):
    from ..viz import FIGURES
    from ..viz.report import write_report

    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file; the report needs a folder for its figures and index.html")
    for name in ("index.html", *(f"{figure}.png" for figure in FIGURES)):  # what it writes there
        if any(same_file(folder / name, read) for read in (args.image, args.model) if read):
            raise UsageError(f"--out {folder} holds {name}, which this command reads (--image or --model) and "
                             f"would write over; choose another --out")
    _check_images(args, folder / "index.html")
    check_folder(folder, "--out")
    network = _lesson_network(args.model)
    started = time.perf_counter()
    with _saving(folder, folder=True):
        page = write_report(_context(args, network), folder,
                            on_figure=lambda name, seconds: say(f"  {name}: {seconds:.1f} s"))
    print(f"{page} ({time.perf_counter() - started:.1f} s)")
    return EXIT_OK


class _saving:
    """Turn a failure to write the figure (a full disk, say), or to read a labelled image, into one sentence:
    an OSError naming a file that this command does not write (one read while drawing) names that file, not
    ``where`` (the --out of show, a file; of report, a folder)."""

    def __init__(self, where, folder=False):
        self.where = Path(where)
        self.folder = Path(where) if folder else Path(where).parent  # where the figures (and their temporaries) go

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        from ..data.folder import FolderError

        if isinstance(error, FolderError):  # an image of the labelled folder that cannot be read
            raise UsageError(str(error)) from None
        if isinstance(error, OSError):
            if error.filename is not None and not self._written(error.filename):
                raise UsageError(f"could not read {os.fsdecode(error.filename)}: {error.strerror or error}; check "
                                 f"that it is there and can be read") from None
            raise UsageError(f"could not write {self.where}: {error.strerror or error}") from None
        return False

    def _written(self, filename):
        """Whether ``filename`` is one this command writes: a file in the figures' folder (its own, or where a link
        at --out leads), or that folder or one above it (made if missing)."""
        path = Path(os.path.realpath(os.fsdecode(filename)))
        folders = {Path(os.path.realpath(self.folder))}
        if not self.where.is_dir():
            folders.add(Path(os.path.realpath(self.where)).parent)
        return any(path.parent == folder or path == folder or path in folder.parents for folder in folders)


def _lesson_network(path):
    return load_seed_shaped(path, "the figures are drawn for")[0]
