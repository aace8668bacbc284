"""The filmstrip: a fresh network trained by the model's own recipe, the model's own sheet last, and words that
say what was drawn."""

from dataclasses import asdict, replace

import numpy as np
import pytest
from PIL import Image

from digitnet import Network
from digitnet.recipes import RECIPES, train_recipe
from digitnet.viz import Context, draw, filmstrip
from digitnet.viz.style import SIGN_CMAP, figure_words

# a recipe far from plain SGD(3.0): a strong L2 and a smaller rate, so a run without them looks different
RECIPE = replace(RECIPES["seed"], name="seed", learning_rate=1.0, weight_decay=50.0, epochs=1)


def rows_of(fig):
    """{row: [image arrays]} of the figure's grid of images."""
    rows = {}
    for ax in fig.axes:
        for image in ax.images:
            rows.setdefault(ax.get_subplotspec().rowspan.start, []).append(image)
    return rows


@pytest.fixture(scope="module")
def recipe_model(mnist):
    """A seed-shaped model trained by RECIPE for its one epoch on the quick filmstrip's 5,000 digits, as
    ``digitnet train`` trains one (shuffled by default_rng(seed)), with its recipe and history in its metadata."""
    train_set, test_set = mnist
    network = RECIPE.network(seed=0)
    history = train_recipe(network, RECIPE, train_set.take(filmstrip.QUICK_EXAMPLES), test_set,
                           rng=np.random.default_rng(0))
    network.metadata = {"recipe": RECIPE.as_dict(), "epochs": 1,
                        "history": [asdict(epoch) for epoch in history.epochs]}
    return network


def context_of(network, mnist):
    return Context(network=network, quick=True, rng=np.random.default_rng(0), datasets=mnist)


def test_the_fresh_network_is_trained_by_the_models_own_recipe_and_replays_it(recipe_model, mnist):
    """Its start is the model's start, and after the one epoch of the recipe its weights are the model's: the old
    filmstrip trained SGD(3.0) without the recipe's L2 and ended elsewhere."""
    fig = draw("filmstrip", context_of(recipe_model, mnist))
    rows = rows_of(fig)
    assert len(rows) == 3  # quick mode: epochs 0 and 1 of the fresh network, then the model
    start = Network(seed=0).weights[0]
    for k, image in enumerate(rows[0]):
        assert np.array_equal(image.get_array(), start[:, k].reshape(28, 28))
    for k, image in enumerate(rows[1]):
        np.testing.assert_allclose(image.get_array(), recipe_model.weights[0][:, k].reshape(28, 28), atol=1e-6)
    for k, image in enumerate(rows[2]):
        assert np.array_equal(image.get_array(), recipe_model.weights[0][:, k].reshape(28, 28))
    words = figure_words(fig)
    assert "trained the same way as this model" in words
    assert "L2 λ = 50" in words and "learning rate 1" in words
    assert "a replay" in words
    assert "the fresh sheet is the same as this model's" in words


def test_the_filmstrip_says_it_is_not_a_replay_when_the_history_differs(recipe_model, mnist):
    network = Network(**recipe_model.config())
    network.vector[...] = recipe_model.vector
    history = [dict(epoch, test_cost=epoch["test_cost"] * 1.01) for epoch in recipe_model.metadata["history"]]
    network.metadata = {**recipe_model.metadata, "history": history}
    words = figure_words(draw("filmstrip", context_of(network, mnist)))
    assert "trained the same way as this model" in words
    assert "a replay" not in words


def test_a_model_that_does_not_say_its_recipe_gets_the_seed_recipe_and_the_figure_says_so(viz_context):
    fig = draw("filmstrip", viz_context)  # the trained_network fixture has no metadata
    words = figure_words(fig)
    assert "by the seed recipe (this model does not say how it was trained)" in words
    assert "recipe 'seed': SGD at learning rate 3, cosine schedule over 150 epochs, mini-batches of 10, L2 λ = 2" in words
    assert "5,000 training digits an epoch" in words
    assert "a replay" not in words


def test_each_row_says_its_weights_range_and_colour_scale(viz_context):
    fig = draw("filmstrip", viz_context)
    rows = rows_of(fig)
    labels = [row[0].axes.get_ylabel() for _, row in sorted(rows.items())]
    assert [label.split("\n")[0] for label in labels] == ["epoch 0", "after", "this model"]
    model = viz_context.network.weights[0]
    limit = float(np.percentile(np.abs(model), 99.5))
    assert f"w {model.min():.2f}\nto {model.max():.2f}\ncolours ±{limit:.2f}" in labels[-1]
    for image in rows[2]:
        assert image.get_clim() == pytest.approx((-limit, limit)) and image.get_cmap().name == SIGN_CMAP


def test_the_likeness_of_two_sheets_is_said_in_words():
    rng = np.random.default_rng(0)
    sheet = rng.standard_normal((784, 16))
    assert filmstrip.likeness(sheet, sheet) == pytest.approx(1.0)
    assert filmstrip.likeness_words(filmstrip.likeness(sheet, 3 * sheet)) == "the same as this model's"
    noise = rng.standard_normal((784, 16))
    assert filmstrip.likeness_words(filmstrip.likeness(sheet, noise)) == "not yet like this model's"
    assert filmstrip.likeness_words(filmstrip.likeness(sheet, sheet + 0.5 * noise)) == "much like this model's"


def test_the_filmstrip_gif_has_a_frame_per_row(viz_context, tmp_path):
    path = filmstrip.save_filmstrip_gif(viz_context, tmp_path / "filmstrip.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3  # epochs 0 and 1, then the model


def test_a_model_trained_with_a_validation_split_is_replayed_on_the_same_split(mnist):
    network = Network(seed=0)
    network.metadata = {"validation": 10_000}
    train_set, held_out = filmstrip._training_data(Context(network=network, quick=False, datasets=mnist))
    assert len(train_set) == len(mnist[0]) - 10_000 and len(held_out) == 10_000
    assert np.array_equal(held_out.X, mnist[0].X[-10_000:])
    network.metadata = {}
    train_set, held_out = filmstrip._training_data(Context(network=network, quick=False, datasets=mnist))
    assert train_set is mnist[0] and held_out is mnist[1]


def test_the_recipe_is_said_in_words():
    words = filmstrip.recipe_words(RECIPES["modern"])
    assert words.startswith("Adam at learning rate 0.003, warmup cosine schedule over 150 epochs, mini-batches of 16")
    assert "L2 λ = 0.5" in words and "digits shifted by up to 1 pixel" in words
