"""The cost figure: how wrong the network is, for one digit and on average, before and after training.

The cost is the network's own (``network.cost``): for the seed's mean squared error, one digit's
cost is the sum over the ten outputs of (a_j - y_j)^2, with no factor 1/2, and the network's cost
is the average of that over the digits.
"""

import numpy as np

from ..data.mnist import one_hot
from ..network import Network
from .registry import register
from .style import show_digit

# each cost's contribution of one output j, and how the figure writes it
TERMS = {
    "mse": (lambda a, y: (a - y) ** 2, "(a_j − y_j)²"),
    "cross_entropy": (lambda a, y: -y * np.log(np.maximum(a, 1e-12)), "−y_j ln a_j"),
}


def digit_cost(network, x, label):
    """(outputs a (10,), target y (10,), terms (10,), cost) for one digit x (784,): the cost is the
    sum of the terms, as ``network.cost`` computes it for a batch of one."""
    a = np.asarray(network.feedforward(np.asarray(x)[None, :])[0], dtype=float)
    y = np.asarray(one_hot(np.array([label]), network.sizes[-1], np.float64)[0])
    term, _ = TERMS[network.cost.name]
    return a, y, term(a, y), float(network.cost.value(a[None, :], y[None, :]))


def mean_cost(network, dataset):
    """(mean cost, accuracy) of the network over every digit of a Dataset."""
    outputs = network.feedforward(dataset.X)
    Y = one_hot(dataset.labels, network.sizes[-1], outputs.dtype)
    return float(network.cost.value(outputs, Y)), float((outputs.argmax(axis=1) == dataset.labels).mean())


def change_words(before, after):
    """How the cost changed from ``before`` to ``after`` training, in words."""
    if after >= before:
        return "no lower than at its random start"
    if before / after >= 2:
        return f"{before / after:.0f} times lower than at its random start"
    return f"{1 - after / before:.0%} lower than at its random start"


def _draw_outputs(ax, a, y, terms, cost, name, formula):
    digits = np.arange(len(a))
    answer = int(a.argmax())
    ax.bar(digits, a, color="0.55", width=0.7, gid=f"{name} outputs")
    ax.scatter(digits, y, marker="_", s=300, color="black", linewidths=2.5, zorder=3, gid=f"{name} targets")
    for j, term in enumerate(terms):
        ax.text(j, 1.1, f"{term:.2f}", ha="center", va="bottom", fontsize=8.5)
    ax.set_xticks(digits)
    ax.set_ylim(0, 1.35)
    ax.set_yticks([0, 0.5, 1])
    ax.tick_params(labelsize=9)
    ax.set_xlabel("output neuron (digit)", fontsize=9)
    ax.set_ylabel("output a_j", fontsize=9)
    right = "right" if y[answer] == 1 else "wrong"
    ax.set_title(f"{name}: answers {answer} ({right})\ncost of this digit = Σ {formula} = {cost:.3f}",
                 fontsize=10)


@register(
    "cost",
    "The cost: how wrong the outputs are, for one digit and on average, before and after training",
    "For one digit the right answer is 1.0 on its output and 0.0 on the other nine; the cost adds up "
    "how far each of the ten outputs is from that (for the seed's cost, the squared differences). "
    "The network's cost is the average of this over many digits: one number that says how wrong it is. "
    "On the left is the same network before training, at its random start; on the right after "
    "training. The bars at the bottom compare their average costs over all the test digits.",
    size=(9.6, 6.0),
    section="cost",
)
def cost(fig, context):
    network, test_set = context.network, context.test_set
    untrained = Network(**network.config())  # the model's random start: the same layout and seed
    x, label = test_set.X[0], int(test_set.labels[0])
    _, formula = TERMS[network.cost.name]
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1], height_ratios=[2.2, 1])
    costs = {}
    for column, (name, net) in enumerate((("untrained", untrained), ("trained", network))):
        a, y, terms, value = digit_cost(net, x, label)
        _draw_outputs(fig.add_subplot(grid[0, column]), a, y, terms, value, name, formula)
        costs[name] = mean_cost(net, test_set)
    bottom = grid[1, :].subgridspec(1, 2, width_ratios=[1, 6])
    show_digit(fig.add_subplot(bottom[0]), x, f"the digit: a {label}", fontsize=9)
    ax = fig.add_subplot(bottom[1])
    names = list(costs)
    values = [costs[name][0] for name in names]
    ax.barh(names, values, color=["0.75", "0.35"], gid="mean costs")
    for row, name in enumerate(names):
        value, accuracy = costs[name]
        ax.text(value, row, f"  {value:.3f}  ({accuracy:.1%} of the digits right)", va="center", fontsize=9.5)
    ax.set_xlim(0, max(values) * 1.7)
    ax.invert_yaxis()
    ax.tick_params(labelsize=9.5)
    ax.set_xlabel(f"the cost averaged over the {len(test_set):,} test digits", fontsize=9.5)
    before, after = values
    note = ", with no factor 1/2" if network.cost.name == "mse" else ""
    fig.suptitle(f"How wrong, for test digit 1 of {len(test_set):,} (a {label}): the bars are the ten outputs a_j, "
                 f"the black marks the target y_j\n(1 on output {label}, 0 elsewhere); the numbers above the bars "
                 f"are {formula}, and the digit's cost is their sum\nTrained, the average cost is "
                 f"{change_words(before, after)} ({before:.3f} → {after:.3f}; the {network.cost.name} cost{note})",
                 fontsize=10)
    return fig
