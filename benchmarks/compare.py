"""digitnet next to PyTorch, scikit-learn and a plain NumPy loop: the seed network on one core.

Run:  python benchmarks/compare.py [--epochs 3] [--batch-sizes 10,128]

Seconds per epoch on the bundled MNIST (median after an untimed warm-up epoch; digitnet's first
epoch, which may include a JIT compile, apart) and the forward pass of one and of 10,000 test
images, one thread, one core; printed as Markdown tables for the README, with PyTorch / digitnet
and the issue's goals. A tool that is not installed gets a "not installed" row.
"""

import argparse
import os
import statistics
import sys
import time
import timeit
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread limits above)

from digitnet import Network, fast  # noqa: E402
from digitnet.data.mnist import load_mnist  # noqa: E402
from digitnet.optimizers import SGD  # noqa: E402
from digitnet.training import train  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from epoch_time import plain_numpy_epoch  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
try:
    import sklearn
    from sklearn.neural_network import MLPClassifier
except ImportError:
    sklearn = None
try:
    import numba  # only its version is printed: digitnet may use it
except ImportError:
    numba = None

LR = 3.0  # digitnet's cost is (1/n) sum ||a - y||^2 (see digitnet.costs)
WHOLE_CALL = "digitnet, whole train() call"  # the table's row for train()'s wall time
WHOLE_OVER_STEPS = 1.25  # a whole train() call takes at most this many times its training steps


def _whole_call_goal(seconds, times_pytorch):
    """The check of a batch size's column: the whole call within WHOLE_OVER_STEPS of its steps, its steps at most
    ``seconds`` (an earlier issue's goal), and the whole call at least ``times_pytorch`` times PyTorch's epoch
    (None: PyTorch not installed)."""
    def check(steps, call, theirs):
        if steps is None or call is None or theirs is None:
            return None
        return call <= WHOLE_OVER_STEPS * steps and steps <= seconds and theirs / call >= times_pytorch
    return check


# the issues' goals for digitnet, per column: (text, check(digitnet's steps, its whole call, PyTorch's) -> bool)
GOALS = {10: (f"whole call <= {WHOLE_OVER_STEPS}x its steps, steps <= 0.12 s, whole call >= 20x PyTorch",
              _whole_call_goal(0.12, 20)),
         128: (f"whole call <= {WHOLE_OVER_STEPS}x its steps, steps <= 0.06 s, whole call >= 3x PyTorch",
               _whole_call_goal(0.06, 3)),
         "one": ("<= 10 us", lambda steps, call, theirs: steps <= 10),
         "many": ("<= 3 ms", lambda steps, call, theirs: steps <= 3)}
DECIMALS = {"one": 1, "many": 2, "copy": 2}  # one image in us, 10,000 in ms; seconds per epoch get 3


def digitnet_tool(train_set, batch_size):
    """(run one epoch, forward pass of X (n, 784)); the epoch returns its training-steps seconds."""
    network = Network(seed=0)
    rng = np.random.default_rng(0)

    def run_epoch():
        history = train(network, train_set, optimizer=SGD(LR), epochs=1, batch_size=batch_size, rng=rng)
        return history.last.seconds

    fast.warm_up(network)  # a few rows go through the compiled forward pass once it is loaded, as in an app
    return run_epoch, network.feedforward


def torch_tool(train_set, batch_size):
    """The idiomatic autograd loop: randperm, index the tensors, zero_grad/forward/backward/step."""
    torch.set_num_threads(1)
    # MNIST's images are read-only (digitnet.data.mnist): torch warns that a tensor of them could be written
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(),
                          nn.Linear(16, 10), nn.Sigmoid())
    loss_function = nn.MSELoss()  # the mean over n * 10 numbers: 1/10 of digitnet's cost,
    optimizer = torch.optim.SGD(model.parameters(), lr=10 * LR)  # so 10x the learning rate
    X, Y = torch.from_numpy(train_set.X.copy()), torch.from_numpy(train_set.Y)  # a copy: torch wants to write

    def run_epoch():
        for batch in torch.randperm(len(X)).split(batch_size):
            optimizer.zero_grad()
            loss = loss_function(model(X[batch]), Y[batch])
            loss.backward()
            optimizer.step()

    def forward(X):
        with torch.inference_mode():
            return model(torch.from_numpy(X))  # shares X's memory, no copy (about 0.6 us); read, never written

    return run_epoch, forward


def sklearn_tool(train_set, batch_size):
    """MLPClassifier's nearest setting (softmax output, log-loss); one partial_fit is one epoch."""
    model = MLPClassifier(hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
                          batch_size=batch_size, learning_rate_init=0.1, momentum=0.0,
                          max_iter=1, shuffle=True, random_state=0)

    def run_epoch():
        model.partial_fit(train_set.X, train_set.labels, classes=np.arange(10))

    return run_epoch, model.predict_proba


def plain_tool(train_set, batch_size):
    """epoch_time.py's hand-inlined loop, and a forward pass of three lines."""
    reference = Network(seed=0)
    weights = [w.copy() for w in reference.weights]
    biases = [b.copy() for b in reference.biases]
    rng = np.random.default_rng(0)

    def run_epoch():
        plain_numpy_epoch(weights, biases, train_set.X, train_set.Y, batch_size, LR, rng)

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def forward(X):
        a1 = sigmoid(X @ weights[0] + biases[0])
        a2 = sigmoid(a1 @ weights[1] + biases[1])
        return sigmoid(a2 @ weights[2] + biases[2])

    return run_epoch, forward


def time_epochs(run_epoch, epochs):
    """(wall, counted) seconds of a warm-up epoch and ``epochs`` more; counted is what
    run_epoch returns (digitnet: its training steps), else the wall time."""
    walls, counted = [], []
    for _ in range(epochs + 1):
        started = time.perf_counter()
        inside = run_epoch()
        walls.append(time.perf_counter() - started)
        counted.append(walls[-1] if inside is None else inside)
    return walls, counted


def time_forward(forward, X):
    """Median microseconds for the first image of X (n, 784), milliseconds for all of X (read-only, as
    load_mnist gives it: digitnet keeps its non-zero values after the first pass) and for a writeable copy."""
    one = X[:1]
    copy = X.copy()  # writeable: digitnet keeps nothing worked out from it (see digitnet.frozen)
    one_seconds = statistics.median(timeit.repeat(lambda: forward(one), number=2000, repeat=7)) / 2000
    all_seconds = statistics.median(timeit.repeat(lambda: forward(X), number=20, repeat=7)) / 20
    copy_seconds = statistics.median(timeit.repeat(lambda: forward(copy), number=20, repeat=7)) / 20
    return one_seconds * 1e6, all_seconds * 1e3, copy_seconds * 1e3


def machine_facts():
    """Lines naming the CPU and the versions of every library measured."""
    cpu = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        models = [line for line in open("/proc/cpuinfo") if line.startswith("model name")]
        cpu = models[0].split(":", 1)[1].strip() if models else cpu
    versions = [f"{name} {module.__version__}" if module else f"{name} not installed"
                for name, module in [("numba", numba), ("torch", torch), ("scikit-learn", sklearn)]]
    return [f"CPU: {cpu} (one core, one thread), Python {sys.version.split()[0]}",
            f"numpy {np.__version__}, " + ", ".join(versions)]


def markdown_table(header, rows):
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def measure(tools, train_set, test_set, batch_sizes, epochs):
    """Time every installed tool: (figures, lines on digitnet's first epochs), where
    ``figures[row, column]`` is a median; the columns are the batch sizes, "one" and "many"."""
    figures, first_runs = {}, []
    for batch_size in batch_sizes:
        for name, tool in tools.items():
            if tool is None:
                continue
            print(f"timing {name}, batch {batch_size} ...", file=sys.stderr, flush=True)
            run_epoch, forward = tool(train_set, batch_size)
            walls, counted = time_epochs(run_epoch, epochs)
            if batch_size == batch_sizes[-1]:  # forward with the weights of the last training
                figures[name, "one"], figures[name, "many"], figures[name, "copy"] = time_forward(forward, test_set.X)
            figures[name, batch_size] = statistics.median(counted[1:])
            if name == "digitnet":
                warm = statistics.median(walls[1:])
                figures[WHOLE_CALL, batch_size] = warm
                first_runs.append(f"- digitnet first run, batch {batch_size}: {walls[0]:.3f} s whole call, "
                                  f"{counted[0]:.3f} s training steps; warm median {warm:.3f} s, "
                                  f"{figures[name, batch_size]:.3f} s")
    return figures, first_runs


def goal_rows(columns, figures):
    """Markdown rows: PyTorch / digitnet per column (its steps, and its whole train() call), the whole call / its
    steps, the issue's goals, and whether digitnet meets them."""
    ratios, whole, inside = ["PyTorch / digitnet's steps"], ["PyTorch / digitnet's whole call"], ["whole call / steps"]
    goals, met = ["goal for digitnet"], ["goal met"]
    for column in columns:
        steps, call, theirs = (figures.get((name, column)) for name in ("digitnet", WHOLE_CALL, "PyTorch"))
        ratios.append(f"{theirs / steps:.1f}x" if steps and theirs else "n/a")
        whole.append(f"{theirs / call:.1f}x" if call and theirs else "-")
        inside.append(f"{call / steps:.2f}" if call and steps else "-")
        text, check = GOALS.get(column, ("-", None))
        goals.append(text)
        if check is None:
            met.append("-")
        else:
            verdict = check(steps, call, theirs)
            met.append("n/a" if verdict is None else "yes" if verdict else "no")
    return [ratios, whole, inside, goals, met]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", default="10,128")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one core
    batch_sizes = [int(size) for size in args.batch_sizes.split(",")]
    train_set, test_set = load_mnist()
    tools = {"digitnet": digitnet_tool, "PyTorch": torch_tool if torch else None,
             "scikit-learn": sklearn_tool if sklearn else None, "plain NumPy loop": plain_tool}
    figures, first_runs = measure(tools, train_set, test_set, batch_sizes, args.epochs)

    columns = [*batch_sizes, "one", "many", "copy"]
    header = ["tool", *[f"s/epoch batch {size}" for size in batch_sizes],
              "one image (us)", "10,000 test images (ms)", "a writeable copy of them (ms)"]
    missing = [name for name, tool in tools.items() if tool is None]
    rows = []
    for name in ["digitnet", WHOLE_CALL, "PyTorch", "scikit-learn", "plain NumPy loop"]:
        row = [name]
        for column in columns:
            figure = figures.get((name, column))
            if figure is None:
                row.append("not installed" if name in missing else "")
            else:
                row.append(f"{figure:.{DECIMALS.get(column, 3)}f}")
        rows.append(row)
    print("\n".join(f"- {fact}" for fact in machine_facts()))
    print(f"- seed network 784-16-16-10, sigmoid, MSE, SGD lr {LR}; median of {args.epochs} epoch(s) after "
          "a warm-up; digitnet's row counts the training steps (history.last.seconds), the whole-call "
          "row is the wall time of a train() call of one epoch (all it does around the steps included)")
    print("- scikit-learn cannot do sigmoid + MSE for classification: it runs softmax + log-loss, "
          "the nearest setting, not the identical one")
    print("\n".join(first_runs))
    print()
    print(markdown_table(header, rows))
    print()
    print(markdown_table(["", *header[1:]], goal_rows(columns, figures)))


if __name__ == "__main__":
    main()
