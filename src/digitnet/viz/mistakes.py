"""Figures of what the trained network gets wrong, and of what it has (not) learned.

``mistakes``: the confusion matrix and the most confused pairs. ``misread``: the first test
digits it gets wrong. ``noise``: its answers for random noise, with its ten outputs.
``dreams``: inputs optimized to make each output say yes. Every word on these figures that
depends on the numbers (sure, faint, gathered) comes from a small verdict function below,
fed the numbers the figure draws. The math of dreams lives in ``_probe`` (NumPy only).
"""

import numpy as np

from ._probe import dream
from .registry import register
from .style import show_digit

__all__ = ["confusion", "misclassified", "most_confused", "dream", "how_sure", "how_faint",
           "top_pairs_share", "even_top_share", "how_gathered", "gathering_sentence"]

GALLERY = 24          # misclassified digits shown
N_NOISE = 8           # noise images shown
TOP_PAIRS = 5         # most confused pairs listed
SURE = 0.8            # an answer is "sure" when its output reaches this (1 is yes, 0 is no) ...
YES = 0.5             # ... and no other output reaches this
FAINT = 0.5           # a dream is "faint" when no pixel reaches half white (a digit's strokes reach 1)
GATHERED = 1.5        # mistakes "gather" when the top pairs hold this many times their share at random


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


def most_confused(counts, n=TOP_PAIRS):
    """The n largest off-diagonal cells as (truth, answer, count), largest first (all of them, if fewer)."""
    off_diagonal = counts.copy()
    np.fill_diagonal(off_diagonal, -1)
    cells = np.argsort(-off_diagonal, axis=None, kind="stable")[:min(n, counts.size - len(counts))]
    return [(int(t), int(a), int(off_diagonal[t, a])) for t, a in zip(*np.unravel_index(cells, counts.shape))]


# --- verdicts: the words a figure writes, computed from what it draws -------------------

def how_sure(outputs):
    """'sure' when the largest of the ten outputs (10,) is at least SURE and no other reaches YES,
    else 'unsure'."""
    runner_up, top = np.sort(np.asarray(outputs))[-2:]
    return "sure" if top >= SURE and runner_up < YES else "unsure"


def how_faint(x):
    """'faint' when no pixel of x (784,) reaches FAINT, else 'bright' ('not a number' if a pixel is NaN)."""
    if np.isnan(x).any():
        return "not a number"
    return "faint" if np.max(x) < FAINT else "bright"


def top_pairs_share(counts, n=TOP_PAIRS):
    """The fraction of all mistakes (off-diagonal counts) that the n most confused pairs hold."""
    n_wrong = counts.sum() - np.trace(counts)
    return sum(count for _, _, count in most_confused(counts, n)) / max(n_wrong, 1)


def even_top_share(n_wrong, n_classes=10, n=TOP_PAIRS, draws=200):
    """What ``top_pairs_share`` would be, on average, if n_wrong mistakes fell on the
    n_classes * (n_classes - 1) pairs evenly at random (a fixed seed: the same answer every time)."""
    n_pairs = n_classes * (n_classes - 1)
    spread = np.random.default_rng(0).multinomial(n_wrong, np.full(n_pairs, 1 / n_pairs), size=draws)
    return float(np.sort(spread, axis=1)[:, -n:].sum(axis=1).mean() / max(n_wrong, 1))


def how_gathered(share, even_share):
    """'gather in a few pairs' when ``share`` is at least GATHERED times ``even_share``, else
    'are spread about evenly'."""
    return "gather in a few pairs" if share >= GATHERED * even_share else "are spread about evenly"


def gathering_sentence(counts, n=TOP_PAIRS):
    """What the figure says of how the mistakes in ``counts`` (10, 10) are spread, from ``how_gathered``."""
    n_wrong = int(counts.sum() - np.trace(counts))
    if n_wrong == 0:
        return "Not one test digit is read wrong."
    share, even_share = top_pairs_share(counts, n), even_top_share(n_wrong, len(counts), n)
    return (f"The mistakes {how_gathered(share, even_share)}: the {n} most confused of the "
            f"{len(counts) * (len(counts) - 1)} pairs hold {share:.0%} of them\n"
            f"(about {even_share:.0%} if the same {n_wrong:,} mistakes fell on the pairs at random).")


def _outputs(network, x):
    """The output layer's activations (10,) for one input x (784,), rounded to the two decimals the
    figures write: the verdicts judge the numbers a reader sees (0.798 is shown, and judged, as 0.80)."""
    return np.round(network.feedforward(np.reshape(x, (1, -1)))[0], 2)


# --- 1. mistakes ---------------------------------------------------------------------

@register(
    "mistakes",
    "Mistakes: the confusion matrix of the test digits and the most confused pairs",
    "Each test digit, which the network never saw while it learned, adds one to "
    "the cell of its true digit (row) and the network's answer (column): the diagonal holds the "
    "digits it reads right, every other cell a kind of mistake. Some digits share strokes, like "
    "a 4 and a 9 or a 3 and a 5. Whether this network's mistakes gather in a few such pairs or "
    "are spread evenly is written under the figure.",
    size=(9.6, 6.2),
    layout=None,
    section="learned",
)
def make_mistakes(fig, context):
    network, test_set = context.network, context.test_set
    counts = confusion(network, test_set)
    answers = network.predict(test_set.X)
    grid = fig.add_gridspec(TOP_PAIRS, 2, width_ratios=[5.2, 1.0], left=0.08, right=0.72,
                            top=0.83, bottom=0.2, wspace=0.25, hspace=0.45)
    _draw_confusion(fig.add_subplot(grid[:, 0]), counts)
    pairs = [(truth, answer, count) for truth, answer, count in most_confused(counts) if count > 0]
    for row, (truth, answer, count) in enumerate(pairs):
        ax = fig.add_subplot(grid[row, 1])
        first = np.flatnonzero((test_set.labels == truth) & (answers == answer))[0]
        show_digit(ax, test_set.X[first], "")
        ax.text(1.15, 0.5, f"{truth} read as {answer}: {count} times", transform=ax.transAxes,
                va="center", fontsize=10)
    fig.text(0.62, 0.855, f"The {len(pairs)} most confused pairs\n(the first test digit of each)",
             ha="left", va="bottom", fontsize=10)
    n_wrong = int(counts.sum() - np.trace(counts))
    fig.suptitle(f"Mistakes: {n_wrong:,} of {counts.sum():,} test digits wrong "
                 f"(accuracy {np.trace(counts) / counts.sum():.1%})", fontsize=13, y=0.985)
    fig.text(0.04, 0.035, gathering_sentence(counts), ha="left", va="bottom", fontsize=10)
    return fig


def _draw_confusion(ax, counts):
    shade = np.log1p(counts)
    ax.imshow(shade, cmap="Greys")  # counts, not signs: grey, so blue keeps meaning positive
    for (t, a), count in np.ndenumerate(counts):
        colour = "white" if shade[t, a] > 0.6 * shade.max() else "black"
        ax.text(a, t, str(count), ha="center", va="center", fontsize=8.5, color=colour)
    n = len(counts)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.tick_params(labelsize=10)
    ax.set_xlabel("the network's answer", fontsize=10)
    ax.set_ylabel("true digit", fontsize=10)
    ax.set_title("confusion matrix (test set; shade: log of the count)", fontsize=10)


# --- 2. misread ----------------------------------------------------------------------

@register(
    "misread",
    "Misread: the first test digits the network gets wrong",
    "These are the first test digits the network gets wrong, in the order of the test set: not "
    "picked to flatter it or to shame it. Above each are its answer and the truth, each with what "
    "that output neuron said, from 0 (no) to 1 (yes). Judge for yourself which ones a person "
    "would hesitate over too.",
    size=(9.6, 8.0),
    layout=None,
    section="learned",
)
def make_misread(fig, context):
    network, test_set = context.network, context.test_set
    indices, answers = misclassified(network, test_set)
    indices, answers = indices[:GALLERY], answers[:GALLERY]
    axes = fig.subplots(4, GALLERY // 4)
    verdicts = []
    for ax, index, answer in zip(axes.flat, indices, answers):
        outputs = _outputs(network, test_set.X[index])
        truth = test_set.labels[index]
        verdicts.append(how_sure(outputs))
        show_digit(ax, test_set.X[index], f"answer {answer} ({outputs[answer]:.2f})\n"
                   f"truth {truth} ({outputs[truth]:.2f})", fontsize=9.5)
    for ax in axes.flat[len(indices):]:
        ax.axis("off")
    fig.suptitle(f"The first {len(indices)} test digits it gets wrong, in test-set order", fontsize=13, y=0.985)
    fig.text(0.5, 0.02, f"In brackets: that output neuron's activation, 0 (no) to 1 (yes). "
             f"{verdicts.count('sure')} of these {len(indices)} wrong answers are sure\n"
             f"(the answer's output at least {SURE}, no other output reaching {YES}).",
             ha="center", va="bottom", fontsize=10)
    fig.subplots_adjust(left=0.03, right=0.97, top=0.87, bottom=0.1, wspace=0.3, hspace=0.55)
    return fig


# --- 3. noise -----------------------------------------------------------------------

@register(
    "noise",
    "What it did not learn: random noise still gets a digit",
    "Show the network pure static and it still names a digit: it was only ever shown digits and "
    "asked which one, so 'none of these' is not an answer it can give. Under each image are the "
    "ten output neurons as the network gives them, from 0 (no) to 1 (yes). How many of its "
    "answers are sure is written on the figure.",
    size=(9.6, 7.6),
    layout=None,
    section="learned",
)
def make_noise(fig, context):
    network = context.network
    X = context.rng.random((N_NOISE, network.sizes[0])).astype(np.float32)
    columns = N_NOISE // 2
    # rows: images, their outputs, a gap, images, their outputs
    grid = fig.add_gridspec(5, columns, height_ratios=[1, 0.5, 0.12, 1, 0.5], left=0.07, right=0.98,
                            top=0.86, bottom=0.16, hspace=0.45, wspace=0.35)
    verdicts = []
    for i, x in enumerate(X):
        row, column = 3 * (i // columns), i % columns
        outputs = _outputs(network, x)
        answer = int(outputs.argmax())
        verdicts.append(how_sure(outputs))
        show_digit(fig.add_subplot(grid[row, column]), x,
                   f"answer {answer}, output {outputs[answer]:.2f}\n{verdicts[-1]}", fontsize=10)
        _draw_outputs(fig.add_subplot(grid[row + 1, column]), outputs, answer, first=column == 0)
    fig.suptitle(f"What it did not learn: random noise still gets a digit "
                 f"({verdicts.count('sure')} of {len(X)} answers sure)", fontsize=13, y=0.975)
    fig.text(0.5, 0.015, "Bars: the ten output neurons, 0 (no) to 1 (yes); the dark bar is the answer. "
             f"\u201cSure\u201d: the answer's output is at least {SURE}\n(dashed line) and no other output "
             f"reaches {YES}. It was never taught to say \u201cthis is not a digit\u201d.",
             ha="center", va="bottom", fontsize=10)
    return fig


def _draw_outputs(ax, outputs, answer, first):
    """The ten outputs (10,) as bars from 0 to 1, the answer's dark, with SURE dashed."""
    colours = ["0.75"] * len(outputs)
    colours[answer] = "0.15"
    ax.bar(range(len(outputs)), outputs, color=colours)
    ax.axhline(SURE, color="0.3", linestyle="--", linewidth=0.8)
    ax.set_ylim(0, 1)
    ax.set_xticks(range(len(outputs)))
    ax.set_yticks([0, 0.5, 1] if first else [])
    ax.tick_params(labelsize=8.5)
    if first:
        ax.set_ylabel("output", fontsize=9)


# --- 4. dreams ----------------------------------------------------------------------

@register(
    "dreams",
    "What does the network think a 3 looks like: inputs optimized to make each output say yes",
    "Instead of changing the weights, we can change the picture: start from an almost black "
    "image and nudge every pixel, by backpropagation carried all the way down to the input, to "
    "make output 3 say yes and the other nine say no. Each dream is drawn twice: on a digit's own "
    "scale, 0 black to 1 white, and brightened so that its shape shows. Whether the dreams are "
    "faint, and how the network reads each one, is written on the figure. Compare them with the "
    "digits we would draw: what the network has learned need not be the loops and strokes we hoped for.",
    size=(9.6, 9.4),
    layout=None,
    section="learned",
)
def make_dreams(fig, context):
    network = context.network
    n_classes = network.sizes[-1]
    columns = (n_classes + 1) // 2
    # rows: dreams on a digit's scale, the same brightened, a gap, the next dreams, brightened
    grid = fig.add_gridspec(5, columns, height_ratios=[1, 1, 0.25, 1, 1], left=0.07, right=0.98,
                            top=0.87, bottom=0.15, hspace=0.35, wspace=0.15)
    verdicts = []
    for digit in range(n_classes):
        x = dream(network, digit, rng=context.rng)
        row, column = 3 * (digit // columns), digit % columns
        outputs = _outputs(network, x)
        verdicts.append(how_faint(x))
        upper, lower = fig.add_subplot(grid[row, column]), fig.add_subplot(grid[row + 1, column])
        show_digit(upper, x, f"dream of {digit}: answer {int(outputs.argmax())}\n"
                   f"output {digit} = {outputs[digit]:.2f}\nbrightest {x.max():.2f}: {verdicts[-1]}",
                   fontsize=9.5)
        brightest = max(float(x.max()), 1e-6)
        show_digit(lower, x, f"0 to {brightest:.2f}", fontsize=9.5, vmax=brightest)
        if column == 0:
            upper.set_ylabel("0 to 1", fontsize=10)
            lower.set_ylabel("brightened", fontsize=10)
    typical_brightest = float(np.median(context.test_set.X.max(axis=1)))
    fig.suptitle(f"Dreams: inputs that make each output say yes ({verdicts.count('faint')} of "
                 f"{n_classes} faint)", fontsize=13, y=0.985)
    fig.text(0.5, 0.012,
             "Each starts almost black; 300 steps of gradient ascent on its pixels raise ln(output d)\n"
             "+ the sum of ln(1 \u2212 output) over the other nine: output d towards 1 (yes), the others "
             "towards 0 (no).\nUpper image of each pair: 0 black to 1 white, as a digit is drawn; lower: "
             "the same pixels, 0 black to its own\nbrightest pixel white. "
             f"\u201cFaint\u201d: no pixel reaches {FAINT}; a test digit's brightest pixel is "
             f"{typical_brightest:.2f} (the median over the test set).",
             ha="center", va="bottom", fontsize=9.5)
    return fig
