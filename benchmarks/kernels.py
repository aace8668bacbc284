"""The compiled loops digitnet uses (``digitnet._kernels``, through ``digitnet.fast``) beside the same loops on
Numba's public API only (``compiled``, kept in the project's history: see PUBLIC_API).

For each CPU target (this machine's CPU, and Haswell: AVX2, as most laptops have), in a
process of its own with its own Numba cache: seconds per epoch of plain SGD (lr 3.0, the seed
network ``Network(seed=0)``, the 60,000 training images as sparse rows, one random order),
training steps only, at batch 10 and 128, median of 3 after a warm-up; and milliseconds to
feed the 10,000 test images forward, median of 30. One thread, pinned to one core.

    python benchmarks/kernels.py              # both targets, a Markdown table
    python benchmarks/kernels.py --target haswell --json   # one target (what the table runs)

The public-API loops were written to replace ``_kernels``, ``_lanes.py``, ``_lane_math.py`` and
``_tiles.py`` (issue 18: if within 1.3x of their speed). They were about twice as slow, so the
faster ones stay (the README's Speed section gives the figures and why); this benchmark takes the
others from the commit PUBLIC_API (``git archive``), so that the comparison can be run again.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_API = "a43b2c461f25d215d7af05e436035cb9f7d13662"  # the last commit with src/digitnet/compiled
TARGETS = {"host": {}, "haswell": {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ""}}
LR, BATCHES, EPOCH_RUNS, FORWARD_RUNS = 3.0, (10, 128), 3, 30


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def _timed(run, repeats, fresh):
    """The median time of ``repeats`` calls of run(fresh()), after one call to warm up; fresh() is not timed."""
    run(fresh())
    times = []
    for _ in range(repeats):
        argument = fresh()
        start = time.perf_counter()
        run(argument)
        times.append(time.perf_counter() - start)
    return _median(times)


def measure():
    """{name: seconds} for this process's CPU target."""
    import numpy as np

    from digitnet import Network, fast
    from digitnet.data.mnist import load_mnist
    from digitnet.optimizers import SGD

    compiled = _public_api_loops(tempfile.mkdtemp(prefix="public-api-"))
    train_set, test_set = load_mnist()
    seed_network = Network(seed=0)
    rows = fast.sparse_rows(train_set.X)
    labels = train_set.labels.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(labels))
    f = seed_network.dtype.type
    kinds = (compiled.Kind.SIGMOID, compiled.Output.SIGMOID_MSE)

    def copy():
        network = Network(seed=0)
        network.vector[...] = seed_network.vector
        return network

    def new_steps(batch_size):
        def run(network):
            layers = (tuple(network.weights), tuple(network.biases))
            compiled.sgd_steps(layers, kinds, tuple(rows), labels, order, batch_size, f(LR), f(1), f(1))
        return run

    def old_steps(batch_size):
        return lambda network: fast.steps(network, SGD(LR), rows, labels, order, batch_size, 0.0)

    results = {}
    for batch_size in BATCHES:
        results[f"old epoch {batch_size}"] = _timed(old_steps(batch_size), EPOCH_RUNS, copy)
        results[f"new epoch {batch_size}"] = _timed(new_steps(batch_size), EPOCH_RUNS, copy)
    X = np.array(test_set.X)  # writeable: both feed it forward as it is (digitnet keeps nothing of it)
    out = np.empty((len(X), 10), dtype=X.dtype)
    layers = (tuple(seed_network.weights), tuple(seed_network.biases))
    results["old forward"] = _timed(lambda _: fast.feedforward(seed_network, X), FORWARD_RUNS, lambda: None)
    results["new forward"] = _timed(lambda _: compiled.feedforward(*layers, kinds, X, out), FORWARD_RUNS,
                                    lambda: None)
    agree = np.abs(out - seed_network.feedforward(X)).max()
    results["forward agrees to"] = float(agree)
    return results


def _public_api_loops(folder):
    """The package ``digitnet.compiled`` as it was at PUBLIC_API, written into ``folder`` and imported (as
    ``compiled``: it imports nothing of digitnet)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", PUBLIC_API, "src/digitnet/compiled"],
                             capture_output=True)
    if archive.returncode:
        sys.exit(f"cannot read the public-API loops from commit {PUBLIC_API[:7]} ({archive.stderr.decode().strip()}); "
                 "run this from a full clone of digitnet (git clone, not a shallow one or a copy of the files)")
    tarfile.open(fileobj=io.BytesIO(archive.stdout)).extractall(folder, filter="data")
    sys.path.insert(0, str(Path(folder) / "src" / "digitnet"))
    import compiled
    return compiled


def _run_target(target, cache_root):
    environment = {**os.environ, **TARGETS[target], "OPENBLAS_NUM_THREADS": "1",
                   "NUMBA_CACHE_DIR": str(Path(cache_root) / target)}
    command = [sys.executable, __file__, "--target", target, "--json"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"the {target} run failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results):
    """A Markdown table of the results of each target."""
    lines = ["| target | measure | _kernels (used) | public API only | public / used |", "|---|---|---|---|---|"]
    for target, figures in results.items():
        for name, label, unit, factor in [(f"epoch {b}", f"SGD epoch, batch {b}", "s", 1) for b in BATCHES] + [
                ("forward", "feedforward 10,000", "ms", 1000)]:
            old, new = figures[f"old {name}"], figures[f"new {name}"]
            lines.append(f"| {target} | {label} | {old * factor:.4g} {unit} | {new * factor:.4g} {unit} "
                         f"| {new / old:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=sorted(TARGETS), help="measure in this process, for this target")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (with --target)")
    parser.add_argument("--cache", help="the Numba cache folders' parent (default: a new temporary folder, "
                                        "so that the first run compiles)")
    args = parser.parse_args(argv)
    if args.target:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
        results = measure()
        print(json.dumps(results) if args.json else results)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        results = {target: _run_target(target, args.cache or folder) for target in TARGETS}
    print(table(results))
    for target, figures in results.items():
        print(f"{target}: the public-API feedforward agrees with Network.feedforward to "
              f"{figures['forward agrees to']:.2g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
