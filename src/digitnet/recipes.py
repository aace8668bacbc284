"""Recipes: the settings that train a network well, by name, in a ladder from the slides to 99%.

Each rung of ``LADDER`` makes one change a learner can name (3Blue1Brown's "tweaks"):

1. ``slides``: the slides' network trained the simplest way: every weight and bias drawn
   from N(0, 1), a constant learning rate, sigmoid neurons, the mean squared error, SGD on
   mini-batches of 10 (Nielsen's book, chapter 1).
2. ``seed``: + a better start and schedule: weights drawn with a spread of 1/sqrt(fan_in)
   (so no neuron starts saturated), a learning rate falling along a cosine over 150 epochs
   (the slides' 30), and a little L2 weight decay. Still 784-16-16-10, sigmoid, MSE, SGD.
3. ``softmax``: + a softmax output with the cross-entropy cost, which keeps learning where
   a saturated sigmoid output with MSE almost stops.
4. ``relu``: + ReLU hidden neurons.
5. ``modern``: + Adam, whose rate rises to its cosine over the first two epochs (so fewer
   ReLU neurons die at the start), and training images moved by up to a pixel each epoch:
   the best 784-16-16-10 network here.
6. ``wide``: + wider hidden layers, 784-256-128-10 (235,146 weights and biases), with what a
   network that size needs: batches of 128, 20 epochs, no L2 or shifts yet, and Adam at 0.002
   along a plain cosine (the settings it was chosen with: the best rung scored lower on the
   validation split with modern's 0.003 and warm-up).
7. ``dropout``: + dropout: a random 20% of the hidden neurons left out of each step.
8. ``best``: + training images shifted by up to a pixel, and three times as many epochs: 99%.

Two rungs beside the ladder read handwriting that is not MNIST's (a drawing on the page, a photo):
``robust`` is ``modern`` and ``robust-wide`` is ``wide``, each trained with some of its images randomly
rotated, scaled, thickened or thinned and elastically distorted anew each epoch (``DISTORTIONS``,
``data.distort``): half for ``robust-wide``, 30% and a fifth of the L2 for the small ``robust``, to read
other hands better at little cost on MNIST's test set.

The settings were chosen on a validation split (the last 10,000 training images held out,
``digitnet train --validation 10000``), never on the test set; ``benchmarks/ladder.py``
trains every rung that way and prints the table the README shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from .activations import HIDDEN_ACTIVATIONS
from .costs import COSTS
from .data.distort import Distortions
from .data.mnist import Dataset
from .network import INITS, MAX_SEED, SEED_SIZES, Network, check_sizes
from .optimizers import OPTIMIZERS, make_optimizer
from .training import SCHEDULES, EpochResult, History, OnStep, train


@dataclass(frozen=True)
class Limit:
    """The range a training setting must lie in: from ``low`` (or above it, if ``above``) to ``high``."""

    low: float
    high: float
    above: bool = False

    def holds(self, value: float) -> bool:
        """Whether ``value`` is in range (NaN never is)."""
        return (value > self.low if self.above else value >= self.low) and value <= self.high

    def words(self) -> str:
        """The range in words: "from 1 to 100,000", "above 0 and at most 1,000"."""
        low, high = _plain(self.low), "2**64 - 1" if self.high == MAX_SEED else _plain(self.high)
        return f"above {low} and at most {high}" if self.above else f"from {low} to {high}"


def _plain(number: float) -> str:
    """1000 as "1,000", 0.9 as "0.9"."""
    return f"{int(number):,}" if number == int(number) else f"{number:g}"


# The range of every number a training may be given. The command line, the page, a checkpoint and a
# model file are all held to these (``Recipe.check``), so that what one of them accepts the others do too.
LIMITS = {
    "learning_rate": Limit(0, 1000, above=True),  # the seed's SGD takes 3, Adam 0.001; 100 already diverges
    "weight_decay": Limit(0, 1000),                # L2 lambda; the ladder's take 0 to 4
    "batch_size": Limit(1, 100_000),               # MNIST has 60,000 training images
    "epochs": Limit(1, 10_000),
    "max_shift": Limit(0, 100),                    # pixels; a 28x28 image takes at most 7 (``digitnet train``)
    "dropout": Limit(0, 0.9),
    "distort": Limit(0, 1),                        # the share of the images distorted each epoch
    "seed": Limit(0, MAX_SEED),
    "validation": Limit(0, 10_000_000),            # examples held out; 0 for none
}


@dataclass(frozen=True)
class Recipe:
    """Everything ``digitnet train`` needs besides the data and the random seed."""

    name: str
    sizes: tuple = SEED_SIZES
    activation: str = "sigmoid"
    cost: str = "mse"
    optimizer: str = "sgd"
    learning_rate: float = 3.0
    batch_size: int = 10
    epochs: int = 150
    schedule: str = "cosine"
    weight_decay: float = 2.0
    max_shift: int = 0
    dropout: float = 0.0
    init: str = "fan_in"
    distort: float = 0.0  # the share of the images rotated, scaled, thickened or thinned and elastically
    # distorted each epoch, drawn afresh (``DISTORTIONS``); 0 for none

    def with_changes(self, **changes: Any) -> Recipe:
        """A copy with the given fields changed; None values leave a field as it is."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def network(self, seed: int = 0) -> Network:
        """The untrained network this recipe starts from."""
        return Network(self.sizes, self.activation, self.cost, seed=seed, init=self.init)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sizes": list(self.sizes)}

    @classmethod
    def from_dict(cls, fields: Any) -> Recipe:
        """The recipe that ``as_dict`` gave ``fields``; ValueError if they are not a recipe's."""
        names = {field.name: type(getattr(_SEED, field.name)) for field in dataclasses.fields(cls)}
        if isinstance(fields, dict) and "distort" not in fields:  # saved before distortions were a setting
            fields = {**fields, "distort": 0.0}
        if not isinstance(fields, dict) or set(fields) != set(names):
            raise ValueError("not a recipe's fields")
        sizes = fields["sizes"]
        if not isinstance(sizes, list) or not all(type(size) is int and size > 0 for size in sizes):
            raise ValueError("not a recipe's layer sizes")
        for name, kind in names.items():
            value = fields[name]
            if name != "sizes" and not (type(value) is kind or kind is float and type(value) is int):
                raise ValueError(f"a recipe's {name} cannot be {value!r}")
        recipe = cls(**{**fields, "sizes": tuple(sizes)})
        recipe.check()
        return recipe

    def check(self) -> None:
        """ValueError naming the first setting that no training can have (an unknown name, a batch of 0, ...)."""
        known = {"activation": HIDDEN_ACTIVATIONS, "cost": COSTS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES,
                 "init": INITS}
        for name, choices in known.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; choose one of: {', '.join(choices)}")
        check_sizes(self.sizes)
        for name, limit in LIMITS.items():
            value = getattr(self, name, None)
            if value is not None and not limit.holds(value):
                raise ValueError(f"a recipe's {name} cannot be {shown_number(value)}; it must be {limit.words()}")


def shown_number(value: float) -> str:
    """A number as a sentence can show it: 10**400 as "a number of 401 digits", not all of them."""
    text = repr(value)
    return text if len(text) <= 24 else f"a number of {len(text.lstrip('-'))} digits"


_SEED = Recipe("seed")
_SOFTMAX = _SEED.with_changes(name="softmax", cost="cross_entropy", learning_rate=0.5, weight_decay=4.0)
_RELU = _SOFTMAX.with_changes(name="relu", activation="relu", learning_rate=0.02, weight_decay=2.0)
_MODERN = _RELU.with_changes(name="modern", optimizer="adam", learning_rate=0.003, schedule="warmup_cosine",
                             batch_size=16, weight_decay=0.5, max_shift=1)
_WIDE = _MODERN.with_changes(name="wide", sizes=(784, 256, 128, 10), batch_size=128, epochs=20,
                             max_shift=0, weight_decay=0.0, learning_rate=0.002, schedule="cosine")
_DROPOUT = _WIDE.with_changes(name="dropout", dropout=0.2)
# how strongly a distorted image is distorted (a recipe's ``distort`` says how many are), chosen on the validation
# split and on own-digits/tuning (README: the robust rungs): a little milder than Distortions' defaults
DISTORTIONS = Distortions(rotation=12.0, scale=0.12, thickness=0.4, elastic=1.2)
LADDER = (
    Recipe("slides", init="normal", learning_rate=1.5, schedule="constant", weight_decay=0.0, epochs=30),
    _SEED, _SOFTMAX, _RELU, _MODERN, _WIDE, _DROPOUT,
    _DROPOUT.with_changes(name="best", max_shift=1, epochs=60),
    # 30% distorted, not half: the 16 neurons a layer have no room to spare, and half cost MNIST accuracy; the
    # distortions regularise, so less L2 (validation split, seeds 0-2; README: the robust rungs)
    _MODERN.with_changes(name="robust", distort=0.3, weight_decay=0.1),
    _WIDE.with_changes(name="robust-wide", distort=0.5),
)
RECIPES = {recipe.name: recipe for recipe in LADDER}
# the rungs that train the lesson's own 784-16-16-10 network (the page and the figures show only that one)
LESSON_RECIPES = tuple(recipe.name for recipe in LADDER if recipe.sizes == SEED_SIZES)


def check_fits(sizes: tuple, dataset: Dataset, name: str = "this data") -> None:
    """ValueError unless a network of layer ``sizes`` reads ``dataset`` (called ``name`` in the sentence): one
    input neuron a pixel, and an output for each class."""
    n_pixels, n_classes = dataset.X.shape[1], dataset.n_classes
    if n_pixels != sizes[0] or n_classes > sizes[-1]:
        raise ValueError(f"a {'-'.join(map(str, sizes))} network reads images of {sizes[0]} pixels into at most "
                         f"{sizes[-1]} classes, but {name} has images of {n_pixels} pixels in {n_classes} classes")


def check_weight_decay(recipe: Recipe, n: int) -> None:
    """ValueError if ``recipe``'s L2 strength would shrink every weight past zero at each step on ``n`` examples:
    plain gradient steps (SGD, GD, momentum) first multiply each weight by 1 - learning rate x lambda / n."""
    shrink = recipe.learning_rate * recipe.weight_decay / n
    if recipe.optimizer != "adam" and shrink >= 1:
        raise ValueError(f"an L2 weight decay of {recipe.weight_decay:g} with learning rate {recipe.learning_rate:g} "
                         f"on {n:,} examples would shrink every weight past zero at each step (learning rate x L2 / "
                         f"examples = {shrink:.3g}, not below 1)")


def default_learning_rate(optimizer: str, activation: str, cost: str) -> float:
    """A learning rate that suits the optimizer, activation and cost, for when a recipe's are swapped.

    A rate means different things to different settings: Adam's is a step size, SGD's a
    multiple of the gradient, and sigmoid + MSE has gradients ten times smaller than ReLU or
    cross-entropy. Momentum (mu = 0.9) moves about ten times SGD's step, so it gets a tenth.
    Chosen by two-epoch runs of each setting on MNIST.
    """
    if optimizer == "adam":
        return 0.001
    sgd_rates = {("sigmoid", "mse"): 3.0, ("sigmoid", "cross_entropy"): 0.3}
    rate = sgd_rates.get((activation, cost), 0.3 if cost == "mse" else 0.03)
    return rate / 10 if optimizer == "momentum" else rate


def train_recipe(network: Network, recipe: Recipe, train_set: Dataset, test_set: Dataset | None = None, *,
                 rng: np.random.Generator, on_epoch: Callable[[EpochResult], None] | None = None,
                 fast_path: bool = True, optimizer: Any = None, first_epoch: int = 0, on_step: OnStep | None = None,
                 every: int | None = None) -> History:
    """Train ``network`` in place the way ``recipe`` says (optimizer, schedule, L2, shifts, distortions); return
    the History.

    ``optimizer``: the recipe's, made by the caller (to checkpoint its state, or to go on with one
    restored, from ``first_epoch``; see ``training.train``); a new one if None. ``on_step`` and ``every``:
    see ``training.train``."""
    optimizer = optimizer or make_optimizer(recipe.optimizer, recipe.learning_rate)
    return train(network, train_set, test_set, optimizer=optimizer,
                 epochs=recipe.epochs, batch_size=recipe.batch_size, rng=rng,
                 schedule=SCHEDULES[recipe.schedule](recipe.learning_rate, recipe.epochs),
                 weight_decay=recipe.weight_decay, max_shift=recipe.max_shift, dropout=recipe.dropout,
                 on_epoch=on_epoch, fast_path=fast_path, first_epoch=first_epoch, on_step=on_step, every=every,
                 distort=distortions(recipe))


def distortions(recipe: Recipe) -> Distortions | None:
    """The distortions ``recipe`` trains with: ``DISTORTIONS`` on its share of the images, or None for none."""
    return replace(DISTORTIONS, share=recipe.distort) if recipe.distort else None


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; a clear ValueError for anything else."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]
