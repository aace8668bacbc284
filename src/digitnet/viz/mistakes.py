"""Figures of what the trained network gets wrong, and of what it has (not) learned.

``mistakes``: the confusion matrix, a gallery of misclassified test digits, the most
confused pairs. ``noise``: its confident answers for random noise. ``dreams``: inputs
optimized to light up each output. ``backprop``: the nudges of one backpropagation step,
checked against finite differences. The math lives in ``_probe`` (NumPy only).
"""

import numpy as np

from ._probe import dream
from .registry import register
from .style import show_digit

__all__ = ["confusion", "misclassified", "most_confused", "dream"]

GALLERY = 24          # misclassified digits shown
N_NOISE = 8           # noise images shown


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
    section="learned",
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
        show_digit(ax, dataset.X[index], f"answer {answer}, truth {dataset.labels[index]}", fontsize=8)
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
    section="learned",
)
def make_noise(fig, context):
    network = context.network
    X = context.rng.random((N_NOISE, network.sizes[0])).astype(np.float32)
    axes = fig.subplots(2, N_NOISE // 2)
    for ax, x in zip(axes.flat, X):
        show_digit(ax, x, _answer_title(network, x))
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
    section="learned",
)
def make_dreams(fig, context):
    network = context.network
    axes = fig.subplots(2, 5)
    for digit, ax in enumerate(axes.flat):
        x = dream(network, digit, rng=context.rng)
        show_digit(ax, x, f"dream of {digit}\n{_answer_title(network, x)}", vmax=max(float(x.max()), 1e-6))
    fig.suptitle("What does the network think a 3 looks like? Inputs that light up each output", fontsize=13)
    fig.text(0.5, 0.03, "Each starts almost black and climbs log p(digit) by gradient ascent; "
             "drawn from 0 (black) to its own brightest pixel (white): the dreams stay faint.",
             ha="center", fontsize=9.5)
    fig.subplots_adjust(top=0.82, bottom=0.1, hspace=0.35)
    return fig
