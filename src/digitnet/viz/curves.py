"""The training curves: cost, learning rate, accuracy and saturation per epoch, from a model's history or fresh runs.

What the train cost did (did it rise from one epoch to the next, did it settle as the rate fell) is
written on the figure by ``cost_verdict`` and ``batch_verdict``, and which layers' sigmoid neurons are
saturated by ``saturation_words``, from the numbers drawn.
"""

import numpy as np

from ..health import SATURATED
from ..recipes import RECIPES, train_recipe
from ._training import sample_of
from .registry import register
from .style import INK, SERIES

MODERN_COLOR = SERIES[2]
SETTLED = 0.2  # the cost settles if its largest rise in the last quarter is under this share of its largest
TINY = 1e-4    # a change under this share of the cost before it is no rise and no fall (rounding, not training)


def train_fresh(recipe, train_set, test_set, epochs, seed=0):
    """Train ``recipe.network(seed)`` by a recipe for ``epochs``; return (network, History, cost of each
    mini-batch, measured before its step)."""
    network = recipe.network(seed=seed)
    batch_costs = []
    history = train_recipe(network, recipe.with_changes(epochs=epochs), train_set, test_set,
                           rng=np.random.default_rng(seed), on_step=lambda step: batch_costs.append(step.batch_cost),
                           every=1)
    return network, history, batch_costs


def _column(epochs, key):
    """One field of each epoch (EpochResults or their dicts) as floats, NaN where it is missing."""
    values = [(e if isinstance(e, dict) else vars(e)).get(key) for e in epochs]
    return np.array([np.nan if value is None else value for value in values], dtype=float)


def changes(cost):
    """The change of the cost from each epoch to the next, 0 where it is under TINY of the cost before."""
    cost = np.asarray(cost, dtype=float)
    change = np.diff(cost)
    return np.where(np.abs(change) < TINY * np.abs(cost[:-1]), 0.0, change)


def cost_rises(cost):
    """(rose, first, largest) for costs per epoch: the indices of the epochs whose cost was above the one
    before (by TINY of it or more), the first of them and the one with the largest rise (None, None if it
    never rose)."""
    change = changes(cost)
    rose = np.flatnonzero(change > 0) + 1
    if rose.size == 0:
        return rose, None, None
    return rose, int(rose[0]), int(rose[np.argmax(change[rose - 1])])


def last_quarter(n_epochs):
    """How many of the last epochs ``cost_verdict`` looks at to say whether the cost settled (0: too few)."""
    return (n_epochs - 1) // 4 if n_epochs >= 9 else 0


def cost_verdict(epoch, cost, rate):
    """What the train cost did from epoch to epoch, in one or two lines: where it rose, and whether it settled.

    ``epoch``, ``cost`` and ``rate`` are the numbers drawn (one per epoch). A change under TINY of
    the cost is no change. The cost settles if its largest rise in the last quarter of the epochs
    is under ``SETTLED`` of its largest rise.
    """
    epoch, cost, rate = (np.asarray(column, dtype=float) for column in (epoch, cost, rate))
    if len(cost) == 0:
        return "No train cost was recorded."
    if len(cost) < 2:
        return f"One epoch: the train cost after it was {cost[0]:.3g}."
    change = changes(cost)
    rose, first, largest = cost_rises(cost)
    span = f"from {cost[0]:.3g} after epoch {epoch[0]:.0f} to {cost[-1]:.3g} after epoch {epoch[-1]:.0f}"
    if first is None:
        fell = int((change < 0).sum())
        if fell == len(change):
            return f"The train cost fell in every epoch: {span}."
        return (f"The train cost never rose, but it fell in only {fell} of {len(change)} epochs "
                f"(it held level in the others): {span}.")
    rises = [f"first at epoch {epoch[first]:.0f} ({cost[first - 1]:.3g} → {cost[first]:.3g}{_at_rate(rate[first])})"]
    if largest != first:
        rises.append(f"most at epoch {epoch[largest]:.0f} ({cost[largest - 1]:.3g} → {cost[largest]:.3g}"
                     f"{_at_rate(rate[largest])})")
    said = (f"The train cost rose in {rose.size} of {len(change)} epochs: " + ", ".join(rises)
            + (", ringed." if largest == first else "; both ringed."))
    tail = last_quarter(len(cost))
    if not tail:
        return said
    tail_rise = max(change[-tail:].max(), 0.0)
    rates = f"epochs {epoch[-tail]:.0f}-{epoch[-1]:.0f}" + (f", rate {rate[-tail]:.2g} → {rate[-1]:.2g}"
                                                          if np.isfinite([rate[-tail], rate[-1]]).all() else "")
    if tail_rise < SETTLED * change[largest - 1]:
        falling = " as the rate falls" if rate[-1] < 0.5 * rate[0] else ""
        rises = f"the largest rise is {tail_rise:.2g}" if tail_rise > 0 else "it never rose"
        return said + f"\nIt settles{falling}: in the last {tail} epochs ({rates}) {rises}."
    return said + f"\nIt is still jumping in the last {tail} epochs ({rates}): rises of up to {tail_rise:.2g}."


def _at_rate(rate):
    """', rate 3' for a learning rate, or nothing if the history did not keep it."""
    return f", rate {rate:.2g}" if np.isfinite(rate) else ""


def _mark_rises(ax, epoch, cost):
    """Ring the epochs ``cost_verdict`` names on the cost drawn, and shade the last quarter it judges."""
    _, first, largest = cost_rises(cost)
    for index in sorted({first, largest} - {None}):
        ax.annotate(f"epoch {epoch[index]:.0f}", (epoch[index], cost[index]), xytext=(8, 6),
                    textcoords="offset points", fontsize=8)
        ax.plot(epoch[index], cost[index], "o", ms=10, color="black", mfc="none", label="_rise")
    tail = last_quarter(len(cost))
    if tail:
        ax.axvspan(epoch[-tail - 1], epoch[-1], color="0.9", zorder=0, label="the last quarter (did it settle?)")


def batch_verdict(batch_costs, per_epoch, window):
    """How much each mini-batch's own cost jumps in the last epoch, against the mean of ``window`` of them."""
    last = np.asarray(batch_costs[-int(per_epoch):], dtype=float)
    means = np.convolve(last, np.ones(window) / window, mode="valid")
    return (f"In the last epoch each mini-batch's own cost ran from {last.min():.2g} to {last.max():.2g}; "
            f"the mean of {window} ran from {means.min():.2g} to {means.max():.2g}.")


def _draw_history(axes, epochs, label="", color=INK):
    """Train and test cost, learning rate, test accuracy and saturation per epoch, on the four ``axes``."""
    ax_cost, ax_rate, ax_accuracy, ax_saturation = axes
    epoch = _column(epochs, "epoch")
    if ax_cost is not None:
        ax_cost.plot(epoch, _column(epochs, "train_cost"), "o-", ms=3, color=SERIES[0], label=f"{label}train cost")
        ax_cost.plot(epoch, _column(epochs, "test_cost"), "s-", ms=3, color=SERIES[1], label=f"{label}test cost")
    ax_rate.plot(epoch, _column(epochs, "learning_rate"), "o-", ms=3, color=color, label=f"{label}learning rate")
    ax_accuracy.plot(epoch, 100 * _column(epochs, "test_accuracy"), "o-", ms=3, color=color,
                     label=f"{label}test accuracy")
    saturation = _column(epochs, "saturation")
    if not np.all(np.isnan(saturation)):  # training health: sigmoid neurons with sigma'(z) < 0.01
        ax_saturation.plot(epoch, 100 * saturation, "o-", ms=3, color=color, label=f"{label}saturated (%)")


def layer_saturation(network, X):
    """[(layer, share)]: for each sigmoid layer of ``network`` ("hidden 1", ..., "outputs"), the share of its
    neurons, over the inputs X, with sigma'(z) < SATURATED (as ``health`` counts them, layer by layer)."""
    _, activations = network.forward_trace(X)
    names = [f"hidden {k}" for k in range(1, len(activations) - 1)] + ["outputs"]
    return [(name, float(np.mean(a * (1 - a) < SATURATED)))
            for name, a, f in zip(names, activations[1:], network.layer_activations) if f.name == "sigmoid"]


def saturation_words(shares, network_name):
    """What the saturation drawn counts, and the share of each layer now, from ``layer_saturation``."""
    if not shares:
        return f"{network_name} has no sigmoid neurons."
    now = ", ".join(f"{name} {share:.0%}" for name, share in shares)
    if shares[-1][0] != "outputs":
        return f"{network_name} now, layer by layer: {now}."
    return (f"Outputs are counted: for a right answer, nine of the ten outputs sit near 0, saturated on "
            f"purpose.\n{network_name} now, layer by layer: {now}.")


def _from_to(runs, key, scale=1.0, unit=""):
    """'91.3% at epoch 1 → 96.4% at epoch 150' for one field of each (label, epochs) run, ';'-joined."""
    said = []
    for label, epochs in runs:
        epoch, values = _column(epochs, "epoch"), scale * _column(epochs, key)
        kept = np.isfinite(values)
        if not kept.any():
            said.append(f"{label}not measured")
            continue
        (first, last) = np.flatnonzero(kept)[[0, -1]]
        said.append(f"{label}{values[first]:.3g}{unit} at epoch {epoch[first]:.0f} → "
                    f"{values[last]:.3g}{unit} at epoch {epoch[last]:.0f}")
    return "; ".join(said)


@register(
    "curves", "Cost, learning rate, accuracy and saturation per epoch: how the network trained",
    "Training lowers the cost, measured after each epoch on digits the network learns from (train) and "
    "on ones it never sees (test); the words above it say where the train cost rose and whether it settled. "
    "Under it are each epoch's learning rate (large steps on noisy mini-batches can raise the cost from "
    "one epoch to the next; a falling rate lets it settle), the test accuracy, and the share of saturated "
    "sigmoid neurons: sigma'(z) < 0.01 multiplies every gradient through them (BP1, BP2), so they barely "
    "learn. The title says whose training is drawn: the model's saved history, or, for a model without "
    "one, a fresh network trained for a few epochs.",
    size=(9.6, 9.5),
    section="sgd",
)
def make_curves(fig, context):
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(4, 1, height_ratios=(2.2, 1, 1.4, 1))
    ax_cost = fig.add_subplot(grid[0])
    axes = [ax_cost] + [fig.add_subplot(grid[row], sharex=ax_cost) for row in (1, 2, 3)]
    ax_cost, ax_rate, ax_accuracy, ax_saturation = axes
    history = context.network.metadata.get("history")
    if history:
        runs, words, network = [("", history)], "", context.network
        _draw_history(axes, history)
        fig.suptitle("How this model trained: its saved history, the cost after each epoch")
        ax_cost.set(ylabel=f"cost ({context.network.cost.name})")
        network_name = "This model"
    else:
        runs, words, network = _draw_fresh_runs(axes, context)
        network_name = "The fresh seed network"
    epochs = runs[0][1]  # the run whose cost is drawn: the model's, or the fresh seed network's
    epoch, cost, rate = (_column(epochs, key) for key in ("epoch", "train_cost", "learning_rate"))
    kept = np.isfinite(cost) & np.isfinite(epoch)  # the epochs whose cost the history holds
    epoch, cost, rate = epoch[kept], cost[kept], rate[kept]
    _mark_rises(ax_cost, epoch, cost)
    ax_cost.set_title(cost_verdict(epoch, cost, rate) + words, loc="left", fontsize=9)
    ax_cost.margins(y=0.1)
    ax_rate.set(ylabel="learning rate", title="The learning rate of each epoch: " + _from_to(runs, "learning_rate"))
    ax_accuracy.set(ylabel="percent",
                    title="Accuracy on the test digits: " + _from_to(runs, "test_accuracy", 100, "%"))
    shares = layer_saturation(network, sample_of(context.train_set)[0])
    ax_saturation.set(xlabel="epoch", ylabel="percent",
                      title="Saturated: the share of all sigmoid neurons, outputs included, with σ'(z) < 0.01, "
                            "which barely learn (over training images)\n" + _from_to(runs, "saturation", 100, "%")
                            + ".\n" + saturation_words(shares, network_name))
    for ax in axes:
        ax.title.set_fontsize(9)
        ax.grid(alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if len(handles) > 1:
            ax.legend(loc="best", fontsize=8)
        if ax is not ax_saturation:
            ax.tick_params(labelbottom=False)
    return fig


def _draw_fresh_runs(axes, context):
    """Train the seed and modern recipes briefly and draw them; return ([(label, epochs)] of both, the seed's
    first, words on its mini-batches (ten digits each: a noisy sample), and the seed's network)."""
    ax_cost, ax_rate, ax_accuracy, ax_saturation = axes
    epochs, n = (2, 5_000) if context.quick else (5, len(context.train_set))
    train_set, test_set = context.train_set.take(n), context.test_set
    seed_network, seed_history, batch_costs = train_fresh(RECIPES["seed"], train_set, test_set, epochs)
    _, modern_history, _ = train_fresh(RECIPES["modern"], train_set, test_set, epochs)
    per_epoch = len(batch_costs) / max(len(seed_history.epochs), 1)
    x = (np.arange(len(batch_costs)) + 1) / per_epoch
    window = max(1, int(per_epoch) // 20)
    running_mean = np.convolve(batch_costs, np.ones(window) / window, mode="valid")
    ax_cost.plot(x, batch_costs, color="0.6", lw=0.3, alpha=0.6, label="seed: each mini-batch's own cost")
    ax_cost.plot(x[window - 1:], running_mean, color="black", lw=1, label=f"seed: mean of {window} mini-batches")
    _draw_history(axes, seed_history.epochs, label="seed: ")
    _draw_history([None, ax_rate, ax_accuracy, ax_saturation], modern_history.epochs, label="modern: ",
                  color=MODERN_COLOR)
    ax_cost.set(yscale="log", ylabel="cost (the seed's: mean squared error)")
    ax_rate.set(yscale="log")
    ax_cost.figure.suptitle(f"This model has no saved history: a fresh seed network, {epochs} epochs on {n:,} "
                            "digits,\nbeside the modern recipe (ReLU, softmax, cross-entropy, Adam; same seed, same "
                            "budget),\nwhose cost is another, so only rates and accuracies are compared")
    runs = [("seed: ", seed_history.epochs), ("modern: ", modern_history.epochs)]
    return runs, "\n" + batch_verdict(batch_costs, per_epoch, window), seed_network
