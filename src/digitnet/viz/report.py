"""Save figures, and the handout: every figure with its paragraph on one HTML page."""

import html
import time
from pathlib import Path

from ..files import write_atomically
from .registry import FIGURES, draw

FORMATS = (".png", ".svg", ".pdf")


def save_figure(name, context, path, dpi=110):
    """Draw the figure called ``name`` from ``context`` and write it to ``path`` (.png, .svg or .pdf)."""
    figure = draw(name, context)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # beside its place, then renamed over it: never half a figure, and a pipe there is replaced, not waited on
    write_atomically(path, lambda file: figure.savefig(file, dpi=dpi, format=path.suffix.lstrip(".").lower()))
    return path


def write_report(context, folder, on_figure=None):
    """Write every figure as PNG into ``folder`` and an ``index.html`` that walks through them.

    ``on_figure(name, seconds)`` is called after each figure. Returns the page's path.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for number, entry in enumerate(FIGURES.values(), start=1):
        started = time.perf_counter()
        save_figure(entry.name, context, folder / f"{entry.name}.png")
        if on_figure is not None:
            on_figure(entry.name, time.perf_counter() - started)
        sections.append(
            f'<section id="{entry.name}">\n<h2>{number}. {html.escape(entry.summary)}</h2>\n'
            f"<p>{html.escape(entry.paragraph)}</p>\n"
            f'<img src="{entry.name}.png" alt="{html.escape(entry.summary)}">\n</section>'
        )
    page = folder / "index.html"
    text = _PAGE.format(network=html.escape(_describe(context.network)), sections="\n".join(sections))
    write_atomically(page, lambda file: file.write(text.encode()))
    return page


def _describe(network):
    meta = network.metadata
    accuracy = meta.get("test_accuracy")
    data = meta.get("data") if meta.get("data") not in (None, "bundled MNIST") else "MNIST"
    trained = f", {accuracy:.2%} on the test set" if isinstance(accuracy, (int, float)) else ""
    return (f"{'-'.join(map(str, network.sizes))} network of {network.activation.name} neurons, "
            f"trained with digitnet on {data}{trained}")


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>How a neural network learns to read digits</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
section {{ margin-bottom: 3em; }}
</style>
</head>
<body>
<h1>How a neural network learns to read digits</h1>
<p>Every figure below was drawn from a real {network},
in the order of the lesson: what a neuron is, how layers light up, what the weights look for,
how gradient descent and backpropagation train them, and what the network did and did not learn.</p>
{sections}
</body>
</html>
"""
