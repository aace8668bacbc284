"""Gradient descent against stochastic gradient descent, on the real network, from one start.

Both walks train copies of ``Network(seed=0)`` on the first examples of the training set;
``context.quick`` makes them shorter. ``context.network`` is read, never changed. Both first
fall to a plateau where the network gives every image the same answer (``plateau_cost``); the
words on the figure (``walk_words``, ``plateau_words``, ``wander``) come from the runs drawn.
"""

import numpy as np

from ..network import Network
from ._training import BELOW, copy_network, descend, plateau_cost, sample_of
from .registry import register
from .style import INK, SERIES

SGD_COLOR, GD_COLOR = SERIES[0], INK  # not blue or red: those mean + and -
EVERY_STEP = 200   # SGD's first steps, each recorded (its cost and weights): its zigzag shows there


def race(network, train_set, quick, rng):
    """Full-batch GD and SGD (batch 10) from the same copy of ``network``: return (gd_run, sgd_run).

    SGD's first ``EVERY_STEP`` steps are recorded one by one, then about 80 more; GD records
    every step. Both keep their weights at each record, SGD every mini-batch's own cost too.
    """
    n, sgd_epochs, gd_steps = (10_000, 1, 20) if quick else (10_000, 2, 100)
    X, Y = sample_of(train_set, n)
    sample = sample_of(train_set)
    sgd_steps = sgd_epochs * n // 10
    every = np.arange(min(EVERY_STEP, sgd_steps) + 1)
    later = np.concatenate([np.geomspace(1, sgd_steps, 40), np.linspace(1, sgd_steps, 40)]).astype(int)
    sgd = descend(copy_network(network), X, Y, sample, lr=3.0, batch_size=10, steps=sgd_steps, rng=rng,
                  record_at=np.union1d(every, later), keep_vectors=True, keep_batch_costs=True)
    gd = descend(copy_network(network), X, Y, sample, lr=3.0, batch_size=n, steps=gd_steps, rng=rng,
                 keep_vectors=True)
    return gd, sgd


def left_plateau(run, plateau):
    """The index of the first record at which ``run``'s cost is under BELOW x ``plateau``, or None."""
    below = np.flatnonzero(np.asarray(run.costs) < BELOW * plateau)
    return int(below[0]) if below.size else None


def walk_words(name, run, plateau):
    """One line: the walk's first step, and when it got below the plateau (or that it did not)."""
    said = (f"{name}: {run.costs[0]:.2f} → {run.costs[1]:.2f} after step {run.steps[1]} "
            f"({run.examples[1]:,} examples)")
    k = left_plateau(run, plateau)
    if k is None:
        return said + (f"; still on the plateau after {run.steps[-1]:,} steps ({run.examples[-1]:,} examples): "
                       f"{run.costs[-1]:.2f}")
    return said + (f"; below {BELOW * plateau:.2f} after {run.examples[k]:,} examples "
                   f"({run.steps[k]:,} steps, {run.seconds[k]:.2g} s)")


def on_plateau(runs, plateau):
    """(name, run, index): of the ``runs`` ({name: Run}), the one that stayed on the plateau for the most
    examples, and its record (after its first step, before it left) whose cost is nearest ``plateau``."""
    def examples_on_it(item):
        run = item[1]
        end = left_plateau(run, plateau)
        return run.examples[-1 if end is None else end] - run.examples[1]

    name, run = max(runs.items(), key=examples_on_it)
    end = left_plateau(run, plateau)
    k = int(np.argmin(np.abs(np.asarray(run.costs[1:end]) - plateau))) + 1
    return name, run, k


def plateau_words(outputs):
    """What the outputs (n, n_out) of a network on the plateau say: each near its mean, whatever the image."""
    means = outputs.mean(axis=0)
    m = float(outputs.mean())
    spread = float(outputs.std(axis=0).max())
    wrong = outputs.shape[1] - 1
    return (f"Every output is near {m:.2f} ({means.min():.2f} to {means.max():.2f}),\nwhatever the image "
            f"(spread across images ≤ {spread:.2g}):\n"
            f"one image's cost ≈ {wrong} × {m:.2f}² + (1 − {m:.2f})² = {wrong * m ** 2 + (1 - m) ** 2:.2f}")


def wander(vectors):
    """How many times longer a walk's path (its points ``vectors``) is than the line from its start to its end."""
    points = np.asarray(vectors, dtype=np.float64)
    path = np.linalg.norm(np.diff(points, axis=0), axis=1).sum()
    return float(path / np.linalg.norm(points[-1] - points[0]))


def main_directions(rows, k=2):
    """The ``k`` main directions (unit, orthogonal, the leading right singular vectors) of ``rows`` (m, n).

    Found through the m x m matrix rows @ rows.T: for a few hundred rows of 13,002 numbers
    this takes a second where NumPy's SVD of the wide matrix took fifteen.
    """
    _, vectors = np.linalg.eigh(rows @ rows.T)  # eigenvalues ascending
    directions = vectors[:, ::-1][:, :k].T @ rows
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def principal_plane(start, paths):
    """(u, v): the two main directions (unit, orthogonal) of all the paths' points minus ``start``."""
    moves = np.concatenate([np.asarray(path, dtype=np.float64) for path in paths]) - start
    u, v = main_directions(moves)
    return u, v


def ends_plane(start, ends):
    """(u, v): unit, orthogonal directions of the plane through ``start`` and the two weight vectors
    ``ends`` (GD's end and SGD's), u towards the first. Both ends lie on it, so the cost the plane
    shows at each end is that walk's true cost."""
    first, second = (np.asarray(end, dtype=np.float64) - start for end in ends)
    u = first / np.linalg.norm(first)
    v = second - (second @ u) * u
    return u, v / np.linalg.norm(v)


def off_plane(start, u, v, path):
    """How far off the plane (start; u, v) a walk strays: the largest share, over its points, of a point's
    distance from ``start`` that lies off the plane (0: the walk stays on it; 1: it leaves at right angles)."""
    moves = np.asarray(path, dtype=np.float64) - start
    inside = np.outer(moves @ u, u) + np.outer(moves @ v, v)
    lengths = np.linalg.norm(moves, axis=1)
    shares = np.linalg.norm(moves - inside, axis=1)[lengths > 0] / lengths[lengths > 0]
    return float(shares.max()) if shares.size else 0.0


def trajectory_plane(network, start, paths, sample, n_grid=25, margin=0.15, plane=None):
    """The cost on the plane through ``start`` spanned by the paths' two main directions (or by
    ``plane``, a pair of unit, orthogonal directions (u, v) such as ``ends_plane``'s).

    ``paths`` are lists of weight vectors (n_params,). Returns (grid_a, grid_b, costs,
    projected): the cost at ``start + a u + b v`` is ``costs[j, i]`` for a = grid_a[i],
    b = grid_b[j] (measured on the (X, Y) ``sample``), and ``projected[k]`` is path k's
    (a, b) coordinates, shape (len(path), 2).
    """
    u, v = principal_plane(start, paths) if plane is None else plane
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


def _draw_race(ax, gd, sgd, plateau):
    """The cost on the monitor sample against examples seen (0 included), each SGD mini-batch's own faintly."""
    batch_examples = 10 * np.arange(len(sgd.batch_costs))  # a mini-batch's cost is measured before its step
    ax.plot(batch_examples, sgd.batch_costs, ".", color=SGD_COLOR, ms=2, alpha=0.25,
            label="SGD: each mini-batch's own cost (its 10 digits)")
    for run, color, label in ((gd, GD_COLOR, f"gradient descent (all {gd.examples[1]:,} digits each step)"),
                              (sgd, SGD_COLOR, "stochastic gradient descent (10 digits a step)")):
        # a cost holds until the next step is taken: GD's first takes 10,000 examples
        ax.plot(run.examples, run.costs, ".-", color=color, ms=3, lw=1, drawstyle="steps-post", label=label)
    ax.axhline(plateau, color="0.45", ls="--", lw=1,
               label=f"the plateau, {plateau:.2f}: one answer for every image")
    ax.set_xscale("symlog", linthresh=10, linscale=0.5)
    ax.set(xlim=(0, None), ylim=(0, None), xlabel="examples seen (0: the start)",
           ylabel="cost on 2,000 training digits")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(0.12, 0.6))
    ax.set_title(f"The plateau at {plateau:.2f} is the least cost of giving every image the same answer "
                 f"(below {BELOW * plateau:.2f}: {BELOW:.0%} of it, off the plateau)\n"
                 + walk_words("SGD", sgd, plateau) + "\n" + walk_words("GD", gd, plateau), loc="left", fontsize=9)


def _draw_plateau(ax, network, name, run, index, X):
    """The network's outputs at a record on the plateau: each output's mean over X, and its spread."""
    probe = copy_network(network)
    probe.vector[...] = run.vectors[index]
    outputs = probe.feedforward(X).astype(np.float64)
    digits = np.arange(outputs.shape[1])
    ax.bar(digits, outputs.mean(axis=0), yerr=outputs.std(axis=0), color="0.6", ecolor="0.2", capsize=2,
           label="mean over the images (bar: spread)")
    ax.set(xticks=digits, xlabel="output neuron (digit)", ylabel=f"output, over {len(X):,} images",
           ylim=(0, max(0.3, 1.5 * outputs.mean(axis=0).max())))
    ax.set_title(f"On the plateau: {name} after step {run.steps[index]} (cost {run.costs[index]:.3f}).\n"
                 + plateau_words(outputs), loc="left", fontsize=9)
    ax.grid(alpha=0.3, axis="y")


def _draw_plane(ax, grid_a, grid_b, costs, projected):
    """The cost's contours on the plane, labelled along its lowest row, and the walks over them."""
    levels = np.geomspace(costs.min(), costs.max(), 12)[1:-1]
    lines = ax.contour(grid_a, grid_b, costs, levels=levels, cmap="viridis", linewidths=0.8)
    row = costs[1]  # where each contour crosses the second-lowest row of the grid, if it does
    places = [(np.interp(level, row[order], grid_a[order]), grid_b[1])
              for level in levels for order in [np.argsort(row)] if row.min() < level < row.max()]
    ax.clabel(lines, fontsize=8, fmt="%.2f", manual=places or False)
    for path, color, label, zorder in zip(projected, (GD_COLOR, SGD_COLOR), ("GD", "SGD"), (3, 2)):
        ax.plot(path[:, 0], path[:, 1], ".-", color=color, ms=2, lw=0.8, label=f"{label} (X: its end)", zorder=zorder)
        ax.plot(*path[-1], "X", color=color, ms=9, mec="black", zorder=zorder)
    ax.plot(0, 0, "ko", ms=7, label="start (Network(seed=0))")
    ax.set(xlabel="towards GD's end", ylabel="across, towards SGD's end")
    ax.legend(fontsize=8, loc="lower right")


@register(
    "gd-vs-sgd", "Gradient descent vs stochastic gradient descent on the real network",
    "Gradient descent computes the slope on every digit of its training set before it takes one careful step; "
    "stochastic gradient descent takes a step after every ten. SGD's steps are noisy, a drunk man "
    "walking down a hill: each mini-batch's own cost jumps, and his path in weight space zigzags; but he "
    "takes a thousand steps while GD takes one. Both first fall to a plateau where the network gives "
    "every image the same answer, and the words on the figure say at what cost, and how many examples "
    "each walk needed to get below it. The lower right panel cuts the space of the 13,002 weights and biases "
    "with the plane through the start and both walks' ends, and draws the cost on it: at the ends it is "
    "their true cost; the points between are their shadows on the plane, and the words say how far the "
    "walks leave it.",
    size=(9.6, 9.5),
    section="sgd",
)
def make_gd_vs_sgd(fig, context):
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(1, 1.25), height_ratios=(1, 1.3))
    ax_race = fig.add_subplot(grid[0, :])
    ax_plateau, ax_plane = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    start = Network(seed=0)
    gd, sgd = race(start, context.train_set, context.quick, context.rng)
    X, Y = sample_of(context.train_set)
    plateau = plateau_cost(Y)
    _draw_race(ax_race, gd, sgd, plateau)
    _draw_plateau(ax_plateau, start, *on_plateau({"GD": gd, "SGD": sgd}, plateau), X)
    every = min(EVERY_STEP, sgd.steps[-1])  # SGD's first steps, each recorded
    origin = start.vector.astype(np.float64)
    u, v = ends_plane(origin, (gd.vectors[-1], sgd.vectors[-1]))
    plane = trajectory_plane(start, origin, [gd.vectors, sgd.vectors], (X, Y),
                             n_grid=13 if context.quick else 17, plane=(u, v))
    _draw_plane(ax_plane, *plane)
    strays = max(off_plane(origin, u, v, path) for path in (gd.vectors, sgd.vectors))
    ax_plane.set_title(f"The cost on the plane through the start and both ends.\nThe ends are on it; "
                       f"the walks between stray up to {strays:.0%}\nof their distance off it. "
                       f"SGD's first {every} steps walk {wander(sgd.vectors[:every + 1]):.1f}×\nas far as they "
                       f"get (the drunk man); GD's {gd.steps[-1]}: {wander(gd.vectors):.1f}×",
                       loc="left", fontsize=9)
    fig.suptitle(f"The same start, two ways down: GD took {gd.steps[-1]} steps, SGD {sgd.steps[-1]:,}")
    return fig
