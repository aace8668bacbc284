"""Gradient descent against stochastic gradient descent, on the real network, from one start.

Both walks train copies of ``Network(seed=0)`` on the first examples of the training set;
``context.quick`` makes them shorter. ``context.network`` is read, never changed.
"""

import numpy as np

from ..network import Network
from ._training import copy_network, descend, sample_of
from .registry import register

SGD_COLOR, GD_COLOR = "tab:orange", "tab:blue"


def race(network, train_set, quick, rng):
    """Full-batch GD and SGD (batch 10) from the same copy of ``network``: return (gd_run, sgd_run)."""
    n, sgd_epochs, gd_steps = (10_000, 1, 30) if quick else (20_000, 2, 100)
    X, Y = sample_of(train_set, n)
    sample = sample_of(train_set)
    sgd_steps = sgd_epochs * n // 10
    record_at = np.unique(np.concatenate([np.geomspace(1, sgd_steps, 40), np.linspace(1, sgd_steps, 40)]).astype(int))
    sgd = descend(copy_network(network), X, Y, sample, lr=3.0, batch_size=10, steps=sgd_steps, rng=rng,
                  record_at=record_at, keep_vectors=True)
    gd = descend(copy_network(network), X, Y, sample, lr=3.0, batch_size=n, steps=gd_steps, rng=rng,
                 keep_vectors=True)
    return gd, sgd


def principal_plane(start, paths):
    """(u, v): the two main directions (unit, orthogonal) of all the paths' points minus ``start``."""
    moves = np.concatenate([np.asarray(path, dtype=np.float64) for path in paths]) - start
    _, _, directions = np.linalg.svd(moves, full_matrices=False)
    return directions[0], directions[1]


def trajectory_plane(network, start, paths, sample, n_grid=25, margin=0.15):
    """The cost on the plane through ``start`` spanned by the paths' two main directions.

    ``paths`` are lists of weight vectors (n_params,). Returns (grid_a, grid_b, costs,
    projected): the cost at ``start + a u + b v`` is ``costs[j, i]`` for a = grid_a[i],
    b = grid_b[j] (measured on the (X, Y) ``sample``), and ``projected[k]`` is path k's
    (a, b) coordinates, shape (len(path), 2).
    """
    u, v = principal_plane(start, paths)
    basis = np.stack([u, v])
    projected = [(np.asarray(path, dtype=np.float64) - start) @ basis.T for path in paths]
    points = np.concatenate(projected)
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * (high - low)
    grid_a = np.linspace(low[0] - pad[0], high[0] + pad[0], n_grid)
    grid_b = np.linspace(low[1] - pad[1], high[1] + pad[1], n_grid)
    probe = copy_network(network)
    costs = np.empty((n_grid, n_grid))
    with np.errstate(over="ignore"):
        for j, b in enumerate(grid_b):
            for i, a in enumerate(grid_a):
                probe.vector[...] = start + a * u + b * v
                costs[j, i] = probe.cost_value(*sample)
    return grid_a, grid_b, costs, projected


def _draw_race(ax_examples, ax_seconds, gd, sgd):
    for run, color, label in ((gd, GD_COLOR, "gradient descent (full batch)"),
                              (sgd, SGD_COLOR, "stochastic gradient descent (batch 10)")):
        ax_examples.plot(run.examples[1:], run.costs[1:], ".-", color=color, ms=3, label=label)
        ax_seconds.plot(run.seconds, run.costs, ".-", color=color, ms=3, label=label)
    ax_examples.axhline(sgd.costs[0], color="0.5", ls=":", label=f"cost at the start ({sgd.costs[0]:.2f})")
    ax_examples.set(xscale="log", xlabel="examples seen", ylabel="cost on 2,000 training digits")
    ax_seconds.set(xlabel="seconds of training", ylabel="cost on 2,000 training digits")
    for ax in (ax_examples, ax_seconds):
        ax.grid(alpha=0.3)
    ax_examples.legend(fontsize="small")


def _draw_plane(ax, grid_a, grid_b, costs, projected):
    lines = ax.contour(grid_a, grid_b, costs, levels=np.geomspace(costs.min(), costs.max(), 16)[1:-1],
                       cmap="viridis", linewidths=0.8)
    ax.clabel(lines, fontsize=7, fmt="%.2f")
    for path, color, label, zorder in zip(projected, (GD_COLOR, SGD_COLOR), ("GD", "SGD"), (3, 2)):
        ax.plot(path[:, 0], path[:, 1], ".-", color=color, ms=4, lw=1.5, label=f"{label} (X: its end)", zorder=zorder)
        ax.plot(*path[-1], "X", color=color, ms=10, mec="black", zorder=zorder)
    ax.plot(0, 0, "ko", ms=8, label="start (Network(seed=0))")
    ax.set(xlabel="first main direction of the walk", ylabel="second main direction",
           title="The walks in weight space, over the cost on their plane")
    ax.legend(fontsize="small")


@register(
    "gd-vs-sgd", "Gradient descent vs stochastic gradient descent on the real network",
    "Gradient descent computes the slope on every training digit before it takes one careful step; "
    "stochastic gradient descent takes a step after every ten. SGD's steps are noisy, a drunk man "
    "walking down a hill, but he takes a thousand steps while GD takes one, so he gets down faster. "
    "The right panel squeezes the 13,002 weights into the plane of the walks' two main directions; "
    "the contours are the cost on that plane, which the walks leave a little.",
    size=(14, 6),
    section="sgd",
)
def make_gd_vs_sgd(fig, context):
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(1, 1.3))
    ax_examples, ax_seconds = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
    ax_plane = fig.add_subplot(grid[:, 1])
    start = Network(seed=0)
    gd, sgd = race(start, context.train_set, context.quick, context.rng)
    _draw_race(ax_examples, ax_seconds, gd, sgd)
    n_grid = 15 if context.quick else 25
    _draw_plane(ax_plane, *trajectory_plane(start, start.vector.astype(np.float64), [gd.vectors, sgd.vectors],
                                            sample_of(context.train_set), n_grid=n_grid))
    fig.suptitle(f"The same start, two ways down: GD took {gd.steps[-1]} steps, SGD {sgd.steps[-1]:,}")
    return fig
