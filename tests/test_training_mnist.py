"""Real MNIST: a short training run of each recipe, the way `digitnet train` runs it, must clear 90%."""

import numpy as np

from digitnet import Network
from digitnet.recipes import RECIPES, train_recipe


def _train_recipe(name, mnist, epochs):
    recipe = RECIPES[name].with_changes(epochs=epochs)
    train_set, test_set = mnist
    network = Network(recipe.sizes, recipe.activation, recipe.cost, seed=0)
    return train_recipe(network, recipe, train_set, test_set, rng=np.random.default_rng(0))


def test_two_epochs_of_the_seed_recipe_clear_90_percent(mnist):
    history = _train_recipe("seed", mnist, epochs=2)
    assert history.last.test_accuracy > 0.90


def test_two_epochs_of_the_modern_recipe_clear_90_percent(mnist):
    history = _train_recipe("modern", mnist, epochs=2)
    assert history.last.test_accuracy > 0.90
