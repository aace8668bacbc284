"""The filmstrip: the first layer's weights forming, in a fresh network trained the way the model was.

The fresh network starts where the model started (the same layout and seed) and is trained by
the model's own recipe (its metadata's "recipe"; the seed recipe if it names none): the same
optimizer, mini-batches, learning-rate schedule and L2, for the recipe's first few epochs. The
model's own sheet is the last row, so the reader can see how far the fresh one has come.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import write_atomically
from ..network import Network
from ..optimizers import make_optimizer
from ..recipes import RECIPES, Recipe, distortions
from ..training import SCHEDULES, train
from .inside import CLIP_PERCENTILE, SIDE, clipped_limit
from .registry import register
from .style import SIGN_CMAP

FRAME_EPOCHS = (0, 1, 5, 20)  # epochs after which the fresh network's sheet is shown (0: the start)
QUICK_EPOCHS = (0, 1)         # the same, in quick mode
QUICK_EXAMPLES = 5_000        # training digits in quick mode


@dataclass
class Filmstrip:
    """A fresh network's first-layer weights over training, and the model's own.

    ``frames``: [(epoch, weights[0] copy (784, 16))], epoch 0 the start; ``recipe``: how the fresh
    network was trained; ``told``: whether the model's metadata named that recipe; ``n_examples``:
    the training digits it saw each epoch; ``model``: the model's weights[0]; ``model_epochs``: the
    epochs the model was trained for (None if its metadata does not say); ``replayed``: whether the
    fresh network's test cost and accuracy after each epoch shown are the ones the model's history
    recorded (then its frames are the model's own first epochs)."""

    frames: list
    recipe: Recipe
    told: bool
    n_examples: int
    model: np.ndarray
    model_epochs: int | None
    replayed: bool = False


def model_recipe(network):
    """(Recipe, told): the recipe the model's metadata names, or the seed recipe (told False) if it names none."""
    fields = network.metadata.get("recipe")
    if fields is not None:
        try:
            return Recipe.from_dict(fields), True
        except ValueError:
            pass  # a recipe this version cannot build: show the seed's, and say so
    return RECIPES["seed"], False


def filmstrip_frames(context):
    """The Filmstrip of ``context.network``: a fresh copy of its start, trained by its recipe.

    The fresh network has the model's layout and seed, so it starts from the same weights, and
    shuffles with ``np.random.default_rng(seed)`` as ``digitnet train`` does; the learning rate
    follows the recipe's schedule over all its epochs, of which the first FRAME_EPOCHS[-1] are
    run (QUICK_EPOCHS on the first QUICK_EXAMPLES training digits in quick mode).
    """
    network = context.network
    recipe, told = model_recipe(network)
    epochs = tuple(epoch for epoch in (QUICK_EPOCHS if context.quick else FRAME_EPOCHS) if epoch <= recipe.epochs)
    train_set, held_out = _training_data(context)
    fresh = Network(**network.config())
    frames = [(0, fresh.weights[0].copy())]
    results = []

    def capture(result):
        results.append(result)
        if result.epoch in epochs:
            frames.append((result.epoch, fresh.weights[0].copy()))

    train(fresh, train_set, held_out, optimizer=make_optimizer(recipe.optimizer, recipe.learning_rate),
          epochs=max(epochs), batch_size=recipe.batch_size, rng=np.random.default_rng(network.seed),
          schedule=SCHEDULES[recipe.schedule](recipe.learning_rate, recipe.epochs),
          weight_decay=recipe.weight_decay, max_shift=recipe.max_shift, dropout=recipe.dropout, on_epoch=capture,
          distort=distortions(recipe))
    model_epochs = network.metadata.get("epochs")
    return Filmstrip(frames, recipe, told, len(train_set), network.weights[0].copy(),
                     model_epochs if isinstance(model_epochs, int) else None,
                     told and same_as_history(results, network.metadata.get("history")))


def _training_data(context):
    """(training digits, held-out digits) as the model had them: its metadata's "validation" last training digits
    held out, as ``digitnet train --validation`` does, else the test digits; the first QUICK_EXAMPLES in quick mode."""
    train_set, test_set = context.train_set, context.test_set
    if context.quick:
        return train_set.take(QUICK_EXAMPLES), test_set
    validation = context.network.metadata.get("validation")
    if isinstance(validation, int) and 0 < validation < len(train_set):
        return train_set.split(len(train_set) - validation)
    return train_set, test_set


def same_as_history(results, history):
    """Whether every EpochResult in ``results`` has the test cost and accuracy that ``history`` (a model's
    metadata "history": one dict per epoch) recorded for the same epoch: a replay of the model's own training."""
    if not isinstance(history, list) or len(history) < len(results) or not results:
        return False
    for result in results:
        recorded = history[result.epoch - 1]
        cost, accuracy = recorded.get("test_cost"), recorded.get("test_accuracy")
        if cost is None or accuracy is None or result.test_cost is None:
            return False
        if not (np.isclose(result.test_cost, cost, rtol=1e-6, atol=0) and abs(result.test_accuracy - accuracy) < 1e-9):
            return False
    return True


_OPTIMIZER_NAMES = {"gd": "gradient descent", "sgd": "SGD", "momentum": "momentum", "adam": "Adam"}


def recipe_words(recipe):
    """How a recipe trains, in a phrase: "SGD at learning rate 3, cosine schedule over 150 epochs, L2 λ = 2, ..."."""
    words = [f"{_OPTIMIZER_NAMES.get(recipe.optimizer, recipe.optimizer)} at learning rate {recipe.learning_rate:g}",
             f"{recipe.schedule.replace('_', ' ')} schedule over {recipe.epochs} epochs",
             f"mini-batches of {recipe.batch_size}",
             f"L2 λ = {recipe.weight_decay:g}" if recipe.weight_decay else "no L2"]
    if recipe.max_shift:
        words.append(f"digits shifted by up to {recipe.max_shift} pixel{'s' if recipe.max_shift > 1 else ''}")
    if recipe.distort:
        words.append("digits rotated, scaled, thickened or thinned and elastically distorted")
    if recipe.dropout:
        words.append(f"dropout {recipe.dropout:g}")
    return ", ".join(words)


def likeness(w1, model):
    """How alike two sheets (784, n) are: the correlation of each neuron's weights in one with the same
    neuron's in the other, averaged over the n neurons (1: the same patterns)."""
    a = w1 - w1.mean(axis=0)
    b = model - model.mean(axis=0)
    norms = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    return float(np.mean((a * b).sum(axis=0) / np.maximum(norms, 1e-12)))


def likeness_words(r):
    """A likeness (see ``likeness``) in words."""
    if r >= 0.99:
        return "the same as this model's"
    if r >= 0.7:
        return "much like this model's"
    if r >= 0.4:
        return "partly like this model's"
    return "not yet like this model's"


def _epoch_label(epoch):
    return "epoch 0\n(the start)" if epoch == 0 else f"after\nepoch {epoch}"


def _model_label(model_epochs):
    return "this model" if model_epochs is None else f"this model\n({model_epochs} epochs)"


def _range_words(w1):
    return f"w {w1.min():.2f}\nto {w1.max():.2f}"


def _rows(film):
    """[(label, weights (784, n))] of every row: the fresh network's frames, then the model."""
    rows = [(_epoch_label(epoch), w1) for epoch, w1 in film.frames]
    return rows + [(_model_label(film.model_epochs), film.model)]


def filmstrip_words(film, seed):
    """(title, caption) of the filmstrip: how the fresh network was trained, and how alike its last sheet
    and the model's are; ``seed`` the model's."""
    how = ("the same way as this model" if film.told
           else "by the seed recipe (this model does not say how it was trained)")
    title = (f"First-layer weights of a fresh network trained {how}, then this model's own (blue +, red −)\n"
             f"recipe {film.recipe.name!r}: {recipe_words(film.recipe)};\n"
             f"the same start, shuffled from the same seed ({seed}), {film.n_examples:,} training digits an epoch; "
             f"each row's colours stop at its {CLIP_PERCENTILE:g}th percentile of |w|")
    if film.replayed:
        title += ("\na replay: each epoch's test cost and accuracy match this model's history, "
                  "so these rows are its own first epochs")
    last_epoch, last = film.frames[-1]
    r = likeness(last, film.model)
    caption = (f"After epoch {last_epoch} the fresh sheet is {likeness_words(r)} (each neuron's weights "
               f"correlate with the model's by {r:.2f} on average; 1 is the same pattern)")
    return title, caption


@register(
    "filmstrip",
    "The sheet forming: a fresh network trained the way the model was, after each epoch, then the model",
    "A fresh network starts from the model's own random weights, so its first layer's images are "
    "noise. Each row shows the same 16 neurons' weights again after more passes (epochs) over the "
    "training digits, trained the way the figure's title says; the last row is the model itself, "
    "after all its epochs. Each row has its own colour scale, with its weights' range written beside it; "
    "the line at the bottom says how alike the fresh network's last sheet and the model's are.",
    size=(9.6, 5.3),
    section="learned",
)
def filmstrip(fig, context):
    film = filmstrip_frames(context)
    rows = _rows(film)
    n = film.model.shape[1]
    axes = fig.subplots(len(rows), n, squeeze=False, gridspec_kw={"hspace": 0.08, "wspace": 0.06})
    for row, (label, w1) in zip(axes, rows):
        limit = clipped_limit(w1)
        for k, ax in enumerate(row):
            ax.imshow(w1[:, k].reshape(SIDE, SIDE), cmap=SIGN_CMAP, vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"{label}\n{_range_words(w1)}\ncolours ±{limit:.2f}", fontsize=8.5, rotation=0,
                          ha="right", va="center")
    title, caption = filmstrip_words(film, context.network.seed)
    fig.suptitle(title, fontsize=9)
    fig.supxlabel(caption, fontsize=9)
    return fig


def _sheet_image(w1, caption, columns=4, zoom=4, gap=2):
    """The 16 columns of w1 (784, 16) as one 4 x 4 picture in SIGN_CMAP (PIL Image), captioned."""
    from matplotlib import colormaps
    from PIL import Image, ImageDraw, ImageFont

    n = w1.shape[1]
    rows = -(-n // columns)
    cell = SIDE + gap
    mosaic = np.full((rows * cell + gap, columns * cell + gap), np.nan)
    for k in range(n):
        top, left = gap + (k // columns) * cell, gap + (k % columns) * cell
        mosaic[top:top + SIDE, left:left + SIDE] = w1[:, k].reshape(SIDE, SIDE)
    limit = clipped_limit(w1)
    colors = colormaps[SIGN_CMAP]((np.clip(mosaic / limit, -1, 1) + 1) / 2)  # -limit red .. +limit blue
    colors[np.isnan(mosaic)] = 1.0  # white gaps
    pixels = (colors[:, :, :3] * 255).astype(np.uint8).repeat(zoom, axis=0).repeat(zoom, axis=1)
    sheet = Image.fromarray(pixels)
    framed = Image.new("RGB", (sheet.width, sheet.height + 60), "white")
    framed.paste(sheet, (0, 60))
    try:
        font = ImageFont.load_default(size=18)
    except TypeError:  # Pillow before 10.1 has one small bitmap font
        font = ImageFont.load_default()
    draw = ImageDraw.Draw(framed)
    draw.text((8, 6), caption, fill="black", font=font)
    draw.text((8, 32), f"w {w1.min():.2f} to {w1.max():.2f}, colours stop at ±{limit:.2f}", fill="black", font=font)
    return framed


def save_filmstrip_gif(context, path, seconds_per_frame=1.0):
    """Write the filmstrip's rows as an animated GIF at ``path``: one 4 x 4 sheet per epoch, the model's last."""
    film = filmstrip_frames(context)
    frames = [_sheet_image(w1, label.replace("\n", " ")) for label, w1 in _rows(film)]
    path = Path(path)
    write_atomically(path, lambda file: frames[0].save(file, format="GIF", save_all=True, append_images=frames[1:],
                                                       loop=0, duration=int(1000 * seconds_per_frame)))
    return path
