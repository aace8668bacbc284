"""The learning rate's role: one SGD run of the seed network per rate.

What each rate did (failed, reached only the plateau, learned) is said on the figure by
``rate_verdict``, from the same runs it draws; ``good_rates`` names the rates near the best.
"""

import numpy as np

from ..network import Network
from ..recipes import RECIPES
from ._training import BELOW, descend, plateau_cost, sample_of
from .registry import register
from .style import INK, SERIES

SWEEP_RATES = (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100)
QUICK_RATES = (0.01, 0.1, 1, 3, 10, 100)
NEAR_BEST = 0.05  # a rate is good if its test accuracy is within 5 points of the best
STUCK_SHARE = 0.9  # a network that gives one answer for this share of the test images gives "one answer"
ABOVE = 1.05      # a cost over this many times the plateau's has not come down to it
STOPPED = 0.01    # a cost that changed by less than this share over a run's last tenth has stopped falling
RECIPE_COLOR = "black"
FAILED_COLOR = "0.3"  # dark grey: the X shape marks failure (red and blue mean - and +)
FAILED_STYLE = {"marker": "X", "color": FAILED_COLOR, "mec": "black", "ms": 11, "ls": "none", "clip_on": False}


def learning_rate_sweep(train_set, test_set, rates, n_examples, epochs, seed=0, checks_per_epoch=10):
    """Train the seed network with SGD (batch 10) at each rate; return one dict per rate.

    Each dict: ``lr``, ``run`` (the Run, cost on 2,000 training digits ``checks_per_epoch``
    times an epoch), ``cost`` (its last), ``accuracy`` on ``test_set``, ``top_share`` (the
    share of the test images given its most common answer) and ``failed``: the cost turned
    NaN or infinite, or the accuracy is at chance (under 1.5 / n_classes) while ``stuck`` above the
    plateau (a rate too small to have come down to it yet is slow, not failed).
    """
    X, Y = sample_of(train_set, n_examples)
    sample = sample_of(train_set)
    plateau = plateau_cost(sample[1])
    steps = epochs * n_examples // 10
    record_at = np.linspace(0, steps, epochs * checks_per_epoch + 1).astype(int)
    sweep = []
    for lr in rates:
        network = Network(seed=seed)
        run = descend(network, X, Y, sample, lr=lr, batch_size=10, steps=steps,
                      rng=np.random.default_rng(seed), record_at=record_at)
        with np.errstate(over="ignore", invalid="ignore"):
            answers = network.predict(test_set.X)
        accuracy = float(np.mean(answers == test_set.labels))
        top_share = float(np.bincount(answers).max() / len(answers))
        at_chance = accuracy < 1.5 / test_set.n_classes
        failed = run.failed or not np.isfinite(run.costs[-1]) or (at_chance and stuck(run, plateau))
        sweep.append({"lr": lr, "run": run, "cost": run.costs[-1], "accuracy": accuracy, "top_share": top_share,
                      "failed": failed})
    return sweep


def stuck(run, plateau):
    """Whether ``run``'s cost ended above the plateau (ABOVE times it) and stopped falling there (STOPPED)."""
    end, before = run.costs[-1], run.costs[int(0.9 * (len(run.costs) - 1))]
    return bool(end > ABOVE * plateau and before - end < STOPPED * before)


def rate_verdict(point, plateau):
    """What one run of the sweep did, in a few words: failed, moved little, still above the plateau (the
    cost of one answer for every image), stopped on it, or learned (below it)."""
    run, accuracy = point["run"], f"{100 * point['accuracy']:.0f}% on test"
    start, end = run.costs[0], point["cost"]
    if not np.isfinite(end):
        steps = run.steps[-1]
        return f"failed: the cost overflowed after {steps:,} step{'' if steps == 1 else 's'}"
    one_answer = f", one answer for {100 * point['top_share']:.0f}% of the images" \
        if point["top_share"] >= STUCK_SHARE else ""
    if point["failed"]:
        return f"failed: stuck at cost {end:.2f}, above the plateau; {accuracy}{one_answer}"
    if end > 0.5 * start:
        return f"barely moved: cost {start:.2f} → {end:.2f}, {accuracy}"
    if end > ABOVE * plateau:
        return f"still above the {plateau:.2f} plateau: cost {start:.2f} → {end:.2f}, {accuracy}"
    if end >= BELOW * plateau:
        return f"reached the {plateau:.2f} plateau but no further: {accuracy}{one_answer}"
    return f"learned: cost {end:.2f}, {accuracy}"


def good_rates(sweep):
    """(low, high): the smallest and largest rates, of those that did not fail, whose test accuracy is within
    NEAR_BEST of the best; None if every one of them failed."""
    best = max(point["accuracy"] for point in sweep)
    good = [point["lr"] for point in sweep if point["accuracy"] >= best - NEAR_BEST and not point["failed"]]
    return (min(good), max(good)) if good else None


def _mark_recipe(ax, recipe_rate):
    """A dotted line at the seed recipe's rate, named along it (right of it, from a fifth of the way up)."""
    ax.axvline(recipe_rate, color=RECIPE_COLOR, ls=":", lw=1.5, label=f"the seed recipe's rate ({recipe_rate:g})")
    ax.annotate(f"the seed recipe's rate ({recipe_rate:g})", (recipe_rate, 0.2), xycoords=("data", "axes fraction"),
                xytext=(3, 0), textcoords="offset points", rotation=90, ha="left", va="bottom", fontsize=8)


def _draw_sweep(ax_accuracy, ax_cost, sweep, plateau, recipe_rate):
    """Test accuracy and final cost against the learning rate; failed runs get a red X (a shape of its own)."""
    rates = [point["lr"] for point in sweep]
    failed = [point for point in sweep if point["failed"]]
    for ax, key, scale, top in ((ax_accuracy, "accuracy", 100, 100), (ax_cost, "cost", 1, None)):
        values = [scale * point[key] for point in sweep]
        ax.plot(rates, values, "o-", color=INK, label=f"_each rate's {key}")
        ax.plot([p["lr"] for p in failed], [scale * p[key] for p in failed], **FAILED_STYLE,
                label="failed (at chance, stuck above the plateau)")
        _mark_recipe(ax, recipe_rate)
        finite = [value for value in values if np.isfinite(value)]
        ax.set(xscale="log", xlabel="learning rate (constant)", ylim=(0, 1.12 * (top or max(finite, default=1.0))))
        ax.grid(alpha=0.3)
    plateau_line = ax_cost.axhline(plateau, color="0.4", ls="--", lw=1,
                                   label=f"the plateau ({plateau:.2f}): one answer for every image")
    best = max(sweep, key=lambda point: point["accuracy"])
    good = good_rates(sweep)
    near = f"{good[0]:g} to {good[1]:g}" if good else "none that did not fail"
    ax_accuracy.plot(best["lr"], 100 * best["accuracy"], "o", ms=13, color="black", mfc="none",
                     label=f"best measured: rate {best['lr']:g}")
    ax_accuracy.annotate(f"best measured:\nrate {best['lr']:g}", (best["lr"], 100 * best["accuracy"]),
                         xytext=(0, -14), textcoords="offset points", ha="center", va="top", fontsize=8)
    ax_accuracy.set(ylabel="test accuracy (%)", title=f"Best: {100 * best['accuracy']:.1f}% at rate {best['lr']:g}; "
                                                      f"within {100 * NEAR_BEST:.0f} points: {near}")
    ax_cost.set(ylabel="final cost (2,000 training digits)", title="The cost after training")
    ax_accuracy.legend(handles=lines_of(ax_accuracy, "failed"), fontsize=8, loc="lower center")
    ax_cost.legend(handles=[plateau_line], fontsize=8, loc="upper center")


def lines_of(ax, start):
    """The lines on ``ax`` whose label starts with ``start``."""
    return [line for line in ax.get_lines() if line.get_label().startswith(start)]


def _chosen(sweep, recipe_rate):
    """The runs the curves panel draws: (point, name), the smallest rate, the best, the recipe's, the largest."""
    best = max(sweep, key=lambda point: point["accuracy"])
    chosen = [(sweep[0], "the smallest"), (best, "best measured")]
    recipe = [point for point in sweep if point["lr"] == recipe_rate]
    if recipe and recipe[0] is not best:
        chosen.append((recipe[0], "the seed recipe's"))
    elif recipe:
        chosen[1] = (best, "best measured, the seed recipe's")
    chosen.append((sweep[-1], "the largest"))
    return chosen


def _draw_rate_curves(ax, sweep, steps_per_epoch, plateau, recipe_rate):
    styles = {"the smallest": ("0.45", "-", "o"), "the largest": (FAILED_COLOR, "--", "X"),
              "the seed recipe's": (RECIPE_COLOR, ":", "s")}
    for point, name in _chosen(sweep, recipe_rate):
        color, line, marker = styles.get(name, (SERIES[1], "-", "o"))
        run = point["run"]
        ax.plot(np.array(run.steps) / steps_per_epoch, run.costs, color=color, ls=line, marker=marker, ms=4,
                label=f"rate {point['lr']:g} ({name}): {rate_verdict(point, plateau)}")
    ax.axhline(plateau, color="0.4", ls="--", lw=1, label=f"the plateau ({plateau:.2f}): one answer for every image")
    ax.set(xlabel="epoch", ylabel="cost on 2,000 training digits", ylim=(0, None),
           title="The cost during training, at four of the rates")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")


@register(
    "learning-rate", "The learning rate's role: too small crawls, too large fails",
    "The learning rate is how far each step goes along the negative gradient. Here the seed's network is "
    "trained from the same start, on the same digits, once per rate, each rate held constant. Too small, and "
    "after the same training the network has not gone far: the words on the figure say how far (perhaps "
    "only to the plateau where it gives every image the same answer); too large, and the steps overshoot, "
    "and the network can end giving one answer for every image. The best rate measured, and the range of rates "
    "near it, are written on the figure; the seed recipe's rate is marked, which the recipe lowers along a "
    "cosine as it trains.",
    size=(9.6, 8),
    section="learning-rate",
)
def make_learning_rate(fig, context):
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.2))
    ax_accuracy, ax_cost = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_curves = fig.add_subplot(grid[1, :])
    rates, n, epochs = (QUICK_RATES, 10_000, 1) if context.quick else (SWEEP_RATES, 20_000, 3)
    sweep = learning_rate_sweep(context.train_set, context.test_set, rates, n, epochs)
    plateau = plateau_cost(sample_of(context.train_set)[1])
    recipe_rate = RECIPES["seed"].learning_rate
    _draw_sweep(ax_accuracy, ax_cost, sweep, plateau, recipe_rate)
    _draw_rate_curves(ax_curves, sweep, n // 10, plateau, recipe_rate)
    fig.suptitle(f"SGD (batch 10) on {n:,} digits for {epochs} epoch{'s' if epochs > 1 else ''}: "
                 "one run per learning rate, from Network(seed=0)")
    return fig
