"""The learning rate's role: one SGD run of the seed network per rate."""

import numpy as np

from ..network import Network
from ._training import descend, sample_of
from .registry import register

SWEEP_RATES = (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100)
QUICK_RATES = (0.01, 0.1, 1, 3, 10, 100)


def learning_rate_sweep(train_set, test_set, rates, n_examples, epochs, seed=0, checks_per_epoch=10):
    """Train the seed network with SGD (batch 10) at each rate; return one dict per rate.

    Each dict: ``lr``, ``run`` (the Run, cost on 2,000 training digits ``checks_per_epoch``
    times an epoch), ``cost`` (its last), ``accuracy`` on ``test_set`` and ``failed``: the cost
    turned NaN or infinite, or the accuracy is at chance (under 1.5 / n_classes).
    """
    X, Y = sample_of(train_set, n_examples)
    sample = sample_of(train_set)
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
    section="learning-rate",
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
