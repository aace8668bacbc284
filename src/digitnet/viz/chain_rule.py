"""One weight's derivative worked by hand with the chain rule, as 3Blue1Brown's chapter 4 does,
then one layer further back (a sum over the outputs) and over a mini-batch (a mean).

Every number drawn is computed by ``_gradients.chain_rule`` from the network in float64 and shown
beside Network.backprop's and a finite difference's. The numbers here are derivatives dC/d(.),
as the chain rule gives them; the backprop figure draws their negatives, the nudges.
"""

from ._gradients import chain_rule
from ._probe import GRADIENT_FLOOR, relative_error
from .backprop import example_name, example_target, layer_name
from .registry import register
from .style import sign_color

BATCH = 10     # the mini-batch's size, as the seed's recipe trains
EPS = 1e-4     # the finite difference's step
SIZE = 9.5     # the text's size in points
LINE = 2.1     # the distance between lines, in font sizes (mathtext's fractions and sums need room)
TIMES, DOT = "\u00d7", "\u00b7"

# the derivative of each element-wise activation, written with the activation a it is computed from
SLOPES = {
    "sigmoid": r"\sigma'(z_n) = a_n(1 - a_n)",
    "tanh": r"\tanh'(z_n) = 1 - a_n^2",
    "relu": r"\mathrm{relu}'(z_n) = [z_n > 0]",
}
# each cost for one example, and its prime dC0/da_j (costs.py: C is the mean over the batch of these)
COSTS = {
    "mse": (r"C_0 = \sum_j (a_j - y_j)^2", r"2(a_j - y_j)"),
    "cross_entropy": (r"C_0 = -\sum_j y_j \ln a_j", r"-y_j / a_j"),
}
# where each column of a worked chain is centred, as a fraction of the width: the derivative, =, three
# factors with a sign between each, then = and the product
COLUMNS = (0.07, 0.14, 0.22, 0.30, 0.42, 0.53, 0.66, 0.78, 0.88)


def number(value):
    """A derivative or an activation as the figure prints it: 5 significant digits."""
    value = float(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.5g}"
    return f"{value:.4e}"


def error(a, b):
    """relative_error(a, b) to one digit, "0" when the two are equal."""
    value = relative_error(a, b)
    return "0" if value == 0 else f"{value:.0e}"


def slope_formula(activation, n):
    """f'(z_n) of ``activation`` in mathtext, for neuron index ``n`` ("j" or "k")."""
    return SLOPES.get(activation, r"f'(z_n)").replace("_n", "_" + n)


def math(formula):
    return "$" + formula + "$"


@register(
    "chain-rule",
    "The chain rule for one weight, worked by hand: three factors, a sum over outputs, a mean over the batch",
    "For one digit (the first test digit, unless you give your own image), the derivative of the cost "
    "with respect to one weight of the output layer is a product of three numbers: the activation feeding "
    "the weight, the slope of the neuron it feeds, and how the cost changes with that neuron's output. "
    "Backpropagation computes exactly this product, and nudging the weight and measuring the cost (a finite "
    "difference) agrees. One layer further back, a neuron feeds every output, so its derivative is a sum "
    "over them; and the cost of a mini-batch (here the first "
    f"{BATCH} training digits) is the mean of its examples' costs, so its gradient is the mean of theirs.",
    size=(9.6, 9.9),
    section="backprop",
)
def make_chain_rule(fig, context):
    network = context.network
    label, source = example_target(context)
    train = context.train_set
    numbers = chain_rule(network, context.example, label, train.X[:BATCH], train.labels[:BATCH], eps=EPS)
    top, middle, bottom = fig.subfigures(3, 1, height_ratios=[2.1, 4.6, 3.1])
    _one_weight(top, network, numbers, f"{example_name(context)}, target {label} ({source})")
    _one_layer_back(middle, network, numbers)
    _over_the_batch(bottom, numbers)
    fig.suptitle("The chain rule for one weight, by hand, in float64: blue bars positive, red negative\n"
                 f"rel. err = |a \u2212 b| / max(|a|, |b|, {GRADIENT_FLOOR:g}); finite differences: "
                 f"(C(w + \u03b5) \u2212 C(w \u2212 \u03b5)) / 2\u03b5, \u03b5 = {EPS:g}", fontsize=SIZE)
    return fig


def _write(ax, rows):
    """Write ``rows`` down the Axes ``ax`` (its frame hidden) from the top, LINE font sizes apart: a row
    is a line (a str, from the left) or a list of cells centred on COLUMNS (a worked chain)."""
    ax.axis("off")
    ax.set_xticks([])                     # hidden with the axis, but still Text a reader's check would find
    ax.set_yticks([])
    for place, row in enumerate(rows):
        offset = (0, -LINE * SIZE * place)
        cells = [(0.0, row, "left")] if isinstance(row, str) else [(x, cell, "center") for x, cell in zip(COLUMNS, row)]
        for x, text, align in cells:
            ax.annotate(text, (x, 1.0), xycoords="axes fraction", xytext=offset, textcoords="offset points",
                        va="top", ha=align, fontsize=SIZE)
    return ax


def chain_rows(derivative, factors, product):
    """Three rows of a worked chain: the derivative as a product of named factors, their formulas, their
    values and the product; ``factors`` is a list of (name, formula, value)."""
    rows = [[derivative], [""], [""]]
    for position, (name, formula, value) in enumerate(factors):
        sign = "=" if position == 0 else DOT
        rows[0] += [sign, name]
        rows[1] += [sign, formula]
        rows[2] += ["=" if position == 0 else TIMES, number(value)]
    rows[2] += ["=", number(product)]
    return rows


def agreement(worked):
    """The line under a worked chain: backprop's number and the finite difference's, each with its
    relative error against the product worked by hand (``worked``: a dict of chain_rule's)."""
    by_hand = worked["by_hand"]
    return (f"backprop's grad_w: {number(worked['backprop'])} (rel. err {error(by_hand, worked['backprop'])});   "
            f"finite difference: {number(worked['finite_difference'])} "
            f"(rel. err {error(by_hand, worked['finite_difference'])})")


def weights_name(l):
    """digitnet's name of the weights into layer l + 1, in mathtext: weights[l]."""
    return r"\mathrm{weights}[" + str(l) + "]"


def _one_weight(fig, network, numbers, example):
    last, layers = numbers["last"], numbers["layers"]
    k, j = last["k"], last["j"]
    cost, cost_prime = COSTS.get(network.cost.name, (r"C_0", r"\partial C_0/\partial a_j"))
    factors = [(math(r"\partial z_j/\partial w"), math("a_k"), last["a_prev"])]
    if last["slope"] is None:  # softmax: each output depends on every z, so no one slope: dC0/dz_j as a whole
        factors.append((math(r"\partial C_0/\partial z_j"), math(r"\sum_i \partial C_0/\partial a_i\ "
                                                                 r"\partial a_i/\partial z_j"), last["delta"]))
    else:
        factors.append((math(r"\partial a_j/\partial z_j"), math(slope_formula(network.output.name, "j")),
                        last["slope"]))
        factors.append((math(r"\partial C_0/\partial a_j"), math(cost_prime), last["cost_prime"]))
    before = layer_name(layers - 1, layers)
    unit = "pixel" if layers == 1 else "neuron"
    rows = [
        f"(a) one weight of the output layer: w = weights[{layers - 1}][{k}, {j}], from {unit} k = {k} of {before} "
        f"to output j = {j},",
        "the one with the largest |\u2202C\u2080/\u2202w| for this digit (digitnet's weights[l] is (n_in, n_out): "
        "weights[l][k, j] is the slides' " + math("w_{jk}") + ")",
        f"{example}:   {math(cost)},   "
        f"{math('z_j')} = {number(last['z'])},   {math('a_j')} = {number(last['a'])},   "
        f"{math('y_j')} = {number(last['y'])}",
        *chain_rows(math(r"\partial C_0/\partial w"), factors, last["by_hand"]),
        agreement(last),
    ]
    _write(fig.add_subplot(), rows)


def _one_layer_back(fig, network, numbers):
    previous, layers = numbers["previous"], numbers["layers"]
    if previous is None:
        _write(fig.add_subplot(), ["(b) this network has no hidden layer: the output layer is its only one"])
        return
    i, k = previous["i"], previous["k"]
    words, chart = fig.subfigures(2, 1, height_ratios=[2.4, 2.2])
    last = weights_name(layers - 1)
    factors = [
        (math(r"\partial z_k/\partial w'"), math("a_i"), previous["a_prev"]),
        (math(r"\partial a_k/\partial z_k"), math(slope_formula(network.activation.name, "k")), previous["slope"]),
        (math(r"\partial C_0/\partial a_k"), math(r"\sum_j " + last + r"[k, j]\,\partial C_0/\partial z_j"),
         previous["grad_a_k"]),
    ]
    unit = "pixel" if layers == 2 else "neuron"
    rows = [
        f"(b) one layer further back: w' = weights[{layers - 2}][{i}, {k}], from {unit} i = {i} of "
        f"{layer_name(layers - 2, layers)} to neuron k = {k} of {layer_name(layers - 1, layers)},",
        "the one with the largest |\u2202C\u2080/\u2202w'| there",
        f"{math('a_k')} feeds all {len(previous['terms'])} outputs, so "
        + math(r"\partial C_0/\partial a_k") + f" sums over them: the bars below, sum {number(previous['grad_a_k'])}",
        "backprop gets it by carrying the outputs' " + math(r"\partial C_0/\partial z_j") + " back through "
        f"weights[{layers - 1}] (Nielsen's BP2): {number(previous['backprop_grad_a_k'])}, "
        f"rel. err {error(previous['grad_a_k'], previous['backprop_grad_a_k'])}",
        *chain_rows(math(r"\partial C_0/\partial w'"), factors, previous["by_hand"]),
        agreement(previous),
    ]
    _write(words.add_subplot(), rows)
    terms = previous["terms"]
    ax = chart.add_subplot()
    _sign_bars(ax, terms, [str(j) for j in range(len(terms))])
    ax.set_xlabel("output j", fontsize=SIZE)
    ax.set_ylabel(math(last + r"[k, j]\,\partial C_0/\partial z_j"), fontsize=SIZE)


def _over_the_batch(fig, numbers):
    batch, last, layers = numbers["batch"], numbers["last"], numbers["layers"]
    per_example = batch["per_example"]
    ax = fig.add_subplot()
    ticks = [f"{n}: a {digit}\n{number(value)}" for n, (digit, value) in enumerate(zip(batch["labels"], per_example))]
    _sign_bars(ax, per_example, ticks)
    ax.axhline(batch["mean"], color="black", linestyle="--", linewidth=1, label=f"their mean {number(batch['mean'])}")
    ax.legend(fontsize=SIZE, loc="best")
    ax.set_xlabel(f"the first {len(per_example)} training digits, one mini-batch: "
                  r"$\partial C_x/\partial w$ of each", fontsize=SIZE)
    ax.set_ylabel(math(r"\partial C_x/\partial w"), fontsize=SIZE)
    ax.set_title(f"(c) the same w = weights[{layers - 1}][{last['k']}, {last['j']}] over a mini-batch of training "
                 "digits: C is the mean of the examples' costs " + math("C_x") + ",\nso "
                 + math(r"\partial C/\partial w") + " is the mean of theirs: "
                 f"mean {number(batch['mean'])};   backprop on the batch: {number(batch['backprop'])} "
                 f"(rel. err {error(batch['mean'], batch['backprop'])})", fontsize=SIZE, loc="left")


def _sign_bars(ax, values, labels):
    ax.bar(range(len(values)), values, color=[sign_color(v) for v in values])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(values)), labels)
    ax.tick_params(labelsize=8.5)
    ax.yaxis.get_offset_text().set_fontsize(8.5)
    return ax
