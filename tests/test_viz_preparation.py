"""The preparation one step at a time (data.image.preparation_steps) and its figure (viz.preparation)."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.cli import main
from digitnet.data.collection import MY_DIGITS, Collection
from digitnet.data.folder import FolderError
from digitnet.data.image import PREPARATION_STEPS, preparation_steps, prepare_image
from digitnet.viz import Context, draw
from digitnet.viz.preparation import SAMPLE, chosen, default_images, draw_png, read_steps, steps_sentence
from digitnet.viz.style import figure_words, text_problems

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KEYS = [key for key, _ in PREPARATION_STEPS]


def corner_digit(x, size=112, at=(6, 70)):
    """An MNIST row (784,) drawn dark on white, small, near a corner of a bigger page (H, W) uint8."""
    page = np.full((size, size), 255, np.uint8)
    top, left = at
    page[top : top + 28, left : left + 28] = np.round(255 - 255 * x.reshape(28, 28)).astype(np.uint8)
    return page


@pytest.fixture(scope="module")
def corner_folder(tmp_path_factory, mnist):
    """A folder per digit of 20 MNIST test digits, each small near a corner of a white page."""
    folder = tmp_path_factory.mktemp("corner-digits")
    test = mnist[1]
    for digit in range(10):
        (folder / str(digit)).mkdir()
        for number, index in enumerate(np.flatnonzero(test.labels == digit)[:2]):
            Image.fromarray(corner_digit(test.X[index])).save(folder / str(digit) / f"{number}.png")
    return folder


# --- the steps -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["digit-1.png", "digit-2.png", "digit-4.png", "photo-7.jpg"])
def test_the_last_step_is_exactly_prepare_image_and_every_step_is_a_row_of_784_in_0_to_1(name):
    steps = preparation_steps(EXAMPLES / name)
    assert list(steps) == KEYS
    for key, row in steps.items():
        assert row.shape == (784,) and row.dtype == np.float32, key
        assert 0.0 <= row.min() and row.max() <= 1.0 and row.max() > 0.3, key
    assert np.array_equal(steps[KEYS[-1]], prepare_image(EXAMPLES / name))


def test_each_step_does_what_its_words_say(mnist):
    """As it is: the digit stays small in its corner; fitted: 20 pixels tall, centred by its box; then by mass."""
    x = mnist[1].X[0]  # a 7
    steps = {key: row.reshape(28, 28) for key, row in preparation_steps(corner_digit(x)).items()}
    rows, cols = (np.flatnonzero(steps["as-is"].sum(axis)) for axis in (1, 0))
    assert rows[-1] - rows[0] < 10 and cols[0] >= 14  # a quarter of the page, on its right
    for key in ("fitted", "centred"):
        rows, cols = (np.flatnonzero(steps[key].sum(axis) > 0) for axis in (1, 0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == 20, key
    rows, cols = (np.flatnonzero(steps["fitted"].sum(axis) > 0) for axis in (1, 0))
    assert abs((rows[0] + rows[-1]) / 2 - 13.5) <= 0.5 and abs((cols[0] + cols[-1]) / 2 - 13.5) <= 0.5
    mass = steps["centred"] / steps["centred"].sum()
    centre = (mass.sum(1) @ np.arange(28), mass.sum(0) @ np.arange(28))
    assert np.allclose(centre, 14, atol=0.5)
    assert not np.array_equal(steps["fitted"], steps["centred"])  # a 7's mass is not in its box's middle


def test_an_image_with_no_digit_fails_as_prepare_image_does():
    with pytest.raises(ValueError, match="no digit found"):
        preparation_steps(np.ones((50, 50)))


# --- the words and the choice --------------------------------------------------------

def test_the_words_name_the_step_that_helps_most_and_the_one_that_costs():
    words = steps_sentence({"as-is": 0.10, "fitted": 0.60, "centred": 0.85, "thickened": 0.80}, 0.964, 120)
    assert "reads 10% of these 120 digits; fully prepared, 80% (MNIST's test digits: 96.4%)" in words
    assert "helps most: \u201ccropped and fitted to 20x20\u201d, +50 points" in words
    assert "\u201cstrokes brought to MNIST's width\u201d costs 5 points" in words
    assert "16 points worse than MNIST's own digits" in words
    other = steps_sentence({"as-is": 0.10, "fitted": 0.20, "centred": 0.85, "thickened": 0.855}, 0.5, 120)
    assert "helps most: \u201ccentred by mass\u201d, +65 points" in other and "costs" not in other
    assert "\u201cstrokes brought to MNIST's width\u201d changes it by less than 1 point" in other
    assert "36 points better than MNIST's own digits" in other
    flat = steps_sentence(dict.fromkeys(KEYS, 0.5), 0.5, 10)
    assert "No step of the preparation helps" in flat and "about as well as MNIST's own digits" in flat
    assert steps_sentence(dict.fromkeys(KEYS, 0.0), 0.9, 0) == "There are no images to read."


def test_the_digits_shown_are_those_the_preparation_mends_one_still_wrong_and_each_digit_in_turn():
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    first = np.array([9, 9, 0, 9, 1, 1, 9, 9, 2])
    last = np.array([0, 9, 0, 1, 1, 1, 2, 2, 2])  # mended: 0, 3, 6, 7; still wrong: 1
    answers = {"as-is": first, "fitted": first, "centred": last, "thickened": last}
    indices, counts = chosen(answers, labels, n=4)
    assert indices == [0, 3, 6, 1] and counts == {"mended": 3, "still wrong": 1, "others": 0}
    indices, counts = chosen(answers, labels, n=8)
    assert indices == [0, 3, 6, 1, 4, 7, 2, 5]
    assert counts == {"mended": 4, "still wrong": 1, "others": 3}


# --- the figure ----------------------------------------------------------------------

class StepReader:
    """A stand-in network that reads a digit right only as ``step`` or a later step prepares it."""

    def __init__(self, steps, step):
        self.known = {}
        for key in KEYS[KEYS.index(step):]:
            for row, label in zip(steps.rows[key], steps.labels):
                self.known[row.tobytes()] = label

    def predict(self, X):
        return np.array([self.known.get(np.asarray(x, np.float32).tobytes(), -1) for x in X])


def test_the_figure_writes_the_accuracy_each_step_gives_this_network(corner_folder, viz_context):
    steps = read_steps(corner_folder)
    network = viz_context.network
    context = Context(network=network, datasets=viz_context.datasets, images=corner_folder)
    fig = draw("preparation", context)
    words = figure_words(fig)
    rights = [int(np.sum(network.predict(steps.rows[key]) == steps.labels)) for key in KEYS]
    assert len(set(rights)) > 1  # the steps change what it reads, so the numbers below tell them apart
    for right in rights:
        assert f"\n{right} of 20 right\n" in words and f"{right / 20:.0%}" in words
    mnist = float(np.mean(network.predict(viz_context.test_set.X) == viz_context.test_set.labels))
    assert f"MNIST test: {mnist:.1%}" in words
    assert f"the 20 digits in \u2026/{corner_folder.parent.name}/{corner_folder.name}" in words  # a long path, shortened
    assert text_problems(fig) == []


@pytest.mark.parametrize("step, helps", [("fitted", "cropped and fitted to 20x20"), ("centred", "centred by mass")])
def test_the_figures_words_follow_its_numbers(corner_folder, mnist, step, helps):
    steps = read_steps(corner_folder)
    reader = StepReader(steps, step)
    words = figure_words(draw("preparation", Context(network=reader, datasets=mnist, images=corner_folder)))
    shares = [np.mean(reader.predict(steps.rows[key]) == steps.labels) for key in KEYS]
    gain = round(100 * (shares[KEYS.index(step)] - shares[KEYS.index(step) - 1]))
    assert gain > 50  # (a digit whose box and mass centres agree is read right a step early)
    assert f"The step that helps most: \u201c{helps}\u201d, +{gain} points" in words
    assert "fully prepared, 100%" in words and "MNIST test: 0.0%" in words


def test_the_figure_draws_the_bundled_sample_when_given_no_images(viz_context):
    steps = read_steps(None)
    assert len(steps) >= 10 and set(steps.labels) == set(range(10))
    assert SAMPLE.is_dir() and "bundled with digitnet" in steps.source
    png = draw_png(viz_context.network, None, datasets=viz_context.datasets)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000


def test_the_kept_digits_are_shown_once_there_are_ten(tmp_path, monkeypatch, mnist):
    monkeypatch.setenv("DIGITNET_HOME", str(tmp_path))
    collection = Collection(tmp_path / MY_DIGITS)
    for i in range(10):
        assert default_images() is None  # too few: the bundled sample
        collection.keep(mnist[1].X[i].reshape(28, 28), int(mnist[1].labels[i]))
    kept = default_images()
    assert isinstance(kept, Collection)
    steps = read_steps(kept)
    assert len(steps) == 10 and steps.source == "your 10 kept digits"
    assert np.array_equal(steps.labels, np.sort(mnist[1].labels[:10]))


def test_a_folder_with_an_image_that_holds_no_digit_is_one_sentence(tmp_path):
    (tmp_path / "3").mkdir()
    Image.new("L", (40, 40), 255).save(tmp_path / "3" / "blank.png")
    with pytest.raises(FolderError, match=r"no digit found in .*blank.png"):
        read_steps(tmp_path)


# --- the command line ----------------------------------------------------------------

def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def saved_model(trained_network, tmp_path):
    return trained_network.save(tmp_path / "model.npz")


def test_show_preparation_draws_the_images_given(capsys, saved_model, corner_folder, tmp_path):
    out = tmp_path / "preparation.png"
    code, printed, err = run(capsys, "show", "preparation", "--model", saved_model, "--images", corner_folder,
                             "--out", out)
    assert code == 0, err
    assert str(out) in printed and np.asarray(Image.open(out)).std() > 10


def bad_folders(root):
    """(folder, what the sentence says) for folders that cannot be read as labelled digits."""
    (root / "named-x" / "x").mkdir(parents=True)
    (root / "text" / "4").mkdir(parents=True)
    (root / "text" / "4" / "notes.txt").write_text("a four")
    (root / "blank" / "5").mkdir(parents=True)
    Image.new("L", (40, 40), 255).save(root / "blank" / "5" / "blank.png")
    (root / "empty").mkdir()
    (root / "dangling" / "6").mkdir(parents=True)
    (root / "dangling" / "6" / "gone.png").symlink_to("nowhere.png")  # was said as 'could not write' the --out
    (root / "loop" / "6").mkdir(parents=True)
    (root / "loop" / "6" / "loop.png").symlink_to("loop.png")
    return [(root / "missing", "does not exist"), (root / "named-x", "is not a digit's folder"),
            (root / "text", "is not an image"), (root / "blank", "no digit found"), (root / "empty", "holds no images"),
            (root / "dangling", "gone.png is a symbolic link to a file that does not exist"),
            (root / "loop", "loop.png is a symbolic link that leads round in a loop")]


def test_show_preparation_with_a_bad_folder_is_one_sentence_and_exit_2(capsys, saved_model, tmp_path):
    for folder, message in bad_folders(tmp_path):
        out = tmp_path / "out.png"
        code, _, err = run(capsys, "show", "preparation", "--model", saved_model, "--images", folder, "--out", out)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (folder, err)
        assert not out.exists()


def test_show_refuses_images_for_a_figure_that_does_not_read_them_and_out_inside_them(
        capsys, saved_model, corner_folder, tmp_path):
    code, _, err = run(capsys, "show", "weights", "--model", saved_model, "--images", corner_folder,
                       "--out", tmp_path / "w.png")
    assert code == 2 and "--images is read by the preparation figure only" in err
    inside = corner_folder / "3" / "preparation.png"
    code, _, err = run(capsys, "show", "preparation", "--model", saved_model, "--images", corner_folder,
                       "--out", inside)
    assert code == 2 and "is inside --images" in err and not inside.exists()
