"""Backpropagation for one example: the nudges each output wants, carried back to every neuron,
checked against finite differences.

Every number drawn is a nudge, -dC/d(something): the direction that lowers the cost, the one
gradient descent moves in. Its sign and its colour agree everywhere (style.sign_color): blue,
the cost falls if the thing grows; red, the cost falls if it shrinks. The numbers come from
``_gradients`` (NumPy only).
"""

import numpy as np
from matplotlib.transforms import offset_copy

from ._gradients import backprop_example
from ._probe import GRADIENT_FLOOR, relative_error
from .registry import register
from .style import SIGN_CMAP, show_digit, sign_color

NUDGE = "\u2212\u2202C/\u2202"  # "-dC/d": what every panel and the table show
CONVENTION = (f"every number is a nudge, {NUDGE}(\u00b7): blue, the cost falls if this grows; "
              "red, the cost falls if it shrinks")


def nudge(gradient):
    """The nudge that lowers the cost: minus the gradient (a number or an array)."""
    return -np.asarray(gradient)


@register(
    "backprop",
    "Backpropagation, one example: the nudges each output wants, carried back to every neuron",
    "For one digit (the first test digit, unless you give your own image), the cost tells each output "
    "neuron which way, and how strongly, it should move. Backpropagation carries those wishes back layer "
    "by layer, weighting each by how strongly the neurons are connected, and turns them into a change for "
    "every weight. A finite-difference check of the cost confirms the numbers.",
    size=(9.6, 8),
    section="backprop",
)
def make_backprop(fig, context):
    x = context.example
    label, source = example_target(context)
    result = backprop_example(context.network, x, label)
    j = result["neuron"]
    grid = fig.add_gridspec(2, 1, height_ratios=[1, 1.3])
    bars = grid[0].subgridspec(1, 3)
    lower = grid[1].subgridspec(1, 3, width_ratios=[0.75, 1, 1.35])
    letters = iter("abcdef")
    for column, layer in enumerate(_layers_shown(len(result["grad_a"]))):
        outlined = j if layer == 0 else None
        _nudge_bars(fig.add_subplot(bars[0, column]), nudge(result["grad_a"][layer]),
                    f"({next(letters)}) {_layer_name(layer, len(result['grad_a']))}: {NUDGE}a",
                    "output digit" if layer == len(result["grad_a"]) - 1 else "neuron", highlight=outlined)
    show_digit(fig.add_subplot(lower[0, 0]), x, f"({next(letters)}) {example_name(context)};\n"
                                                 f"target {label}\n({source})")
    first = _layer_name(0, len(result["grad_a"]))
    _weight_change_image(fig, fig.add_subplot(lower[0, 1]), nudge(result["grad_w_neuron"]), first, j,
                         next(letters))
    _check_table(fig.add_subplot(lower[0, 2]), result["checks"], next(letters))
    through = nudge(result["deltas"][-1]) if context.network.output.name == "softmax" else None
    fig.suptitle(f"Backpropagation, one example: {example_name(context)}\n"
                 + output_wishes(nudge(result["grad_a"][-1]), label, through) + "\n" + CONVENTION, fontsize=9.5)
    return fig


def example_name(context):
    """Which digit context.example is, in words: "test digit 0", or "your own image"."""
    return "test digit 0" if context.image is None else "your own image"


def example_target(context):
    """The target digit for context.example, and where it comes from."""
    if context.image is None:
        return int(context.test_set.labels[0]), "its true label"
    return int(context.network.predict(np.reshape(context.example, (1, -1)))[0]), "the network's own answer"


def _layers_shown(n_layers):
    """Which layers after the input get a panel, output first: at most the output, the last hidden
    layer and the first (whose neuron's weights panel (e) shows)."""
    return sorted({n_layers - 1, max(n_layers - 2, 0), 0}, reverse=True)


def _layer_name(layer, n_layers):
    """The name of layer ``layer`` after the input (0: the first of ``n_layers``), as layer_name says it."""
    return layer_name(layer + 1, n_layers)


def layer_name(number, last):
    """Layer ``number`` of a network whose output layer is layer ``last``, counted as digitnet counts
    them (layer 0 is the input, weights[l] leads into layer l + 1): "the input (layer 0)", "hidden
    layer 1", ..., "the output layer"."""
    if number == 0:
        return "the input (layer 0)"
    return "the output layer" if number == last else f"hidden layer {number}"


def output_wishes(nudges, target, through_softmax=None):
    """Which outputs want to grow and which to shrink, in words, from what panel (a) draws: the output
    layer's nudges -dC/da (n_out,). For a softmax output layer give ``through_softmax``, its -dC/dz
    (n_out,): a softmax's outputs move together (one grows, the others shrink), so a second line says
    what the nudges become through it. Outputs whose nudge is NaN are named as not numbers."""
    nudges = np.asarray(nudges, dtype=float)
    if nudges.size == 0:
        raise ValueError("There are no outputs whose nudges could be put into words.")
    words = f"{NUDGE}a: " + _wishes(nudges, target)
    if through_softmax is not None and not np.isnan(nudges).all():
        words += f"\nthrough the softmax, {NUDGE}z: " + _wishes(np.asarray(through_softmax, dtype=float), target)
    return words


def _wishes(values, target):
    """"output 7 (the target) wants to grow; outputs 0, 1 want to shrink; ..." for ``values`` (n_out,)."""
    def named(digits):
        words = ", ".join(str(d) + (" (the target)" if d == target else "") for d in digits)
        return f"output{'s' if len(digits) > 1 else ''} {words}"

    def verb(digits, singular, plural):
        return f"{named(digits)} {singular if len(digits) == 1 else plural}"

    if np.isnan(values).all():
        return "every output's nudge is not a number (NaN): the network's outputs are not numbers"
    groups = [([d for d, v in enumerate(values) if v > 0], "wants to grow", "want to grow"),
              ([d for d, v in enumerate(values) if v < 0], "wants to shrink", "want to shrink"),
              ([d for d, v in enumerate(values) if v == 0], "wants no change", "want no change"),
              ([d for d, v in enumerate(values) if np.isnan(v)], "is not a number (NaN)", "are not numbers (NaN)")]
    return "; ".join(verb(digits, singular, plural) for digits, singular, plural in groups if digits)


def _nudge_bars(ax, nudges, title, xlabel, highlight=None):
    bars = ax.bar(range(len(nudges)), nudges, color=[sign_color(v) for v in nudges])
    if highlight is not None:
        bars[highlight].set_edgecolor("black")
        bars[highlight].set_linewidth(1.5)
        xlabel += f"\n(outlined: {highlight}, whose\nweights change most)"
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(nudges)), [str(i) if len(nudges) <= 10 or i % 3 == 0 else "" for i in range(len(nudges))])
    ax.tick_params(labelsize=8)
    ax.yaxis.get_offset_text().set_fontsize(8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_title(title, fontsize=8.5)
    return ax


def _weight_change_image(fig, ax, weight_nudge, layer, j, letter):
    limit = max(np.abs(weight_nudge).max(), 1e-30)
    image = ax.imshow(weight_nudge.reshape(28, 28), cmap=SIGN_CMAP, vmin=-limit, vmax=limit)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.ax.tick_params(labelsize=8)
    bar.ax.yaxis.get_offset_text().set_fontsize(8)
    ax.set_title(f"({letter}) nudges to the {weight_nudge.size} weights into\n"
                 f"neuron {j} of {layer}: {NUDGE}weights[0][:, {j}]", fontsize=8.5)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def check_rows(checks):
    """The check table: its header, then (line, nudge) for each parameter: its nudge by backprop and by
    finite differences and their relative error; ``checks`` is a list of (name, dC/dp by backprop,
    dC/dp by finite differences)."""
    width = max(len(name) for name, _, _ in checks)
    header = f"{'p':<{width}}{'backprop':>11}{'fin. diff.':>11}{'rel. err':>9}"
    rows = [(f"{name:<{width}}{nudge(bp):>11.3e}{nudge(fd):>11.3e}{relative_error(bp, fd):>9.1e}", nudge(bp))
            for name, bp, fd in checks]
    return header, rows


def _check_table(ax, checks, letter):
    """Each row in the colour of its nudge's sign, as the bars are."""
    ax.axis("off")
    ax.set_xticks([])                     # hidden with the axis, but still Text a reader's check would find
    ax.set_yticks([])
    header, rows = check_rows(checks)
    worst = max(relative_error(bp, fd) for _, bp, fd in checks)
    lines = [(header, "black")] + [(line, sign_color(value)) for line, value in rows]
    lines += [("", "black"), (f"max relative error {worst:.1e}", "black")]
    for number, (line, colour) in enumerate(lines):
        place = offset_copy(ax.transAxes, fig=ax.figure, y=-11 * number, units="points")
        ax.text(0.0, 1.0, line, family="monospace", fontsize=8, va="top", color=colour, transform=place)
    ax.set_title(f"({letter}) {NUDGE}p by backprop and by finite differences\n"
                 f"(float64; rel. err = |bp \u2212 fd| / max(|bp|, |fd|, {GRADIENT_FLOOR:g}))", fontsize=8.5)
    return ax
