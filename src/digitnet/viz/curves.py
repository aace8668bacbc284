"""The training curves: cost and accuracy per epoch, from a model's history or fresh runs."""

import numpy as np

from ..recipes import RECIPES
from ..recipes import train_recipe as train_by_recipe
from ._training import BatchCosts
from .registry import register


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
    section="sgd",
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
