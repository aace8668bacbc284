"""Figures of what the trained network gets wrong, and of what it has (not) learned.

``mistakes``: the confusion matrix, a gallery of misclassified test digits, the most
confused pairs. ``noise``: its confident answers for random noise. ``dreams``: inputs
optimized to light up each output. ``backprop``: the nudges of one backpropagation step,
checked against finite differences. The math lives in ``_probe`` (NumPy only).
"""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ._probe import GRADIENT_FLOOR, backprop_example, dream, relative_error
from .registry import register

__all__ = ["confusion", "misclassified", "most_confused", "dream", "backprop_example"]

GALLERY = 24          # misclassified digits shown
N_NOISE = 8           # noise images shown
UP, DOWN = "tab:green", "tab:red"
NUDGE_CMAP = LinearSegmentedColormap.from_list("nudge", [DOWN, "white", UP])


def confusion(network, dataset):
    """Counts (10, 10), int: row = true digit, column = the network's answer."""
    n_classes = dataset.n_classes
    answers = network.predict(dataset.X)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (dataset.labels, answers), 1)
    return counts


def misclassified(network, dataset):
    """(indices, answers) of the examples the network gets wrong, in dataset order."""
    answers = network.predict(dataset.X)
    indices = np.flatnonzero(answers != dataset.labels)
    return indices, answers[indices]


def most_confused(counts, n=5):
    """The n largest off-diagonal cells as (truth, answer, count), largest first."""
    off_diagonal = counts.copy()
    np.fill_diagonal(off_diagonal, -1)
    cells = np.argsort(-off_diagonal, axis=None, kind="stable")[:n]
    return [(int(t), int(a), int(off_diagonal[t, a])) for t, a in zip(*np.unravel_index(cells, counts.shape))]


def _show_digit(ax, x, title, fontsize=9, vmax=1.0):
    """Draw x (784,) as a 28x28 image, 0 black to ``vmax`` white, with a title and no ticks."""
    ax.imshow(np.reshape(x, (28, 28)), cmap="gray", vmin=0.0, vmax=vmax)
    ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _answer_title(network, x):
    """'answer d, p = 0.97' for one input x (784,)."""
    p = network.predict_proba(np.reshape(x, (1, -1)))[0]
    return f"answer {int(p.argmax())}, p = {p.max():.2f}"


# --- 1. mistakes ---------------------------------------------------------------------

@register(
    "mistakes",
    "Mistakes: the confusion matrix, misclassified test digits and the most confused pairs",
    "Of the 10,000 test digits the network has never seen, most land on the diagonal: the answer "
    "is the truth. The mistakes are not random. Some pairs of digits share strokes, like a 4 and "
    "a 9, and many of the misread digits are ones a person would hesitate over too.",
    size=(16, 8),
    layout=None,
)
def make_mistakes(fig, context):
    network, test_set = context.network, context.test_set
    counts = confusion(network, test_set)
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.35])
    _draw_confusion(left, counts)
    indices, answers = misclassified(network, test_set)
    _draw_gallery(right, test_set, indices[:GALLERY], answers[:GALLERY])
    n_wrong = len(indices)
    fig.suptitle(f"Mistakes: {n_wrong:,} of {len(test_set):,} test digits wrong "
                 f"(accuracy {1 - n_wrong / len(test_set):.1%})", fontsize=14, y=0.99)
    return fig


def _draw_confusion(subfig, counts):
    ax, text_ax = subfig.subplots(2, 1, height_ratios=[5, 1.1])
    shade = np.log1p(counts)
    ax.imshow(shade, cmap="Blues")
    for (t, a), count in np.ndenumerate(counts):
        colour = "white" if shade[t, a] > 0.6 * shade.max() else "black"
        ax.text(a, t, str(count), ha="center", va="center", fontsize=8, color=colour)
    n = len(counts)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("the network's answer")
    ax.set_ylabel("true digit")
    ax.set_title("confusion matrix (test set)", fontsize=11)
    pairs = "\n".join(f"{truth} read as {answer}: {count} times" for truth, answer, count in most_confused(counts))
    text_ax.axis("off")
    text_ax.text(0.5, 1.0, "Most confused pairs\n" + pairs, ha="center", va="top", fontsize=9.5,
                 transform=text_ax.transAxes)


def _draw_gallery(subfig, dataset, indices, answers):
    axes = subfig.subplots(4, 6)
    for ax, index, answer in zip(axes.flat, indices, answers):
        _show_digit(ax, dataset.X[index], f"answer {answer}, truth {dataset.labels[index]}", fontsize=8)
    for ax in axes.flat[len(indices):]:
        ax.axis("off")
    subfig.suptitle(f"the first {len(indices)} misclassified test digits", fontsize=11, y=0.93)
    subfig.subplots_adjust(top=0.86, bottom=0.08, wspace=0.3, hspace=0.35)


# --- 2. noise -----------------------------------------------------------------------

@register(
    "noise",
    "What it did not learn (1): confident digits in random noise",
    "Show the network pure static and it still names a digit, sometimes with confidence. It was "
    "only ever shown digits and asked which one, so 'none of these' is not an answer it can give. "
    "The network has learned to tell ten shapes apart, not what a digit is.",
    size=(12, 4.8),
    layout=None,
)
def make_noise(fig, context):
    network = context.network
    X = context.rng.random((N_NOISE, network.sizes[0])).astype(np.float32)
    axes = fig.subplots(2, N_NOISE // 2)
    for ax, x in zip(axes.flat, X):
        _show_digit(ax, x, _answer_title(network, x))
    fig.suptitle("What it did not learn (1): random noise gets a digit anyway", fontsize=13)
    fig.text(0.5, 0.02, "It never learned to say \u201cthis is not a digit\u201d: every input gets one of "
             "the ten answers (p = the output's share of all ten).", ha="center", fontsize=10)
    fig.subplots_adjust(bottom=0.1, top=0.82)
    return fig


# --- 3. dreams ----------------------------------------------------------------------

@register(
    "dreams",
    "What does the network think a 3 looks like: inputs optimized to light up each output",
    "Instead of changing the weights, we can change the picture: start from a dark image and "
    "nudge every pixel, by backpropagation all the way down to the input, to make one output "
    "light up. The network calls each result its digit with near certainty, yet they are faint "
    "smudges that at best hint at the shape we would draw. Whatever the network has learned, "
    "it is not quite the loops and strokes we hoped for.",
    size=(12, 5.5),
    layout=None,
)
def make_dreams(fig, context):
    network = context.network
    axes = fig.subplots(2, 5)
    for digit, ax in enumerate(axes.flat):
        x = dream(network, digit, rng=context.rng)
        _show_digit(ax, x, f"dream of {digit}\n{_answer_title(network, x)}", vmax=max(float(x.max()), 1e-6))
    fig.suptitle("What does the network think a 3 looks like? Inputs that light up each output", fontsize=13)
    fig.text(0.5, 0.03, "Each starts almost black and climbs log p(digit) by gradient ascent; "
             "drawn from 0 (black) to its own brightest pixel (white): the dreams stay faint.",
             ha="center", fontsize=9.5)
    fig.subplots_adjust(top=0.82, bottom=0.1, hspace=0.35)
    return fig


# --- 4. backprop --------------------------------------------------------------------

@register(
    "backprop",
    "Backpropagation, one example: the nudges each output wants, carried back to every neuron",
    "For one training example, the cost tells each output neuron which way it should move: the "
    "right digit up, the others down. Backpropagation carries those wishes back layer by layer, "
    "weighting each by how strongly the neurons are connected, and turns them into a change for "
    "every weight. A finite-difference check of the cost confirms the numbers.",
    size=(15, 8.5),
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
    _show_digit(fig.add_subplot(grid[1, 0]), x, f"the example; target {label} ({source})")
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
