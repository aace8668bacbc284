"""Backpropagation for one example: the nudges each output wants, carried back to every neuron,
checked against finite differences."""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ._probe import GRADIENT_FLOOR, backprop_example, relative_error
from .registry import register
from .style import show_digit

UP, DOWN = "tab:green", "tab:red"
NUDGE_CMAP = LinearSegmentedColormap.from_list("nudge", [DOWN, "white", UP])


@register(
    "backprop",
    "Backpropagation, one example: the nudges each output wants, carried back to every neuron",
    "For one training example, the cost tells each output neuron which way it should move: the "
    "right digit up, the others down. Backpropagation carries those wishes back layer by layer, "
    "weighting each by how strongly the neurons are connected, and turns them into a change for "
    "every weight. A finite-difference check of the cost confirms the numbers.",
    size=(15, 8.5),
    section="backprop",
)
def make_backprop(fig, context):
    x = context.example
    label, source = _target(context)
    result = backprop_example(context.network, x, label)
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.15], hspace=0.45, wspace=0.3)
    deltas, j = result["deltas"], result["neuron"]
    _nudge_bars(fig.add_subplot(grid[0, 0]), result["output_nudges"],
                "(a) what each output wants: \u2212\u2202C/\u2202a", "output digit")
    _nudge_bars(fig.add_subplot(grid[0, 1]), -deltas[-2],
                "(b) carried back to hidden layer 2: \u2212\u2202C/\u2202z", "neuron")
    _nudge_bars(fig.add_subplot(grid[0, 2]), -deltas[0],
                "(b) carried back to hidden layer 1: \u2212\u2202C/\u2202z", "neuron", highlight=j)
    show_digit(fig.add_subplot(grid[1, 0]), x, f"the example; target {label} ({source})")
    _weight_change_image(fig, fig.add_subplot(grid[1, 1]), result["weight_change"], j)
    _check_table(fig.add_subplot(grid[1, 2]), result["checks"])
    fig.suptitle("Backpropagation, one example: green = up, red = down", fontsize=14)
    return fig


def _target(context):
    """The target digit for context.example, and where it comes from."""
    if context.image is None:
        return int(context.test_set.labels[0]), "its true label"
    return int(context.network.predict(np.reshape(context.example, (1, -1)))[0]), "the network's own answer"


def _nudge_bars(ax, nudges, title, xlabel, highlight=None):
    colours = [UP if v >= 0 else DOWN for v in nudges]
    bars = ax.bar(range(len(nudges)), nudges, color=colours)
    if highlight is not None:
        bars[highlight].set_edgecolor("black")
        bars[highlight].set_linewidth(1.5)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(nudges)))
    ax.tick_params(axis="x", labelsize=7 if len(nudges) > 10 else 9)
    ax.set_xlabel(xlabel + (f" (outlined: neuron {highlight}, largest |\u03b4|)" if highlight is not None else ""))
    ax.set_title(title, fontsize=10.5)
    return ax


def _weight_change_image(fig, ax, weight_change, j):
    limit = max(np.abs(weight_change).max(), 1e-30)
    image = ax.imshow(weight_change.reshape(28, 28), cmap=NUDGE_CMAP, vmin=-limit, vmax=limit)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(f"(c) change to the 784 weights into\nlayer-1 neuron {j}: \u2212\u2202C/\u2202W[:, {j}]",
                 fontsize=10.5)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _check_table(ax, checks):
    errors = [relative_error(bp, fd) for _, bp, fd in checks]
    lines = [f"{'parameter':<11}{'backprop':>11}{'finite diff':>12}{'rel err':>9}"]
    lines += [f"{name:<11}{bp:>11.3e}{fd:>12.3e}{err:>9.1e}" for (name, bp, fd), err in zip(checks, errors)]
    lines += ["", f"max relative error {max(errors):.1e}"]
    ax.axis("off")
    ax.text(0.0, 1.0, "\n".join(lines), family="monospace", fontsize=8.2, va="top", transform=ax.transAxes)
    ax.set_title("(d) \u2202C/\u2202(parameter): backprop vs finite differences\n"
                 f"(float64; rel err = |bp \u2212 fd| / max(|bp|, |fd|, {GRADIENT_FLOOR:g}))", fontsize=10)
    return ax
