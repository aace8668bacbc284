"""The table of figures and the context they are drawn from."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Context:
    """What a figure draws from.

    ``network`` is the trained Network; ``data_dir`` the IDX folder (None: bundled MNIST);
    ``image`` one input row (784,) to show (None: the first test digit); ``rng`` the one
    random generator every random choice uses; ``quick`` asks figures that train networks
    to train less (for tests); ``datasets`` the (train, test) Datasets if they are loaded
    already (else they are read from ``data_dir`` when a figure first needs them); ``images``
    labelled digits that are not MNIST's, for the figures of one's own handwriting: a folder, a
    ``data.collection.Collection``, or None (the small sample bundled with digitnet).
    """

    network: object
    data_dir: object = None
    image: np.ndarray | None = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    quick: bool = False
    datasets: tuple | None = None
    images: object = None

    @property
    def data(self):
        """(train, test) Datasets, read once on first use."""
        if self.datasets is None:
            from ..data.mnist import load_mnist

            self.datasets = load_mnist(self.data_dir)
        return self.datasets

    @property
    def train_set(self):
        return self.data[0]

    @property
    def test_set(self):
        return self.data[1]

    @property
    def example(self):
        """The image to show, (784,): ``image`` if given, else the first test digit."""
        return self.image if self.image is not None else self.test_set.X[0]


# The lesson's sections, in the order of the slides: (key, heading). Every figure belongs to one;
# FIGURES lists them section by section, and the handout (viz/report.py) follows the same order.
SECTIONS = (
    ("neuron", "A neuron is a number"),
    ("layers", "Layers: 784 → 16 → 16 → 10"),
    ("weights-and-bias", "Weights and bias"),
    ("parameters", "13,002 parameters"),
    ("cost", "The cost"),
    ("gradient-descent", "Gradient descent"),
    ("sgd", "Stochastic gradient descent"),
    ("backprop", "Backpropagation"),
    ("learned", "What it learned"),
    ("learning-rate", "The learning rate"),
    ("own-handwriting", "Your own handwriting"),
)
SECTION_KEYS = tuple(key for key, _ in SECTIONS)


@dataclass(frozen=True)
class Figure:
    """A named figure: its one-line summary, its paragraph, the function that draws it, and its section.

    ``paragraph`` says what the figure shows in words that hold for any model; whatever depends
    on the numbers drawn (where a walk ended, whether it settled, how sure an answer is) is
    written on the figure itself, computed from those numbers.
    """

    name: str
    summary: str
    paragraph: str
    make: Callable
    size: tuple = (8, 6)
    layout: str | None = "constrained"  # None: the figure places its parts itself
    section: str = "learned"  # one of SECTION_KEYS


FIGURES: dict[str, Figure] = {}


def draw(name: str, context: Context, fig: Any = None) -> Any:
    """Draw the figure called ``name`` from ``context`` on the matplotlib Figure ``fig`` (a new one of
    the figure's own size and layout if None) and return it: ``digitnet.viz.draw("weights", context)``."""
    if name not in FIGURES:
        raise ValueError(f"no figure called {name!r}; choose one of: {', '.join(FIGURES)}")
    entry = FIGURES[name]
    if fig is None:
        from matplotlib.figure import Figure as MatplotlibFigure

        fig = MatplotlibFigure(figsize=entry.size, layout=entry.layout)  # type: ignore[arg-type]  # one of its names
    entry.make(fig, context)
    return fig


def register(name, summary, paragraph, size=(8, 6), layout="constrained", section="learned"):
    """Decorator: add ``make(fig, context) -> fig`` to FIGURES under ``name``, in ``section``."""
    if section not in SECTION_KEYS:
        raise ValueError(f"unknown section {section!r}; choose one of: {', '.join(SECTION_KEYS)}")

    def add(make):
        FIGURES[name] = Figure(name, summary, paragraph, make, size, layout, section)
        _in_lesson_order()
        return make

    return add


def _in_lesson_order():
    """Reorder FIGURES section by section (stable: within a section, in the order registered)."""
    entries = sorted(FIGURES.values(), key=lambda entry: SECTION_KEYS.index(entry.section))
    FIGURES.clear()
    FIGURES.update((entry.name, entry) for entry in entries)
