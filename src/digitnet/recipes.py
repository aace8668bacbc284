"""Recipes: the settings that train a network well, by name.

``seed`` is the network of the slides, trained the way they describe: sigmoid neurons,
the mean squared error, stochastic gradient descent on mini-batches of 10. What the
slides leave open is chosen for accuracy: weights drawn with a spread of 1/sqrt(fan_in)
(so no neuron starts saturated), a learning rate that falls along a cosine, and a little
L2 weight decay. ``modern`` keeps the same 784-16-16-10 shape but uses what is done today:
ReLU hidden neurons, a softmax output with cross-entropy, Adam, and training images
moved by up to a pixel each epoch.
"""

from dataclasses import asdict, dataclass, replace

from .network import SEED_SIZES


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
    epochs: int = 60
    schedule: str = "cosine"
    weight_decay: float = 1.0
    max_shift: int = 0

    def with_changes(self, **changes):
        """A copy with the given fields changed; None values leave a field as it is."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def as_dict(self):
        return {**asdict(self), "sizes": list(self.sizes)}


RECIPES = {
    "seed": Recipe("seed"),
    "modern": Recipe(
        "modern", activation="relu", cost="cross_entropy", optimizer="adam",
        learning_rate=0.001, batch_size=16, epochs=30, schedule="cosine", weight_decay=0.5, max_shift=1,
    ),
}


def default_learning_rate(optimizer, cost):
    """A learning rate that suits ``optimizer`` and ``cost`` when a recipe's optimizer is swapped.

    A rate means different things to different optimizers (Adam's is a step size, SGD's a
    multiple of the gradient), so keeping the recipe's rate would be wrong.
    """
    if optimizer == "adam":
        return 0.001
    if optimizer == "momentum":
        return 0.3 if cost == "mse" else 0.01
    return 3.0 if cost == "mse" else 0.1


def get_recipe(name):
    """The recipe called ``name``; a clear ValueError for anything else."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]
