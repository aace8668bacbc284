"""Real MNIST: a short training run of each recipe must clear 90%."""

import numpy as np

from digitnet import Network
from digitnet.optimizers import make_optimizer
from digitnet.recipes import RECIPES
from digitnet.training import SCHEDULES, train


def _train_recipe(name, mnist, epochs):
    recipe = RECIPES[name]
    train_set, test_set = mnist
    network = Network(recipe.sizes, recipe.activation, recipe.cost, seed=0)
    return train(network, train_set, test_set, optimizer=make_optimizer(recipe.optimizer, recipe.learning_rate),
                 epochs=epochs, batch_size=recipe.batch_size, rng=np.random.default_rng(0),
                 schedule=SCHEDULES[recipe.schedule](recipe.learning_rate, epochs),
                 weight_decay=recipe.weight_decay)


def test_two_epochs_of_the_seed_recipe_clear_90_percent(mnist):
    history = _train_recipe("seed", mnist, epochs=2)
    assert history.last.test_accuracy > 0.90


def test_two_epochs_of_the_modern_recipe_clear_90_percent(mnist):
    history = _train_recipe("modern", mnist, epochs=2)
    assert history.last.test_accuracy > 0.90
