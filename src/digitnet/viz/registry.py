"""The table of figures and the context they are drawn from."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Context:
    """What a figure draws from.

    ``network`` is the trained Network; ``data_dir`` the IDX folder (None: bundled MNIST);
    ``image`` one input row (784,) to show (None: the first test digit); ``rng`` the one
    random generator every random choice uses; ``quick`` asks figures that train networks
    to train less (for tests).
    """

    network: object
    data_dir: object = None
    image: np.ndarray | None = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    quick: bool = False
    _data: tuple | None = None

    @property
    def data(self):
        """(train, test) Datasets, read once on first use."""
        if self._data is None:
            from ..data.mnist import load_mnist

            self._data = load_mnist(self.data_dir)
        return self._data

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


@dataclass(frozen=True)
class Figure:
    """A named figure: its one-line summary, its slide's paragraph, and the function that draws it."""

    name: str
    summary: str
    paragraph: str
    make: Callable
    size: tuple = (8, 6)
    layout: str | None = "constrained"  # None: the figure places its parts itself


FIGURES: dict[str, Figure] = {}


def register(name, summary, paragraph, size=(8, 6), layout="constrained"):
    """Decorator: add ``make(fig, context) -> fig`` to FIGURES under ``name``."""
    def add(make):
        FIGURES[name] = Figure(name, summary, paragraph, make, size, layout)
        return make

    return add
