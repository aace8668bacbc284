"""Figures of what happens inside the network: pixels as numbers, layers lighting up, the
weights each hidden neuron has learned (and how they form during training), and the bias
as a threshold.

Left out on purpose: any layer sizes but the seed's shape of one input image of 28 x 28
pixels; the pictures of weights assume the first layer reads such an image.
"""

from pathlib import Path

import numpy as np

from ..activations import sigmoid
from ..files import write_atomically
from ..network import Network
from ..optimizers import SGD
from ..training import train
from .registry import register

SIDE = 28  # an MNIST image is SIDE x SIDE pixels
STRONGEST = 4  # connections drawn into each neuron of the "layers" figure
POSITIVE, NEGATIVE = "tab:blue", "tab:red"  # and 'RdBu' maps negative to red, positive to blue
BIASES = (5, 0, -5, -10)


def _cell_label(value):
    return "0" if value == 0 else f"{value:.1f}"


@register(
    "neuron",
    "A neuron is a number: the 784 input values of one digit",
    "Each of the 784 pixels of the image is one neuron of the first layer, and each neuron "
    "holds just a number between 0.0 and 1.0: its activation, 0.0 for black and 1.0 for white. "
    "This is everything the network sees of the digit, one number per cell. The title shows "
    "what the trained network answers when these 784 numbers are fed through it.",
    size=(9, 9.6),
    section="neuron",
)
def neuron(fig, context):
    x = np.asarray(context.example, dtype=float)
    pixels = x.reshape(SIDE, SIDE)
    ax = fig.add_subplot()
    ax.imshow(pixels, cmap="gray", vmin=0.0, vmax=1.0)
    for (row, col), value in np.ndenumerate(pixels):
        color = "black" if value > 0.5 else ("white" if value > 0 else "0.45")
        ax.text(col, row, _cell_label(value), ha="center", va="center", fontsize=5.5, color=color)
    a = context.network.feedforward(x[None, :])[0]
    digit = int(a.argmax())
    ax.set_title(f"784 input neurons, one per pixel (0.0 black, 1.0 white)\n"
                 f"The network's answer: {digit}  (output neuron {digit} at {a[digit]:.2f})")
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
        ax.text(x, y, _activation_label(value), ha="center", va="center", fontsize=6,
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
    size=(10, 6.4),
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
    ax.text(10, -0.7, f"lines: the {STRONGEST} strongest weight × activation into each neuron; "
            "blue positive, red negative", ha="center", fontsize=9, color="0.3")
    ax.set_xlim(-0.3, 23.2)
    ax.set_ylim(-1.0, 13.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# -- weights -----------------------------------------------------------------------------

def _symmetric_limit(values):
    """A colour limit for -limit..limit: the 99.5th percentile of |values| (extremes don't wash out the rest)."""
    return float(np.percentile(np.abs(values), 99.5)) or 1.0


def _draw_sheet(fig, columns, title, label="weight", rows=2):
    """Each column of ``columns`` (784, n) as a 28 x 28 image on a grid, one shared colour bar."""
    n = columns.shape[1]
    axes = fig.subplots(rows, -(-n // rows), squeeze=False)
    limit = _symmetric_limit(columns)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_visible(False)
            continue
        image = ax.imshow(columns[:, k].reshape(SIDE, SIDE), cmap="RdBu", vmin=-limit, vmax=limit)
        ax.set_title(f"{k + 1}", fontsize=8, pad=2)
    fig.colorbar(image, ax=axes, shrink=0.9, extend="both", label=label)
    fig.suptitle(title, fontsize=11)
    return axes


@register(
    "weights",
    "What each hidden neuron looks for: its 784 weights as an image",
    "Each neuron of the first hidden layer has one weight for each of the 784 pixels, so its "
    "weights can be drawn as an image: blue pixels push the neuron to light up, red pixels hold "
    "it back. A neuron of the second hidden layer weighs the first layer's neurons, so adding "
    "up their images with its weights shows which pixels it responds to. These are the patterns "
    "the network actually learned, not the neat strokes and loops we might hope for.",
    size=(10, 6.6),
    section="learned",
)
def weights(fig, context):
    w1, w2 = context.network.weights[0], context.network.weights[1]
    first, second = fig.subfigures(2, 1)
    _draw_sheet(first, w1, "Hidden layer 1: the 784 weights into each of the 16 neurons")
    _draw_sheet(second, w1 @ w2, "Hidden layer 2: each neuron's weighted sum of layer 1's images, "
                                 "Σ_j w2[j, k] · w1[:, j]", label="summed weight")
    return fig


# -- filmstrip ---------------------------------------------------------------------------

def filmstrip_frames(context):
    """[(epoch, weights[0] copy (784, 16))] of a fresh Network(seed=0) trained the seed's way.

    SGD with lr 3.0 and mini-batches of 10, shuffled by ``context.rng``. Quick mode: the first
    5,000 training examples, epochs 0, 1, 2; otherwise the whole set, epochs 0, 1, 2, 5.
    Epoch 0 is the random start.
    """
    epochs = (0, 1, 2) if context.quick else (0, 1, 2, 5)
    train_set = context.train_set.take(5000) if context.quick else context.train_set
    network = Network(seed=0)
    frames = [(0, network.weights[0].copy())]

    def capture(result):
        if result.epoch in epochs:
            frames.append((result.epoch, network.weights[0].copy()))

    train(network, train_set, optimizer=SGD(3.0), epochs=max(epochs), batch_size=10,
          rng=context.rng, on_epoch=capture)
    return frames


def _epoch_label(epoch):
    return "epoch 0\n(random start)" if epoch == 0 else f"after\nepoch {epoch}"


@register(
    "filmstrip",
    "The same sheet over training: first-layer weights after each epoch",
    "A fresh network starts with random weights, so its first layer's images are noise. Each "
    "row shows the same 16 neurons' weights again after more passes (epochs) over the training "
    "digits, with gradient descent nudging every weight a little after each batch of ten. "
    "Blotches of blue and red grow out of the noise within the first epoch, then sharpen. "
    "Each row has its own colour scale (shown on the left): the weights also grow as they learn.",
    size=(12, 4.3),
    section="learned",
)
def filmstrip(fig, context):
    frames = filmstrip_frames(context)
    n = frames[0][1].shape[1]
    axes = fig.subplots(len(frames), n, squeeze=False)
    for row, (epoch, w1) in zip(axes, frames):
        limit = _symmetric_limit(w1)
        for k, ax in enumerate(row):
            ax.imshow(w1[:, k].reshape(SIDE, SIDE), cmap="RdBu", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"{_epoch_label(epoch)}\ncolours ±{limit:.2g}", fontsize=9, rotation=0,
                          ha="right", va="center")
    fig.suptitle("The 16 first-layer neurons' weights of a fresh network as training goes on "
                 "(red negative, blue positive)")
    return fig


def _sheet_image(w1, caption, columns=4, zoom=4, gap=2):
    """The 16 columns of w1 (784, 16) as one 4 x 4 picture in 'RdBu' (PIL Image), captioned."""
    from matplotlib import colormaps
    from PIL import Image, ImageDraw, ImageFont

    n = w1.shape[1]
    rows = -(-n // columns)
    cell = SIDE + gap
    mosaic = np.full((rows * cell + gap, columns * cell + gap), np.nan)
    for k in range(n):
        top, left = gap + (k // columns) * cell, gap + (k % columns) * cell
        mosaic[top:top + SIDE, left:left + SIDE] = w1[:, k].reshape(SIDE, SIDE)
    limit = _symmetric_limit(w1)
    colors = colormaps["RdBu"]((np.clip(mosaic / limit, -1, 1) + 1) / 2)  # -limit red .. +limit blue
    colors[np.isnan(mosaic)] = 1.0  # white gaps
    pixels = (colors[:, :, :3] * 255).astype(np.uint8).repeat(zoom, axis=0).repeat(zoom, axis=1)
    sheet = Image.fromarray(pixels)
    framed = Image.new("RGB", (sheet.width, sheet.height + 36), "white")
    framed.paste(sheet, (0, 36))
    try:
        font = ImageFont.load_default(size=20)
    except TypeError:  # Pillow before 10.1 has one small bitmap font
        font = ImageFont.load_default()
    ImageDraw.Draw(framed).text((8, 6), f"{caption}  (colours ±{limit:.2g})", fill="black", font=font)
    return framed


def save_filmstrip_gif(context, path, seconds_per_frame=1.0):
    """Write the filmstrip's frames as an animated GIF at ``path``: one 4 x 4 sheet per epoch."""
    frames = [_sheet_image(w1, _epoch_label(epoch).replace("\n", " "))
              for epoch, w1 in filmstrip_frames(context)]
    path = Path(path)
    write_atomically(path, lambda file: frames[0].save(file, format="GIF", save_all=True, append_images=frames[1:],
                                                       loop=0, duration=int(1000 * seconds_per_frame)))
    return path


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
    for b in BIASES:
        label = f"b = {b:+d}" if b else "b = 0"
        ax.plot(weighted_sum, sigmoid(weighted_sum + b), label=label, gid=f"bias {b}", linewidth=2)
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
