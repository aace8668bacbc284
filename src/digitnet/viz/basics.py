"""Figures of what one neuron computes and how many numbers the network is made of.

``weighted-sum``: one first-layer neuron of the trained network worked through for one digit,
w * a pixel by pixel, their sum, + b = z, sigma(z). ``bias``: the bias as a threshold.
``parameters``: the 13,002 weights and biases counted layer by layer.

digitnet keeps a layer's weights as W of shape (n_in, n_out), so the 784 weights of first-layer
neuron k are the column ``weights[0][:, k]`` (the slides and Nielsen's book write the transpose).
"""

import numpy as np

from ..activations import sigmoid
from .inside import SIDE
from .registry import register
from .style import NEGATIVE, POSITIVE, SIGN_CMAP, show_digit

BIASES = (5, 0, -5, -10)


# -- weighted-sum ------------------------------------------------------------------------

def smoothness(w):
    """How alike neighbouring weights of an image's weights w (784,) are: their correlation with the
    weight one pixel to the right and one below, averaged (near 0 for noise, towards 1 for broad strokes)."""
    image = np.asarray(w, dtype=float).reshape(SIDE, SIDE)
    image = image - image.mean()
    across = (image[:, 1:] * image[:, :-1]).sum()
    down = (image[1:] * image[:-1]).sum()
    return float((across + down) / 2 / max((image * image).sum(), 1e-12))


def most_structured_neuron(w1):
    """The first-layer neuron (a column of w1 (784, n)) whose weights are smoothest: the clearest picture."""
    return int(np.argmax([smoothness(w1[:, k]) for k in range(w1.shape[1])]))


def weighted_sum(network, x, k):
    """One first-layer neuron k worked through for one input x (784,), in float64, as a dict:
    w (784,), products w * a (784,), added (the positive products' sum), taken (the negative ones'),
    total (their sum), b, z = total + b, a = f(z) with f the layer's activation (the sigmoid in the
    seed); and, from ``network.forward_trace``, z_trace and a_trace, the same two numbers as the
    network computes them."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(network.weights[0][:, k], dtype=float)
    products = w * x
    b = float(network.biases[0][k])
    total = float(products.sum())
    zs, activations = network.forward_trace(x[None, :])
    return {"w": w, "products": products, "added": float(products[products > 0].sum()),
            "taken": float(products[products < 0].sum()), "total": total, "b": b, "z": total + b,
            "a": float(network.layer_activations[0].function(np.array(total + b))), "z_trace": float(zs[0][0, k]),
            "a_trace": float(activations[1][0, k])}


def activation_words(a, activation="sigmoid"):
    """What a neuron's activation a says, in words, for its ``activation``: "sigmoid", "tanh" or "relu"."""
    low, high = {"sigmoid": (0.1, 0.9), "tanh": (-0.8, 0.8), "relu": (0.0, 1.0)}.get(activation, (0.1, 0.9))
    if a >= high:
        return "lit up"
    if a <= low:
        return "dark"
    return "partly lit"


def activation_symbol(activation):
    """How the figure writes a layer's activation function f: σ for the sigmoid, else its name."""
    return "σ" if activation == "sigmoid" else activation


@register(
    "weighted-sum",
    "One neuron's weighted sum: w · a pixel by pixel, plus its bias, through the sigmoid",
    "A neuron of the first hidden layer multiplies each of the 784 pixel values a by its own weight "
    "for that pixel, w, and adds the 784 products up: blue products push it to light up, red ones "
    "hold it back. Its bias b is added, and the sigmoid squashes the total z into the neuron's "
    "activation between 0 and 1 (a network with another activation function shows its own). "
    "The neuron drawn is the trained network's one with the clearest picture in its weights, and "
    "every number on the figure is the network's own.",
    size=(9.6, 4.1),
    layout=None,
    section="weights-and-bias",
)
def weighted_sum_figure(fig, context):
    network = context.network
    x = np.asarray(context.example, dtype=float)
    k = most_structured_neuron(network.weights[0])
    s = weighted_sum(network, x, k)
    limit = float(np.abs(s["w"]).max()) or 1.0
    # placed by hand (left, bottom, width, height in figure fractions): square images as large as the height allows
    show_digit(fig.add_axes((0.01, 0.33, 0.195, 0.46)), x, "a: the 784 inputs\n(the digit, 0 to 1)", fontsize=9)
    titles = (f"w: neuron {k}'s 784 weights,\nweights[0][:, {k}]", "w · a, pixel by pixel\n(0 where a pixel is black)")
    for left, values, title in ((0.225, s["w"], titles[0]), (0.44, s["products"], titles[1])):
        ax = fig.add_axes((left, 0.33, 0.195, 0.46))
        image = ax.imshow(values.reshape(SIDE, SIDE), cmap=SIGN_CMAP, vmin=-limit, vmax=limit)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    bar = fig.colorbar(image, cax=fig.add_axes((0.645, 0.33, 0.012, 0.46)))
    bar.ax.tick_params(labelsize=8)
    bar.set_label(f"w and w · a (±{limit:.2f}, the largest |w|)", fontsize=8)
    f = network.layer_activations[0]
    f_of = activation_symbol(f.name)
    _draw_activation(fig.add_axes((0.775, 0.36, 0.215, 0.43)), f, s["z"], s["a"])
    plus_b = f"{'+' if s['b'] >= 0 else '−'} {abs(s['b']):.3f}"
    fig.text(0.01, 0.2, f"Σ w·a = {s['added']:.3f} (blue pixels) − {-s['taken']:.3f} (red pixels) = "
             f"{s['total']:.3f};   z = Σ w·a + b = {s['total']:.3f} {plus_b} = {s['z']:.3f};   "
             f"{f_of}(z) = {s['a']:.3f}: {activation_words(s['a'], f.name)}", fontsize=10.5, va="top")
    fig.text(0.01, 0.12, f"network.forward_trace gives the same: zs[0][0, {k}] = {s['z_trace']:.3f}, "
             f"activations[1][0, {k}] = {s['a_trace']:.3f}  (zs[0] is layer 1; activations[0] is the input)\n"
             f"digitnet's W is (n_in, n_out): weights[0][i, {k}] joins pixel i to neuron {k}, "
             f"the slides' w_{k}i (their W is its transpose)", fontsize=9, va="top")
    n = network.weights[0].shape[1]
    fig.suptitle(f"Neuron {k} of hidden layer 1 (of its {n}, the one whose weights make the smoothest picture) "
                 f"reads the digit", fontsize=10, y=0.97)
    return fig


def _draw_activation(ax, f, z, a):
    """The activation function f over z, with the neuron's (z, a) marked."""
    reach = max(8.0, abs(z) + 1.0)
    zs = np.linspace(-reach, reach, 401)
    curve = f.function(zs)
    ax.plot(zs, curve, color="0.3", linewidth=1.5)
    bottom = min(0.0, float(curve.min()))
    ax.plot([z, z], [bottom, a], color="0.5", linestyle=":", linewidth=1)
    ax.plot([-reach, z], [a, a], color="0.5", linestyle=":", linewidth=1)
    ax.plot([z], [a], "o", color=POSITIVE if z >= 0 else NEGATIVE, markersize=8, gid="z")
    ax.set_xlim(-reach, reach)
    margin = 0.03 * (float(curve.max()) - bottom)
    ax.set_ylim(bottom - margin, float(curve.max()) + margin)
    what = "the sigmoid squashes z" if f.name == "sigmoid" else f"{f.name} turns z"
    ax.set_title(f"{what}\ninto the activation {activation_symbol(f.name)}(z)", fontsize=9)
    ax.set_xlabel("z = Σ w·a + b", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


# -- bias --------------------------------------------------------------------------------

@register(
    "bias",
    "Bias as a threshold: sigma(w.a + b) for several biases",
    "A neuron takes the weighted sum of the activations before it and squishes it into the "
    "range 0 to 1 with the sigmoid. Adding a bias first shifts where that happens: with "
    "b = -10 the neuron stays dark until the weighted sum passes 10. The bias says how high "
    "the weighted sum has to be before the neuron starts to be meaningfully active.",
    size=(8, 5),
    section="weights-and-bias",
)
def bias(fig, context):
    ax = fig.add_subplot()
    weighted_sum = np.linspace(-20.0, 20.0, 801)
    from matplotlib import colormaps

    shades = colormaps["viridis"](np.linspace(0.0, 0.8, len(BIASES)))  # told apart by lightness too, and named
    for b, shade in zip(BIASES, shades):
        label = f"b = {b:+d}" if b else "b = 0"
        ax.plot(weighted_sum, sigmoid(weighted_sum + b), label=label, gid=f"bias {b}", linewidth=2, color=shade)
        ax.text(-b - 0.6, 0.62, label, ha="right", fontsize=9, color=shade)  # beside the curve, where it climbs
    ax.axhline(0.5, color="0.6", linestyle=":", linewidth=1)
    ax.axvline(10, color="0.3", linestyle="--", linewidth=1)
    ax.annotate("b = -10: lights up only when\nthe weighted sum is above 10", xy=(10, 0.5),
                xytext=(11, 0.2), fontsize=10, arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax.set_xlim(-20, 20)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("weighted sum  w·a = w₁a₁ + w₂a₂ + … + w₇₈₄a₇₈₄")
    ax.set_ylabel("activation  σ(w·a + b)")
    ax.set_title("The bias moves the point where the neuron lights up")
    ax.legend(title="bias", loc="upper left")
    ax.grid(alpha=0.3)
    return fig


# -- parameters --------------------------------------------------------------------------

def count_parameters(network):
    """[(n_in, n_out, weights, biases)] of each layer, counted from the arrays themselves."""
    return [(w.shape[0], w.shape[1], w.size, b.size) for w, b in zip(network.weights, network.biases)]


@register(
    "parameters",
    "The network's knobs: its weights and biases, counted layer by layer",
    "Each neuron after the input has a weight for every neuron of the layer before and a bias of "
    "its own, so a layer of n_out neurons reading n_in has n_in × n_out weights and n_out biases. "
    "The table counts them from the network's own arrays, and the bar shows where they are: almost "
    "all are the first layer's weights, one for each pixel for each of its neurons. Learning means "
    "finding good values for every one of them.",
    size=(9.6, 4.2),
    section="parameters",
)
def parameters(fig, context):
    network = context.network
    layers = count_parameters(network)
    n_weights = sum(weights for _, _, weights, _ in layers)
    n_biases = sum(biases for _, _, _, biases in layers)
    total = n_weights + n_biases
    table_ax, bar_ax = fig.subplots(2, 1, height_ratios=[2.4, 1])
    table_ax.axis("off")
    columns = (0.0, 0.13, 0.38, 0.6, 0.74, 0.88)
    header = ("layer", "in the code", "weights", "biases", "together", "share")
    rows = [(f"{n_in} → {n_out}", f"weights[{l}], biases[{l}]", f"{n_in} × {n_out} = {weights:,}", f"{biases:,}",
             f"{weights + biases:,}", f"{(weights + biases) / total:.1%}")
            for l, (n_in, n_out, weights, biases) in enumerate(layers)]
    rows.append(("all", "network.vector", f"{n_weights:,}", f"{n_biases:,}", f"{total:,}", "100%"))
    for line, cells in enumerate([header, *rows]):
        y = 1.0 - line / (len(rows) + 1)
        for x, cell in zip(columns, cells):
            table_ax.text(x, y, cell, fontsize=11, va="top", transform=table_ax.transAxes,
                          fontweight="bold" if line in (0, len(rows) + 1) else "normal")
    left = 0
    shades = ("0.35", "0.6", "0.8", "0.9")
    for (n_in, n_out, weights, biases), shade in zip(layers, shades * len(layers)):
        bar_ax.barh(0, weights + biases, left=left, color=shade, edgecolor="white", gid=f"layer {n_in}->{n_out}")
        if (weights + biases) / total > 0.5:
            bar_ax.text(left + (weights + biases) / 2, 0, f"{n_in} → {n_out}: {weights + biases:,}", color="white",
                        ha="center", va="center", fontsize=11)
        left += weights + biases
    bar_ax.set_xlim(0, total)
    bar_ax.set_yticks([])
    bar_ax.set_xlabel("the weights and biases, layer by layer (darkest: the first layer)", fontsize=9)
    bar_ax.tick_params(labelsize=9)
    first = layers[0][2]
    network_says = "the same as" if network.n_params == total else "NOT the same as"
    fig.suptitle(f"{total:,} weights and biases: {n_weights:,} weights + {n_biases:,} biases "
                 f"({network_says} network.n_params = {network.n_params:,})\n"
                 f"the first layer's weights alone are {first:,}, {first / total:.1%} of them",
                 fontsize=11)
    return fig
