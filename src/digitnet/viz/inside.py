"""Figures of what happens inside the network: pixels as numbers, layers lighting up, and what
each hidden neuron has learned to respond to.

Left out on purpose: any layer sizes but the seed's shape of one input image of 28 x 28
pixels; the pictures of weights assume the first layer reads such an image. The filmstrip of
the weights forming is in ``filmstrip``; the weighted sum, the bias and the parameters in ``basics``.
"""

import numpy as np

from .registry import register
from .style import NEGATIVE, POSITIVE, SIGN_CMAP

SIDE = 28  # an MNIST image is SIDE x SIDE pixels
STRONGEST = 4  # connections drawn into each neuron of the "layers" figure
CELL_POINTS = 7.2  # the numbers in the neuron figure's cells: 8 pt and more as the handout shows them
CIRCLE_POINTS = 7.2  # the activations written in the layers figure's circles


def cell_label(value):
    """A pixel's value as its cell shows it: "0" for exactly 0 (black), else one decimal ("0.0" is above 0
    but under 0.05)."""
    return "0" if value == 0 else f"{value:.1f}"


def cell_legend(pixels):
    """What the labels "0", "0.0" and "1.0" mean, with how many of ``pixels`` show each."""
    exactly_black = int(np.count_nonzero(pixels == 0))
    nearly_black = int(np.count_nonzero((pixels > 0) & (pixels < 0.05)))
    white = int(np.count_nonzero(pixels >= 0.95))
    return (f'"0": exactly 0.0, black ({exactly_black} pixels);  "0.0": above 0 but under 0.05 '
            f'({nearly_black});  "1.0": 0.95 or more, white ({white})')


@register(
    "neuron",
    "A neuron is a number: the 784 input values of one digit",
    "Each of the 784 pixels of the image is one neuron of the first layer, and each neuron "
    "holds just a number between 0.0 and 1.0: its activation, 0.0 for black and 1.0 for white. "
    "This is everything the network sees of the digit, one number per cell, rounded to one decimal "
    "(the line under the image says how many cells are exactly black). The title shows what the "
    "trained network answers when these 784 numbers are fed through it.",
    size=(8.7, 9.4),
    section="neuron",
)
def neuron(fig, context):
    x = np.asarray(context.example, dtype=float)
    pixels = x.reshape(SIDE, SIDE)
    ax = fig.add_subplot()
    ax.imshow(pixels, cmap="gray", vmin=0.0, vmax=1.0)
    for (row, col), value in np.ndenumerate(pixels):
        color = "black" if value > 0.5 else ("white" if value > 0 else "0.45")
        ax.text(col, row, cell_label(value), ha="center", va="center", fontsize=CELL_POINTS, color=color)
    a = context.network.feedforward(x[None, :])[0]
    digit = int(a.argmax())
    ax.set_title(f"784 input neurons, one per pixel (0.0 black, 1.0 white)\n"
                 f"The network's answer: {digit}  (output neuron {digit} at {a[digit]:.2f})")
    ax.set_xlabel(cell_legend(pixels), fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


# -- layers ------------------------------------------------------------------------------

_IMAGE_BOX = (0.0, 8.0, 2.0, 10.0)  # left, right, bottom, top of the input image
_COLUMNS_X = (12.0, 16.0, 20.0)  # hidden 1, hidden 2, output
_RADIUS = 0.32
_SPACING = 0.7  # between the centres of neighbouring circles


def _positions(sizes):
    """(n_l, 2) centres of every layer's neurons: pixels of the image, then columns of circles."""
    left, right, bottom, top = _IMAGE_BOX
    pixel = (right - left) / SIDE
    rows, cols = np.divmod(np.arange(SIDE * SIDE), SIDE)
    positions = [np.column_stack([left + (cols + 0.5) * pixel, top - (rows + 0.5) * pixel])]
    for x, n in zip(_COLUMNS_X, sizes[1:]):
        half = _SPACING * (n - 1) / 2
        ys = np.linspace(6.0 + half, 6.0 - half, n)  # centred on the image's middle, y = 6
        positions.append(np.column_stack([np.full(n, x), ys]))
    return positions


def _draw_connections(ax, weights, activations, positions):
    """The STRONGEST weight * activation contributions into each neuron, coloured by sign."""
    from matplotlib.collections import LineCollection

    for l, w in enumerate(weights):
        contributions = activations[l][:, None] * w  # (n_in, n_out)
        scale = np.abs(contributions).max() or 1.0
        segments, colors, widths = [], [], []
        for k in range(w.shape[1]):
            for j in np.argsort(-np.abs(contributions[:, k]))[:STRONGEST]:
                segments.append([positions[l][j], positions[l + 1][k]])
                colors.append(POSITIVE if contributions[j, k] > 0 else NEGATIVE)
                widths.append(0.3 + 2.7 * abs(contributions[j, k]) / scale)
        ax.add_collection(LineCollection(segments, colors=colors, linewidths=widths, alpha=0.55,
                                         zorder=1, gid=f"connections {l}"))


def _activation_label(value):
    """Short enough to fit in a circle: two decimals without the leading zero (".73", "-.73"), "1" for
    1.00, and whole numbers from 10 up (a ReLU's activation has no top)."""
    if abs(value) >= 9.995:
        return f"{value:.0f}"
    text = f"{value:.2f}".replace("0.", ".", 1) if abs(value) < 1 else f"{value:.2f}"
    return {"1.00": "1", "-1.00": "-1", ".00": "0", "-.00": "0"}.get(text, text)


def _brightness(a, activation):
    """A layer's activations as grey levels from 0 (black) to 1 (white), over the range they can take:
    a sigmoid's or softmax's 0 to 1 as they are, tanh's -1 to 1, ReLU's 0 to the layer's largest (or 1)."""
    if activation == "tanh":
        return (a + 1) / 2
    if activation == "relu":
        return a / max(1.0, float(a.max()))
    return np.clip(a, 0.0, 1.0)


def _draw_neurons(ax, a, centres, layer, activation, predicted=None):
    from matplotlib.patches import Circle

    for i, (value, grey, (x, y)) in enumerate(zip(a, _brightness(a, activation), centres)):
        is_output = predicted is not None
        marked = is_output and i == predicted
        circle = Circle((x, y), _RADIUS, facecolor=str(float(grey)), zorder=3,
                        edgecolor="darkorange" if marked else "0.4", linewidth=3 if marked else 0.8,
                        gid=f"output {i}" if is_output else f"layer {layer} neuron {i}")
        ax.add_patch(circle)
        ax.text(x, y, _activation_label(value), ha="center", va="center", fontsize=CIRCLE_POINTS,
                color="black" if grey > 0.5 else "white", zorder=4)
        if is_output:
            ax.text(x + 0.55, y, f"{i}" + ("  ← answer" if marked else ""), va="center",
                    fontsize=11, fontweight="bold" if marked else "normal",
                    color="darkorange" if marked else "black")


@register(
    "layers",
    "Layers light up: one digit's activations flowing through 784 -> 16 -> 16 -> 10",
    "Feeding in an image lights up the first layer, and each layer's pattern of activations "
    "decides the next one's. Every circle is a neuron, as bright as its activation. The lines "
    "are the strongest influences, weight times the activation it comes from: blue pushes the "
    "next neuron up, red pushes it down, and thicker means stronger. The brightest of the ten "
    "output neurons is the network's answer.",
    size=(8.7, 5.9),
    section="layers",
)
def layers(fig, context):
    network = context.network
    _, activations = network.forward_trace(np.asarray(context.example)[None, :])
    activations = [a[0] for a in activations]
    positions = _positions(network.sizes)
    ax = fig.add_subplot()
    _draw_connections(ax, network.weights, activations, positions)
    ax.imshow(activations[0].reshape(SIDE, SIDE), cmap="gray", vmin=0, vmax=1,
              extent=_IMAGE_BOX, zorder=0)
    predicted = int(activations[-1].argmax())
    for layer in range(1, len(activations)):
        is_last = layer == len(activations) - 1
        _draw_neurons(ax, activations[layer], positions[layer], layer, network.layer_activations[layer - 1].name,
                      predicted if is_last else None)
    titles = ["784 inputs\n(the pixels)", "16 neurons\nhidden layer 1", "16 neurons\nhidden layer 2",
              "10 outputs\none per digit"]
    image_middle = (_IMAGE_BOX[0] + _IMAGE_BOX[1]) / 2
    for x, title in zip([image_middle, *_COLUMNS_X], titles):
        ax.text(x, 12.4, title, ha="center", va="bottom", fontsize=10)
    ax.text(10, 0.0, f"lines: the {STRONGEST} strongest weight × activation into each neuron; "
            "blue positive, red negative\nin the circles: the activations (.76 is 0.76; 0 and 1 are within 0.005 "
            "of them)", ha="center", va="top", fontsize=9, color="0.3")
    ax.set_xlim(-0.3, 23.2)
    ax.set_ylim(-1.4, 13.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# -- weights -----------------------------------------------------------------------------

CLIP_PERCENTILE = 99.5  # weight colours stop at this percentile of |w|, so a few extremes don't wash out the rest


def clipped_limit(values, percentile=CLIP_PERCENTILE):
    """The colour limit for -limit..limit: the ``percentile`` of |values| (1.0 if they are all 0)."""
    return float(np.percentile(np.abs(values), percentile)) or 1.0


def clip_words(values, limit):
    """What the colours of ``values`` drawn over -limit..limit show, said plainly: whether they stop short."""
    largest = float(np.abs(values).max())
    if largest <= limit:
        return f"colours ±{limit:.2f} span every weight (the largest |w| is {largest:.2f})"
    share = float(np.mean(np.abs(values) > limit))
    return (f"colours stop at ±{limit:.2f}, the {CLIP_PERCENTILE:g}th percentile of |w|: "
            f"{share:.1%} of the weights, up to {largest:.2f}, lie beyond it")


def what_lights(network, X, layer):
    """(784, n) for hidden ``layer`` (1 for the first): for each of its neurons, the average of the images
    X (n_images, 784) weighted by that neuron's activation, minus the plain average of X.

    Positive where the images that light the neuron are brighter than the average image: the
    picture of what really lights it, through every weight, bias and activation before it. A
    tanh neuron's activation counts from -1 (as ``_brightness`` says), so an image weighs 0 where it is off."""
    _, activations = network.forward_trace(X)
    # as bright as the layers figure draws it: 0 for off, whatever the activation function
    a = np.asarray(_brightness(activations[layer], network.layer_activations[layer - 1].name), dtype=float)
    X = np.asarray(X, dtype=float)
    weighted = (X.T @ a) / np.maximum(a.sum(axis=0), 1e-12)
    return weighted - X.mean(axis=0)[:, None]


def favourite_digits(network, dataset, layer):
    """[(digit, mean activation)] for each neuron of ``layer``: the digit whose images light it most on average."""
    _, activations = network.forward_trace(dataset.X)
    a = np.asarray(activations[layer], dtype=float)
    digits = np.unique(dataset.labels)  # the digits the dataset has images of
    means = np.array([a[dataset.labels == digit].mean(axis=0) for digit in digits])
    return [(int(digits[means[:, k].argmax()]), float(means[:, k].max())) for k in range(a.shape[1])]


def _draw_sheet(fig, columns, title, label, limit, titles, rows=2):
    """Each column of ``columns`` (784, n) as a 28 x 28 image over -limit..limit, one shared colour bar."""
    n = columns.shape[1]
    axes = fig.subplots(rows, -(-n // rows), squeeze=False)
    image = None
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_visible(False)
            continue
        image = ax.imshow(columns[:, k].reshape(SIDE, SIDE), cmap=SIGN_CMAP, vmin=-limit, vmax=limit)
        ax.set_title(titles[k], fontsize=9, pad=2)
    clipped = float(np.abs(columns).max()) > limit
    bar = fig.colorbar(image, ax=axes, shrink=0.9, extend="both" if clipped else "neither")
    bar.set_label(label, fontsize=9)
    bar.ax.tick_params(labelsize=9)
    fig.suptitle(title, fontsize=10)
    return axes


@register(
    "weights",
    "What each hidden neuron looks for: its 784 weights as an image, and what lights the second layer",
    "Each neuron of the first hidden layer has one weight for each of the 784 pixels, so its "
    "weights can be drawn as an image: blue pixels push the neuron to light up, red pixels hold "
    "it back. A neuron of the second layer sees only the first layer's 16 activations, so its "
    "picture is measured instead: the test digits averaged, each counted as much as it lights the "
    "neuron, minus the average digit (blue: brighter in the digits that light it). "
    "These are the patterns the network actually learned, not the neat strokes and loops we might hope for.",
    size=(9.6, 7.4),
    section="learned",
)
def weights(fig, context):
    network, test_set = context.network, context.test_set
    w1 = network.weights[0]
    limit = clipped_limit(w1)
    first, second = fig.subfigures(2, 1)
    _draw_sheet(first, w1, "Hidden layer 1: the 784 weights into each neuron k, weights[0][:, k] "
                f"(blue +, red −)\n{clip_words(w1, limit)}", label="weight", limit=limit,
                titles=[f"{k}" for k in range(w1.shape[1])])
    pictures = what_lights(network, test_set.X, layer=2)
    favourites = favourite_digits(network, test_set, layer=2)
    largest = float(np.abs(pictures).max()) or 1.0
    _draw_sheet(second, pictures,
                f"Hidden layer 2: what lights each neuron, measured on the {len(test_set):,} test digits "
                f"(through every weight, bias and {network.activation.name})\neach image: the digits averaged, "
                "each weighted by the neuron's activation, minus the average digit\nover each: the neuron, "
                "the digit whose images light it most, and their mean activation (neurons count from 0, "
                "as in the code)",
                label="blue brighter, red darker\nthan the average digit", limit=largest,
                titles=[f"#{k}: {digit}s, {mean:.2f}" for k, (digit, mean) in enumerate(favourites)])
    return fig
