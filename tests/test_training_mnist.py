"""Real MNIST: a short training run of each recipe, the way `digitnet train` runs it, must clear 90%.

The fast path compiles for the CPU it runs on, and CPUs round sums differently, so the same seed ends
a little differently on each (``./test.sh`` runs these again for AVX2 and on NumPy): the spreads
beside the thresholds are seeds 0-4 on AVX-512 (Zen 4), AVX2 compiled for Haswell and for Zen 3, and NumPy.
"""

import numpy as np
import pytest

from digitnet import Network
from digitnet.recipes import RECIPES, train_recipe

pytestmark = pytest.mark.training


def _train_recipe(name, mnist, epochs):
    recipe = RECIPES[name].with_changes(epochs=epochs)
    train_set, test_set = mnist
    network = Network(recipe.sizes, recipe.activation, recipe.cost, seed=0)
    return train_recipe(network, recipe, train_set, test_set, rng=np.random.default_rng(0))


def test_three_epochs_of_the_seed_recipe_clear_90_percent(mnist):
    """Three, not two: after two the spread was 0.8969-0.9332, and Zen 3 ended seed 0 at 0.8969."""
    history = _train_recipe("seed", mnist, epochs=3)
    assert history.last.test_accuracy > 0.90  # 3 epochs, seeds 0-4 x {avx512, haswell, znver3, numpy}: 0.9278-0.9476


def test_two_epochs_of_the_modern_recipe_clear_90_percent(mnist):
    history = _train_recipe("modern", mnist, epochs=2)
    assert history.last.test_accuracy > 0.90  # 2 epochs, seeds 0-4 x {avx512, haswell, znver3, numpy}: 0.9347-0.9504
