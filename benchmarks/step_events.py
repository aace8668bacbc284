"""Seconds per epoch of the seed recipe on 60,000 digits, without ``on_step`` and with it, and its calls an epoch.

Run:  python benchmarks/step_events.py [--epochs 20] [--every N]

``train(..., on_step=...)`` lets the page and the figures follow a training between mini-batches;
on the compiled path the epoch then runs in pieces between the calls. This measures what that
costs at full speed, on one core: each round trains one epoch of three copies of the seed network
in turn (the same start, the same shuffling): with no ``on_step`` (the training as it was before
the hook), with one that only keeps each ``Step`` (by default about 20 calls an epoch), and with
one that also copies the first layer's 784 x 16 weights, as the page does to draw them. Taking
them in turn, epoch by epoch (each first in a third of the rounds), keeps a shared machine's drift
in speed out of the comparison. The
seconds are ``EpochResult.seconds``: the steps and the calls, not the evaluation after them; the
CPU seconds, less moved by other work on a busy machine, are the whole ``train`` call's, the health
check after the epoch included.

Measured 2026-12-07 17:05 UTC on the project's 2-core AMD EPYC box (one core pinned; other work kept
the load average at 6 to 8), one run each: 30 epochs per kind on the numba path, 9 with DIGITNET_FAST=0.

  numba path                        steps, wall: median (min)   train call, CPU: median (min)   calls
  no on_step (as before the hook)   0.046 s (0.043)              0.121 s (0.115)                 0
  on_step, Step kept                0.047 s (0.045)              0.120 s (0.118)                 20
  on_step, Step + weights copied    0.042 s (0.040)              0.114 s (0.111)                 20
  readable NumPy path
  no on_step                        0.330 s (0.312)              0.346 s (0.326)                 0
  on_step, Step kept                0.332 s (0.314)              0.346 s (0.327)                 20
  on_step, Step + weights copied    0.335 s (0.323)              0.349 s (0.335)                 20

The three networks ended the same to the last bit in both runs. That the third numba network was the
quickest, with more work per epoch, shows the spread between copies of one network (their arrays lie
elsewhere in memory): about 10%, the least difference this can tell apart. An earlier run under a load
of 12 gave CPU medians of 0.123, 0.123 and 0.127 s. Before the hook (commit d72ee7d) the same epochs
took 0.122-0.130 s of CPU (median of 15, two separate runs), as they do now without it.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread limits above)

from digitnet import fast  # noqa: E402
from digitnet.data.mnist import load_mnist  # noqa: E402
from digitnet.optimizers import SGD  # noqa: E402
from digitnet.recipes import RECIPES  # noqa: E402
from digitnet.training import train  # noqa: E402


def kept(steps, network):
    """An on_step that keeps each Step."""
    return steps.append


def kept_with_weights(steps, network):
    """An on_step that keeps each Step and a copy of the first layer's weights, as the page draws them."""
    def on_step(step):
        steps.append((step, network.weights[0].T.copy()))
    return on_step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--every", type=int, default=None, help="mini-batches between calls (default: train's)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one core
    train_set, _ = load_mnist()
    recipe = RECIPES["seed"]
    kinds = {"no on_step": None, "on_step (Step kept)": kept, "on_step (Step + weights copied)": kept_with_weights}
    networks = {kind: recipe.network(seed=0) for kind in kinds}
    fast.warm_up(networks["no on_step"], training=True)  # one epoch at a time is too short for train() to load it
    path = "numba" if fast.supports(networks["no on_step"], SGD(1.0)) else "readable NumPy"
    print(f"seed recipe, batch {recipe.batch_size}, L2 {recipe.weight_decay}, {len(train_set):,} examples, "
          f"one core, {path} path, {args.epochs} epochs each")
    seconds = {kind: [] for kind in kinds}
    cpu_seconds = {kind: [] for kind in kinds}
    calls = {kind: [] for kind in kinds}
    rngs = {kind: np.random.default_rng(0) for kind in kinds}
    for epoch in range(1, args.epochs + 1):
        turn = list(kinds.items())
        for kind, make_hook in turn[epoch % 3:] + turn[:epoch % 3]:  # each kind first in a third of the rounds
            network, steps = networks[kind], []
            hook = make_hook(steps, network) if make_hook else None
            cpu = time.process_time()
            history = train(network, train_set, optimizer=SGD(recipe.learning_rate), epochs=1,
                            batch_size=recipe.batch_size, rng=rngs[kind], weight_decay=recipe.weight_decay,
                            on_step=hook, every=args.every if hook else None)
            cpu_seconds[kind].append(time.process_time() - cpu)
            seconds[kind].append(history.last.seconds)
            calls[kind].append(len(steps))
            print(f"epoch {epoch}, {kind}: {history.last.seconds:.3f} s, CPU {cpu_seconds[kind][-1]:.3f} s, "
                  f"{len(steps)} calls")
    same = all(np.array_equal(network.vector, networks["no on_step"].vector) for network in networks.values())
    for kind in kinds:
        print(f"{kind + ':':33} median {statistics.median(seconds[kind]):.3f} s per epoch "
              f"(min {min(seconds[kind]):.3f}); CPU, with the check after the epoch: median "
              f"{statistics.median(cpu_seconds[kind]):.3f} s (min {min(cpu_seconds[kind]):.3f}); "
              f"{statistics.median(calls[kind]):.0f} calls an epoch")
    print(f"the three networks are the same to the last bit: {same}")


if __name__ == "__main__":
    main()
