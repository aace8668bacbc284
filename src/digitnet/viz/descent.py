"""Figures of the gradient-descent lesson: training curves, small descents, GD vs SGD, the learning rate.

Each figure that needs a training run trains its own copies of the seed network, from
``Network(seed=0)``, on the first examples of the training set; ``context.quick`` makes
those runs shorter. ``context.network`` is read, never changed.
"""

import numpy as np

from ..descent import FUNCTIONS, simple_gd
from ..network import Network
from ..recipes import RECIPES
from ..recipes import train_recipe as train_by_recipe
from ._training import BatchCosts, descend
from .registry import register

SGD_COLOR, GD_COLOR = "tab:orange", "tab:blue"
MONITOR_SIZE = 2_000  # training examples the cost is measured on


def copy_network(network):
    """A new Network with the same layout and weights (deepcopy would break the views into ``vector``)."""
    clone = Network(**network.config())
    clone.vector[...] = network.vector
    return clone


def _sample(dataset, n=MONITOR_SIZE):
    """(X, Y) of the first n examples of a Dataset."""
    part = dataset.take(n)
    return part.X, part.Y


# -- 1. cost and accuracy curves ---------------------------------------------------------------

def train_recipe(recipe, train_set, test_set, epochs, seed=0):
    """Train ``Network(seed)`` by a recipe for ``epochs``; return (History, cost of each mini-batch)."""
    network = recipe.network(seed=seed)
    with BatchCosts(network) as batch_costs:  # it sees the readable path's Network.gradient only
        history = train_by_recipe(network, recipe.with_changes(epochs=epochs), train_set, test_set,
                                  rng=np.random.default_rng(seed), fast_path=False)
    return history, batch_costs.values


def _column(epochs, key):
    """One field of each epoch (EpochResults or their dicts) as floats, NaN where it is missing."""
    values = [(e if isinstance(e, dict) else vars(e)).get(key) for e in epochs]
    return np.array([np.nan if value is None else value for value in values], dtype=float)


def _draw_history(ax_cost, ax_accuracy, epochs, label=""):
    """Train and test cost on ax_cost, test accuracy on ax_accuracy, per epoch."""
    epoch = _column(epochs, "epoch")
    ax_cost.plot(epoch, _column(epochs, "train_cost"), "o-", color="tab:blue", label=f"{label}train cost")
    ax_cost.plot(epoch, _column(epochs, "test_cost"), "s-", color="tab:red", label=f"{label}test cost")
    ax_accuracy.plot(epoch, 100 * _column(epochs, "test_accuracy"), "o-", color="tab:blue",
                     label=f"{label}test accuracy")
    saturation = _column(epochs, "saturation")
    if not np.all(np.isnan(saturation)):  # training health: sigmoid neurons with sigma'(z) < 0.01
        ax_accuracy.plot(epoch, 100 * saturation, "--", color="tab:gray",
                         label=f"{label}saturated sigmoid neurons (%)")


@register(
    "curves", "Cost and accuracy per epoch: the training history, seed vs modern recipe",
    "Training lowers the cost: on the examples it learns from (train) and on ones it never sees (test). "
    "Each mini-batch's own cost jumps around, because ten digits are a noisy sample; the cost over "
    "many examples falls smoothly. Without a saved history, the right panel also shows the modern "
    "recipe (ReLU, softmax, cross-entropy, Adam) trained from the same seed for as long, with the "
    "same 13,002 parameters: the two costs differ, so only their accuracies are compared.",
    size=(12, 5),
)
def make_curves(fig, context):
    fig.set_layout_engine("constrained")
    ax_cost, ax_accuracy = fig.subplots(1, 2)
    history = context.network.metadata.get("history")
    if history:
        _draw_history(ax_cost, ax_accuracy, history)
        fig.suptitle("How this model trained (its saved history)")
        ax_cost.set(title=f"Cost ({context.network.cost.name})")
    else:
        _draw_fresh_runs(ax_cost, ax_accuracy, context)
        ax_cost.set(yscale="log", title="Cost (the seed's: mean squared error)")
    ax_cost.set(xlabel="epoch", ylabel="cost (mean over examples)")
    ax_accuracy.set(xlabel="epoch", ylabel="percent", title="Accuracy on the 10,000 test digits")
    for ax in (ax_cost, ax_accuracy):
        ax.legend(loc="best", fontsize="small")
        ax.grid(alpha=0.3)
    return fig


def _draw_fresh_runs(ax_cost, ax_accuracy, context):
    epochs, n = (2, 5_000) if context.quick else (5, len(context.train_set))
    train_set, test_set = context.train_set.take(n), context.test_set
    seed_history, batch_costs = train_recipe(RECIPES["seed"], train_set, test_set, epochs)
    modern_history, _ = train_recipe(RECIPES["modern"], train_set, test_set, epochs)
    per_epoch = len(batch_costs) / max(len(seed_history.epochs), 1)
    x = (np.arange(len(batch_costs)) + 1) / per_epoch
    window = max(1, int(per_epoch) // 20)
    running_mean = np.convolve(batch_costs, np.ones(window) / window, mode="valid")
    ax_cost.plot(x, batch_costs, color="0.6", lw=0.3, alpha=0.6, label="seed: each mini-batch's own cost")
    ax_cost.plot(x[window - 1:], running_mean, color="black", lw=1, label=f"seed: mean of {window} mini-batches")
    _draw_history(ax_cost, ax_accuracy, seed_history.epochs, label="seed: ")
    ax_accuracy.plot(_column(modern_history.epochs, "epoch"), 100 * _column(modern_history.epochs, "test_accuracy"),
                     "^--", color="tab:green", label="modern: test accuracy")
    ax_cost.figure.suptitle(f"A fresh seed network, {epochs} epochs on {n:,} digits, "
                            "next to the modern recipe (same seed, same budget)")


# -- 2. gradient descent on small functions ----------------------------------------------------

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


# -- 3. gradient descent vs stochastic gradient descent -----------------------------------------

def race(network, train_set, quick, rng):
    """Full-batch GD and SGD (batch 10) from the same copy of ``network``: return (gd_run, sgd_run)."""
    n, sgd_epochs, gd_steps = (10_000, 1, 30) if quick else (20_000, 2, 100)
    X, Y = _sample(train_set, n)
    sample = _sample(train_set)
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
                                            _sample(context.train_set), n_grid=n_grid))
    fig.suptitle(f"The same start, two ways down: GD took {gd.steps[-1]} steps, SGD {sgd.steps[-1]:,}")
    return fig


# -- 4. the learning rate ----------------------------------------------------------------------

SWEEP_RATES = (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100)
QUICK_RATES = (0.01, 0.1, 1, 3, 10, 100)


def learning_rate_sweep(train_set, test_set, rates, n_examples, epochs, seed=0, checks_per_epoch=10):
    """Train the seed network with SGD (batch 10) at each rate; return one dict per rate.

    Each dict: ``lr``, ``run`` (the Run, cost on 2,000 training digits ``checks_per_epoch``
    times an epoch), ``cost`` (its last), ``accuracy`` on ``test_set`` and ``failed``: the cost
    turned NaN or infinite, or the accuracy is at chance (under 1.5 / n_classes).
    """
    X, Y = _sample(train_set, n_examples)
    sample = _sample(train_set)
    steps = epochs * n_examples // 10
    record_at = np.linspace(0, steps, epochs * checks_per_epoch + 1).astype(int)
    sweep = []
    for lr in rates:
        network = Network(seed=seed)
        run = descend(network, X, Y, sample, lr=lr, batch_size=10, steps=steps,
                      rng=np.random.default_rng(seed), record_at=record_at)
        with np.errstate(over="ignore", invalid="ignore"):
            accuracy = network.score(test_set.X, test_set.labels)
        failed = run.failed or not np.isfinite(run.costs[-1]) or accuracy < 1.5 / test_set.n_classes
        sweep.append({"lr": lr, "run": run, "cost": run.costs[-1], "accuracy": accuracy, "failed": failed})
    return sweep


def _draw_sweep(ax_accuracy, ax_cost, sweep):
    """Test accuracy and final cost against the learning rate; failed runs get a red x on both."""
    rates = [point["lr"] for point in sweep]
    failed = [point for point in sweep if point["failed"]]
    for ax, key, scale, color in ((ax_accuracy, "accuracy", 100, "tab:blue"), (ax_cost, "cost", 1, "tab:purple")):
        ax.plot(rates, [scale * point[key] for point in sweep], "o-", color=color)
        ax.plot([p["lr"] for p in failed], [scale * p[key] for p in failed], "x", color="red", ms=12, mew=3,
                label="failed: accuracy at chance")
        ax.set(xscale="log")
        ax.grid(alpha=0.3)
    ax_accuracy.set(ylabel="test accuracy (%)", ylim=(0, 100), title="After the same training, by learning rate")
    ax_cost.set(xlabel="learning rate", ylabel="final cost\n(2,000 training digits)", ylim=(0, None))
    ax_accuracy.legend(fontsize="small", loc="upper left")


def _draw_rate_curves(ax, sweep, steps_per_epoch):
    best = max(sweep, key=lambda point: point["accuracy"])
    chosen = [(sweep[0], "too small"), (best, "good"), (sweep[-1], "too large")]
    for (point, verdict), color in zip(chosen, ("tab:gray", "tab:green", "tab:red")):
        run = point["run"]
        ax.plot(np.array(run.steps) / steps_per_epoch, run.costs, ".-", color=color,
                label=f"lr {point['lr']:g} ({verdict}): {100 * point['accuracy']:.0f}% on test")
    ax.set(xlabel="epoch", ylabel="cost on 2,000 training digits", ylim=(0, None),
           title="Cost during training: too small, good, too large")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")


@register(
    "learning-rate", "The learning rate's role: too small crawls, too large fails",
    "The learning rate is how far each step goes along the negative gradient. Too small, and after "
    "the same training the network has barely moved from its random start; too large, and the steps "
    "overshoot, every sigmoid saturates and the network answers the same digit for every image. "
    "In between lies a range of rates that learn quickly; for the seed's network it is about 0.3 to 3.",
    size=(13, 5),
)
def make_learning_rate(fig, context):
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(2, 2)
    ax_accuracy, ax_curves = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[:, 1])
    ax_cost = fig.add_subplot(grid[1, 0], sharex=ax_accuracy)
    rates, n, epochs = (QUICK_RATES, 10_000, 1) if context.quick else (SWEEP_RATES, 20_000, 3)
    sweep = learning_rate_sweep(context.train_set, context.test_set, rates, n, epochs)
    _draw_sweep(ax_accuracy, ax_cost, sweep)
    _draw_rate_curves(ax_curves, sweep, n // 10)
    fig.suptitle(f"Stochastic gradient descent (batch 10) on {n:,} digits for {epochs} epoch"
                 f"{'s' if epochs > 1 else ''}, one run per learning rate, from Network(seed=0)")
    return fig
