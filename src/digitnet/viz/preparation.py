"""Why the preparation matters: labelled digits that are not MNIST's, read at each step of it.

``preparation``: the digits of a labelled folder (``--images``), of the user's kept collection, or
of the small sample bundled with digitnet, prepared one step more at a time (``PREPARATION_STEPS``
of ``data.image``: shrunk whole to 28x28; cropped and fitted to 20x20; centred by mass; strokes
widened, the whole of ``prepare_image``), with the network's accuracy at each step against its
accuracy on MNIST's test digits, and the same few digits as the network sees them at each step.
What the figure says of the steps (which helps most, which costs) comes from ``steps_sentence``,
fed the accuracies it draws. ``draw_png(network, images)`` gives the figure as PNG bytes (for the page).
"""

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.collection import MY_DIGITS, Collection
from ..data.folder import list_labelled_images, read_images
from ..data.image import PREPARATION_STEPS, preparation_steps
from ..home import home
from .registry import Context, register
from .style import DPI, INK, show_digit

__all__ = ["SAMPLE", "MIN_KEPT", "StepRows", "read_steps", "default_images", "accuracies", "chosen",
           "steps_sentence", "draw_png"]

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "drawn"  # a few drawn digits of each kind
MIN_KEPT = 10      # the kept collection is shown once it holds this many digits (else the sample)
SHOWN = 6          # digits shown at every step
STILL_WRONG = 1    # of them, at most this many that the last step still reads wrong
CHANGE = 1.0       # points: a step that moves the accuracy by less changes nothing worth a word


@dataclass(frozen=True)
class StepRows:
    """Labelled images at each step: ``paths`` (n,), ``labels`` (n,) int, ``rows`` {step key: X (n, 784)}
    in PREPARATION_STEPS' order, and ``source``, words naming where the images came from."""

    paths: tuple
    labels: np.ndarray
    rows: dict
    source: str

    def __len__(self):
        return len(self.paths)


def read_steps(images=None) -> StepRows:
    """The labelled images of ``images`` at each step: a folder (a folder per digit, or a labels.csv),
    a data.collection.Collection, or None for the bundled sample. data.folder.FolderError when a
    folder or one of its images cannot be read."""
    if isinstance(images, Collection):
        folder, listing = images.folder, [(kept.path, kept.digit) for kept in images.all()]
    else:
        folder = SAMPLE if images is None else Path(images)
        listing = list_labelled_images(folder)
    steps = {}

    def prepare(path):  # read_images turns an image's failure into the folder's one sentence
        try:
            status = path.stat()
        except OSError:  # a link to nothing or round in a loop: reading it says which
            steps[path] = preparation_steps(path)
        else:
            steps[path] = _steps_of(path, status.st_size, status.st_mtime_ns)
        return steps[path][PREPARATION_STEPS[-1][0]]

    read = read_images(listing, folder, prepare)
    rows = {key: np.stack([steps[path][key] for path in read.paths]) if len(read) else np.zeros((0, 784), np.float32)
            for key, _ in PREPARATION_STEPS}
    digits = f"{len(read):,} digit{'' if len(read) == 1 else 's'}"
    source = (f"your {digits.replace(' ', ' kept ', 1)}" if isinstance(images, Collection) else
              f"the {digits.replace(' ', ' drawn ', 1)} bundled with digitnet" if images is None else
              f"the {digits} in {_short(folder)}")
    return StepRows(read.paths, read.labels, rows, source)


@functools.lru_cache(maxsize=1024)  # the page draws the kept digits again and again
def _steps_of(path, size, mtime_ns):
    """preparation_steps(path), kept while the file keeps its size and time (about 12 kB each)."""
    return preparation_steps(path)


def _short(folder, longest=40):
    """A folder's path as written in the title: whole if short, else its last two parts."""
    text = str(folder)
    return text if len(text) <= longest else str(Path("\u2026", *Path(folder).parts[-2:]))[:longest]


def default_images():
    """What the figure shows when no folder is given: the user's kept collection ($DIGITNET_HOME/my-digits)
    when it holds at least MIN_KEPT digits, else None (the bundled sample)."""
    collection = Collection(home() / MY_DIGITS)
    return collection if len(collection.all()) >= MIN_KEPT else None


# --- what the figure computes and says -----------------------------------------------

def accuracies(answers, labels):
    """{step key: share of the labels (n,) that the answers {step key: (n,)} get right} (0.0 for no images)."""
    return {key: float(np.mean(answer == labels)) if len(labels) else 0.0 for key, answer in answers.items()}


def chosen(answers, labels, n=SHOWN):
    """Indices of up to ``n`` images to show at every step, and why: the digits taken in turn (the first
    0, the first 1, ..., the second 0, ...); first those the first step reads wrong and the last right,
    then up to STILL_WRONG the last step reads wrong, then the others. -> (indices, counts), counts
    {"mended": ..., "still wrong": ..., "others": ...}."""
    first, last = (answers[key] for key in (PREPARATION_STEPS[0][0], PREPARATION_STEPS[-1][0]))
    rank = np.zeros(len(labels), np.int64)  # the how-manieth of its digit each image is
    for digit in np.unique(labels):
        rank[labels == digit] = np.arange(np.sum(labels == digit))
    order = np.lexsort((labels, rank))
    wrong = [i for i in order if last[i] != labels[i]]
    mended = [i for i in order if first[i] != labels[i] and last[i] == labels[i]][:n - min(STILL_WRONG, len(wrong))]
    still_wrong = wrong[:min(STILL_WRONG, n - len(mended))]
    others = [i for i in order if i not in mended and i not in still_wrong][:n - len(mended) - len(still_wrong)]
    indices = sorted(mended + still_wrong + others, key=lambda i: list(order).index(i))
    return indices, {"mended": len(mended), "still wrong": len(still_wrong), "others": len(others)}


def steps_sentence(shares, mnist_share, n):
    """What the figure says of the steps, from the accuracies {step key: share} of n images (in
    PREPARATION_STEPS' order) and the accuracy on MNIST's test digits."""
    if n == 0:
        return "There are no images to read."
    words = dict(PREPARATION_STEPS)
    keys = list(shares)
    gains = {key: 100 * (shares[key] - shares[before]) for before, key in zip(keys, keys[1:])}
    best = max(gains, key=gains.get)
    worst = min(gains, key=gains.get)
    first, last = 100 * shares[keys[0]], 100 * shares[keys[-1]]
    lines = [f"As they are, the network reads {first:.0f}% of {'this' if n == 1 else f'these {n:,}'} "
             f"digit{'' if n == 1 else 's'}; fully prepared, {last:.0f}%"
             f" (MNIST's test digits: {100 * mnist_share:.1f}%)."]
    if gains[best] >= CHANGE:
        lines.append(f"The step that helps most: \u201c{_plain(words[best])}\u201d, {_points(gains[best], '+')}.")
    else:
        lines.append("No step of the preparation helps these digits.")
    if gains[worst] <= -CHANGE:
        lines.append(f"\u201c{_plain(words[worst])}\u201d costs {_points(-gains[worst])} on them.")
    idle = [f"\u201c{_plain(words[key])}\u201d" for key, gain in gains.items() if abs(gain) < CHANGE]
    if idle and gains[best] >= CHANGE:
        lines.append(f"{' and '.join(idle)} change{'s' if len(idle) == 1 else ''} it by less than "
                     f"{_points(CHANGE)} here.")
    gap = 100 * mnist_share - last
    if gap >= CHANGE:
        lines.append(f"Prepared, they are read {_points(gap)} worse than MNIST's own digits: the network reads "
                     f"what it was trained on.")
    elif gap <= -CHANGE:
        lines.append(f"Prepared, they are read {_points(-gap)} better than MNIST's own digits.")
    else:
        lines.append("Prepared, they are read about as well as MNIST's own digits.")
    return "\n".join(lines)


def _points(value, sign=""):
    """A number of percentage points as written: '12 points', '1 point', '+57 points'."""
    rounded = round(value)
    return f"{rounded:{sign}d} point{'' if abs(rounded) == 1 else 's'}"


def _plain(step_words):
    return step_words.removeprefix("+ ")


def _mnist_share(context):
    test = context.test_set
    return float(np.mean(context.network.predict(test.X) == test.labels))


# --- the figure ---------------------------------------------------------------------

@register(
    "preparation",
    "Preparation: the network's accuracy on digits that are not MNIST's, one step of preparation at a time",
    "MNIST's digits were prepared a particular way: each cropped to its ink, fitted to a 20x20 box and "
    "placed in a 28x28 field by its centre of mass, with pen strokes of a certain width. The network "
    "knows digits only as they look after that, so a picture of a digit has to be prepared the same "
    "way. Here digits drawn or written elsewhere are prepared one step more at a time, and the network "
    "reads them after each step; the same few digits are shown at every step, with its answers. "
    "Which step helps most, for this network and these digits, is written under the figure.",
    size=(9.6, 7.4),
    layout=None,
    section="own-handwriting",
)
def make_preparation(fig, context):
    steps = read_steps(getattr(context, "images", None))
    network, labels = context.network, steps.labels
    answers = {key: network.predict(X) if len(X) else np.zeros(0, np.int64) for key, X in steps.rows.items()}
    shares, mnist_share = accuracies(answers, labels), _mnist_share(context)
    indices, counts = chosen(answers, labels)
    columns = SHOWN  # however many there are to show: the bars keep their width
    grid = fig.add_gridspec(len(PREPARATION_STEPS), 1 + columns, width_ratios=[3.4] + [1] * columns,
                            left=0.21, right=0.985, top=0.8, bottom=0.2, wspace=0.25, hspace=0.75)
    for row, (key, words) in enumerate(PREPARATION_STEPS):
        _draw_share(fig.add_subplot(grid[row, 0]), shares[key], mnist_share, words, labels, answers[key],
                    first=row == 0, last=row == len(PREPARATION_STEPS) - 1)
        for column, i in enumerate(indices):
            ax = fig.add_subplot(grid[row, 1 + column])
            answer, truth = int(answers[key][i]), int(labels[i])
            show_digit(ax, steps.rows[key][i], f"a {truth}" if row == 0 else "", fontsize=10)
            ax.set_xlabel(f"reads {answer}" + ("" if answer == truth else " \u2717"), fontsize=10,
                          fontweight="normal" if answer == truth else "bold", labelpad=2)
    fig.suptitle(f"Preparation, one step at a time: {steps.source}", fontsize=13, y=0.985)
    fig.text(0.5, 0.925, "Bars: the share of these digits the network reads right after each step; "
             "dashed: its accuracy on MNIST's test digits.\nRight: the same digits at each step, as the "
             "network sees them, with its answer (\u2717: wrong).", ha="center", va="center", fontsize=10)
    shown = (f"Shown: {counts['mended']} read wrong as they are and right when prepared, "
             f"{counts['still wrong']} still read wrong, {counts['others']} others (taken in turn from each digit).")
    fig.text(0.03, 0.015, steps_sentence(shares, mnist_share, len(steps)) + "\n" + shown,
             ha="left", va="bottom", fontsize=10)
    return fig


def _draw_share(ax, share, mnist_share, words, labels, answers, first, last):
    """One step's accuracy as a bar from 0 to 1, its number written big, MNIST's dashed."""
    ax.barh([0], [share], height=0.6, color="0.6")
    ax.axvline(mnist_share, color=INK, linestyle="--", linewidth=1.2)
    right = int(np.sum(answers == labels))
    ax.text(0.02, 0.0, f"{share:.0%}", va="center", ha="left", fontsize=16, fontweight="bold", color=INK)
    ax.text(0.02, -0.45, f"{right:,} of {len(labels):,} right", va="top", ha="left", fontsize=9.5, color=INK)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1.0, 0.5)
    ax.set_yticks([])
    ax.set_xticks([0, 0.5, 1] if last else [])
    if last:
        ax.set_xticklabels(["0%", "50%", "100%"], fontsize=9.5)
    ax.set_title(words, fontsize=11, loc="left")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if first:
        ax.text(mnist_share, 1.75, f"MNIST test: {mnist_share:.1%}", transform=ax.get_xaxis_transform(),
                ha="right", va="bottom", fontsize=9.5, color=INK)


def draw_png(network, images=None, datasets=None, dpi=DPI) -> bytes:
    """The preparation figure as PNG bytes, for ``network`` and ``images`` (a folder, a Collection, or None
    for the bundled sample); ``datasets``: (train, test) if loaded already (else the bundled MNIST is read)."""
    from matplotlib.figure import Figure as MatplotlibFigure

    from .registry import FIGURES

    entry = FIGURES["preparation"]
    fig = MatplotlibFigure(figsize=entry.size)
    entry.make(fig, Context(network=network, datasets=datasets, images=images))
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png")
    return buffer.getvalue()
