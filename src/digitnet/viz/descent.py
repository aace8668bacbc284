"""Gradient descent on small functions: ``simple_gd`` walking down curves and surfaces.

Every word on the figure about a walk (what it did, where it ended, in or around which minimum) is
the core's verdict on the very path drawn (``digitnet.walks.describe_walk``), the same words the web
page shows.
"""

import textwrap
from dataclasses import dataclass

import numpy as np

from ..descent import FUNCTIONS, simple_gd
from ..walks import describe_walk, local_minima
from .registry import register
from .style import INK, SERIES

# the walks' colours and markers: style.SERIES and INK (Okabe-Ito, told apart with the common kinds of
# colour blindness, and never the blue and red of a sign); the markers tell them apart in grey too
RATE_STYLES = [(SERIES[0], "o"), (INK, "s"), (SERIES[1], "^"), (SERIES[2], "D")]
WRAP = 52  # characters to a line of a walk's words, beside its panel


@dataclass(frozen=True)
class Panel:
    """One panel: walks down FUNCTIONS[function] from its start, one per (learning rate, n_iter) of
    ``runs``; ``view`` is the y limits (one variable) or the (x limits, y limits) shown."""

    title: str
    function: str
    runs: tuple
    view: tuple


PANELS = (
    Panel("x² from 10", "square", ((0.02, 50), (0.2, 50), (1.0, 50), (1.1, 4)), (-25, 500)),
    Panel("x⁴ − 5x² − 3x from 0", "quartic", ((0.05, 50), (0.1, 50), (0.13, 50), (0.2, 50)), (-13, 12)),
    Panel("bowl x² + 10y² from (8, 1)", "bowl", ((0.095, 60), (0.02, 60)), ((-9, 9), (-1.5, 1.5))),
    Panel("Rosenbrock (1 − x)² + 100(y − x²)² from (−1.2, 1)", "rosenbrock",
          ((0.002, 2000), (0.001, 2000), (0.0001, 2000)), ((-1.5, 1.5), (-0.5, 2))),
)


def walks(panel):
    """(learning rate, path as an array (n, dimensions), verdict) for each run of ``panel``."""
    function = FUNCTIONS[panel.function]
    start = function.start if function.dimensions == 1 else np.array(function.start)
    answer = []
    for lr, n_iter in panel.runs:
        _, path = simple_gd(function.gradient, start, lr, n_iter=n_iter)
        answer.append((lr, np.array(path).reshape(len(path), -1), describe_walk(function, path, n_iter)))
    return answer


def walk_label(lr, walk):
    """A walk's words in the legend: its rate and the verdict's summary, wrapped to fit beside the panel."""
    return textwrap.fill(f"lr {lr}: {walk.summary}", WRAP, subsequent_indent="  ")


def _draw_1d(ax, panel):
    function = FUNCTIONS[panel.function]
    runs = walks(panel)
    xs = np.concatenate([path[:, 0] for _, path, _ in runs])
    start = function.start
    x = np.linspace(min(xs.min(), -abs(start)) - 0.5, max(xs.max(), abs(start)) + 0.5, 400)
    ax.plot(x, function.f(x), color="black", lw=1.5, zorder=0)
    for (lr, path, walk), (color, marker) in zip(runs, RATE_STYLES):
        ax.plot(path[:, 0], function.f(path[:, 0]), "-", marker=marker, color=color, ms=4, lw=1,
                alpha=0.85, label=walk_label(lr, walk))
    minima = local_minima(function.gradient, x[0], x[-1])
    ax.plot(minima, function.f(np.array(minima)), "k|", ms=14, mew=2,
            label="local minima: " + ", ".join(f"{m:.4g}" for m in minima))
    ax.plot(start, function.f(start), "ko", ms=8, label="start")
    ax.set(title=panel.title, xlabel="x", ylabel="f(x)", ylim=panel.view)


def _draw_2d(ax, panel):
    function = FUNCTIONS[panel.function]
    (x0, x1), (y0, y1) = panel.view
    x, y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    z = function.f(x, y)
    ax.contour(x, y, z, levels=np.geomspace(0.05, z.max(), 15), colors="0.7", linewidths=0.7)
    for (lr, path, walk), (color, marker) in zip(walks(panel), RATE_STYLES):
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.2, label=walk_label(lr, walk))
        ax.plot(*path[-1], marker, color=color, ms=9, mec="black")
    ax.plot(*function.start, "ko", ms=8, label="start")
    ax.set(title=panel.title, xlabel="x", ylabel="y", xlim=(x0, x1), ylim=(y0, y1))


def draw_panel(ax, words_ax, panel):
    """Draw ``panel``'s walks on ``ax`` and what each did (the verdicts) on ``words_ax``, as a legend."""
    if FUNCTIONS[panel.function].dimensions == 1:
        _draw_1d(ax, panel)
    else:
        _draw_2d(ax, panel)
    words_ax.axis("off")
    words_ax.legend(*ax.get_legend_handles_labels(), loc="center left", fontsize=9, frameon=False,
                    borderaxespad=0, handlelength=2.5)
    return ax


@register(
    "descent", "Gradient descent on small functions: settling, bouncing, creeping, diverging",
    "Gradient descent steps downhill by the learning rate times the slope, x ← x − lr · f′(x), until "
    "its step falls below a tolerance or its steps run out. Beside each panel, each walk's verdict says in "
    "words what that walk did and where it ended (on a curve, in or around which minimum). Near a minimum a "
    "step overshoots by more than it started from when the rate times the curvature there is above 2: such a "
    "walk bounces without settling, or flies off. Too small a rate crawls: its steps run out, or fall below "
    "the tolerance, before it gets far. On the curve with two valleys, which one a walk ends in can depend on "
    "how far it steps.",
    size=(9.6, 11.5),
    section="gradient-descent",
)
def make_descent(fig, context, panels=PANELS):
    """Draw ``panels`` (a list of Panel), one to a row: the walks on the left, their verdicts on the right."""
    grid = fig.add_gridspec(len(panels), 2, width_ratios=(1.05, 1))
    for row, panel in enumerate(panels):
        draw_panel(fig.add_subplot(grid[row, 0]), fig.add_subplot(grid[row, 1]), panel)
    fig.suptitle("Gradient descent, x ← x − lr · f′(x), with simple_gd: what each walk did")
    return fig
