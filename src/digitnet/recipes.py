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
from .optimizers import make_optimizer
from .training import SCHEDULES, train


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


def default_learning_rate(optimizer, activation, cost):
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


def train_recipe(network, recipe, train_set, test_set=None, *, rng, on_epoch=None, fast_path=True):
    """Train ``network`` in place the way ``recipe`` says (optimizer, schedule, L2, shifts); return the History."""
    return train(network, train_set, test_set, optimizer=make_optimizer(recipe.optimizer, recipe.learning_rate),
                 epochs=recipe.epochs, batch_size=recipe.batch_size, rng=rng,
                 schedule=SCHEDULES[recipe.schedule](recipe.learning_rate, recipe.epochs),
                 weight_decay=recipe.weight_decay, max_shift=recipe.max_shift, on_epoch=on_epoch,
                 fast_path=fast_path)


def get_recipe(name):
    """The recipe called ``name``; a clear ValueError for anything else."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]
