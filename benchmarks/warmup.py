"""Dead ReLU neurons after the first epochs of the modern recipe, with and without its warm-up.

Run:  python benchmarks/warmup.py [--seeds 0,1,2,3,4,5] [--epochs 3]

A first-layer ReLU neuron is dead when its weighted sum is below 0 for every one of the
10,000 validation images (the last of the training set, held out): it never fires again and
its weights stop learning. Each seed trains the modern recipe's network (Adam 0.003, batch 16,
L2 0.5, shifts of a pixel) for a few epochs of its 150-epoch schedule, once along the plain
cosine and once along ``warmup_cosine``, and prints how many of its 16 first-layer neurons died.
"""

import argparse

import numpy as np

from digitnet.data.mnist import load_mnist
from digitnet.optimizers import make_optimizer
from digitnet.recipes import RECIPES
from digitnet.training import SCHEDULES, train


def dead_neurons(network, X):
    """How many first-layer neurons have a weighted sum below 0 for every row of X."""
    z = X @ network.weights[0] + network.biases[0]
    return int(((z > 0).sum(axis=0) == 0).sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4,5")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    recipe = RECIPES["modern"]
    train_set, validation = load_mnist()[0].split(50_000)
    totals = {"cosine": 0, "warmup_cosine": 0}
    for seed in [int(seed) for seed in args.seeds.split(",")]:
        counts = {}
        for schedule in totals:
            network = recipe.network(seed)
            train(network, train_set, optimizer=make_optimizer(recipe.optimizer, recipe.learning_rate),
                  epochs=args.epochs, batch_size=recipe.batch_size, rng=np.random.default_rng(seed),
                  schedule=SCHEDULES[schedule](recipe.learning_rate, recipe.epochs),
                  weight_decay=recipe.weight_decay, max_shift=recipe.max_shift)
            counts[schedule] = dead_neurons(network, validation.X)
            totals[schedule] += counts[schedule]
        print(f"seed {seed}: dead first-layer neurons after {args.epochs} epochs: "
              + ", ".join(f"{schedule} {count}" for schedule, count in counts.items()))
    print("in all: " + ", ".join(f"{schedule} {count}" for schedule, count in totals.items()))


if __name__ == "__main__":
    main()
