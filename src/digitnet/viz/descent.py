"""Gradient descent on small functions: ``simple_gd`` walking down curves and surfaces."""

import numpy as np

from ..descent import FUNCTIONS, simple_gd
from .registry import register

_square, _quartic, _bowl, _rosenbrock = (FUNCTIONS[name] for name in ("square", "quartic", "bowl", "rosenbrock"))

# (title, f, gradient, start, [(learning rate, n_iter), ...]) for each panel, in order
DESCENTS_1D = [
    ("x² from 10", _square.f, _square.gradient, _square.start, [(0.2, 50), (1.0, 50), (1.1, 4)]),
    ("x⁴ − 5x² − 3x from 0", _quartic.f, _quartic.gradient, _quartic.start, [(0.2, 50), (0.1, 50)]),
]
DESCENTS_2D = [
    ("bowl x² + 10y²", _bowl.f, _bowl.gradient, _bowl.start, [(0.095, 60), (0.02, 60)], ((-9, 9), (-1.5, 1.5))),
    ("Rosenbrock (1 − x)² + 100(y − x²)²", _rosenbrock.f, _rosenbrock.gradient, _rosenbrock.start,
     [(0.002, 2000), (0.001, 2000), (0.0001, 2000)], ((-1.5, 1.5), (-0.5, 2))),
]
RATE_COLORS = ["tab:green", "tab:orange", "tab:red"]


def _draw_1d(ax, title, f, gradient, start, runs):
    ends = []
    for (lr, n_iter), color in zip(runs, RATE_COLORS):
        end, path = simple_gd(gradient, start, lr, n_iter=n_iter)
        path = np.array(path)
        ax.plot(path, f(path), "o-", color=color, ms=3, lw=1, label=f"lr {lr}: ends at {end:.4g}")
        ends.append(path)
    xs = np.concatenate(ends)
    x = np.linspace(min(xs.min(), -abs(start)) - 0.5, max(xs.max(), abs(start)) + 0.5, 400)
    ax.plot(x, f(x), color="black", lw=1.5, zorder=0)
    ax.plot(start, f(start), "ko", ms=8, label="start")
    ax.set(title=title, xlabel="x", ylabel="f(x)")


def _draw_2d(ax, title, f, gradient, start, runs, limits):
    (x0, x1), (y0, y1) = limits
    x, y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    ax.contour(x, y, f(x, y), levels=np.geomspace(0.05, f(x, y).max(), 15), colors="0.7", linewidths=0.7)
    for (lr, n_iter), color in zip(runs, RATE_COLORS):
        end, path = simple_gd(gradient, np.array(start), lr, n_iter=n_iter)
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], ".-", color=color, ms=3, lw=1,
                label=f"lr {lr}: {len(path) - 1} steps, ends at ({end[0]:.2f}, {end[1]:.2f})")
        ax.plot(*end, "X", color=color, ms=9, mec="black")
    ax.plot(*start, "ko", ms=8, label="start")
    ax.set(title=title, xlabel="x", ylabel="y", xlim=(x0, x1), ylim=(y0, y1))


@register(
    "descent", "Gradient descent on small functions: converging, oscillating, diverging, stalling",
    "Gradient descent steps downhill by the learning rate times the slope. Too large a rate "
    "overshoots: it bounces between the walls of a valley, or flies off; too small a rate crawls "
    "and stalls in a long, flat valley. Where it ends depends on where it starts and how far it "
    "steps: on the curve with two valleys, two rates end in two different minima.",
    size=(12, 9),
    section="gradient-descent",
)
def make_descent(fig, context):
    fig.set_layout_engine("constrained")
    axes = fig.subplots(2, 2)
    for ax, descent in zip(axes[0], DESCENTS_1D):
        _draw_1d(ax, *descent)
    for ax, descent in zip(axes[1], DESCENTS_2D):
        _draw_2d(ax, *descent)
    for ax in axes.flat:
        ax.legend(loc="best", fontsize="small")
    axes[0, 0].set_ylim(-25, 500)
    axes[0, 1].set_ylim(None, 12)
    fig.suptitle("Gradient descent, x ← x − lr · f′(x), with simple_gd")
    return fig
