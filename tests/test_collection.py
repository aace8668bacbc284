"""The kept digits: keep, list, get, delete, read as labelled images; and what the collection never touches."""

import hashlib
import io
import re

import numpy as np
import pytest
from PIL import Image

from digitnet.data import collection as collection_module
from digitnet.data.collection import MY_DIGITS, Collection, CollectionError
from digitnet.data.image import prepare_image


def drawing(row, scale=10):
    """An MNIST row as the page's canvas holds a drawing: (280, 280) floats, ink 1.0 on paper 0.0."""
    return np.kron(row.reshape(28, 28), np.ones((scale, scale), np.float32))


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def collection(tmp_path):
    return Collection(tmp_path / MY_DIGITS)


def test_a_kept_drawing_is_an_8_bit_gray_png_dark_on_white_in_its_digits_folder(collection, mnist):
    _, test = mnist
    kept = collection.keep(drawing(test.X[0]), int(test.labels[0]))
    assert kept.path == collection.folder / str(test.labels[0]) / kept.name
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}\.png", kept.name)
    image = Image.open(kept.path)
    assert image.format == "PNG" and image.mode == "L" and image.size == (280, 280)
    pixels = np.asarray(image)
    ink = drawing(test.X[0]) > 0.5
    assert pixels[~ink].mean() > 240 and pixels[ink].mean() < 60  # white paper, dark ink
    np.testing.assert_allclose(prepare_image(kept.path), prepare_image(drawing(test.X[0])), atol=0.02)


@pytest.mark.parametrize("problem, advice, told", [
    ("the pen lifted twice; 2 strokes", None, "; draw a digit first"),  # a ';' in the problem is no advice
    ("the drawing is too faint", "draw darker", "; draw darker"),
])
def test_an_images_own_advice_is_given_and_else_what_to_do(collection, mnist, monkeypatch, problem, advice, told):
    from digitnet.data.picture import ImageError

    def refuse(image):
        raise ImageError(problem, advice)

    monkeypatch.setattr(collection_module, "prepare_image", refuse)
    with pytest.raises(CollectionError) as caught:
        collection.keep(drawing(mnist[1].X[0]), 7)
    assert str(caught.value) == f"the drawing was not kept: {problem}{told}"
    assert not collection.folder.exists() or not any(collection.folder.rglob("*.png"))


def test_an_image_file_is_kept_by_path_or_bytes_and_light_ink_on_dark_is_kept_dark_on_white(collection, tmp_path,
                                                                                             mnist):
    _, test = mnist
    chalk = tmp_path / "chalk.png"
    Image.fromarray((test.X[1].reshape(28, 28) * 255).astype(np.uint8)).resize((84, 84)).save(chalk)  # light on dark
    for source in (chalk, chalk.read_bytes()):
        kept = collection.keep(source, 2)
        pixels = np.asarray(Image.open(kept.path))
        assert np.median(pixels) > 200, "the paper should be white"
        np.testing.assert_allclose(prepare_image(kept.path), prepare_image(chalk), atol=0.02)


def test_keep_never_writes_over_a_kept_digit_even_with_the_same_second_and_random_part(collection, mnist,
                                                                                        monkeypatch):
    parts = iter(["aaaa", "aaaa", "bbbb"])
    monkeypatch.setattr(collection_module.secrets, "token_hex", lambda n: next(parts) if n == 2 else "0" * 2 * n)
    monkeypatch.setattr(collection_module.time, "strftime", lambda pattern: "20261207-182233")
    first = collection.keep(drawing(mnist[1].X[0]), 7)
    second = collection.keep(drawing(mnist[1].X[0]), 7)
    assert (first.name, second.name) == ("20261207-182233-aaaa.png", "20261207-182233-bbbb.png")
    assert first.path.is_file() and second.path.is_file()


def test_keep_never_writes_over_a_digit_another_keep_writes_under_the_same_name_meanwhile(collection, mnist,
                                                                                           monkeypatch):
    # two keeps at once (two page requests, the page and the CLI) in the same second with the same random part:
    # the other's file appears while this one writes, after it chose the name, so looking first is not enough
    parts = iter(["aaaa", "aaaa", "bbbb"])
    monkeypatch.setattr(collection_module.secrets, "token_hex", lambda n: next(parts) if n == 2 else "0" * 2 * n)
    monkeypatch.setattr(collection_module.time, "strftime", lambda pattern: "20261207-182233")
    other = collection.folder / "7" / "20261207-182233-aaaa.png"
    real_write = collection_module.write_atomically

    def the_other_keep_writes_meanwhile(path, write):
        if not other.exists():
            other.write_bytes(b"the other keep's digit")
        return real_write(path, write)

    monkeypatch.setattr(collection_module, "write_atomically", the_other_keep_writes_meanwhile)
    kept = collection.keep(drawing(mnist[1].X[0]), 7)
    assert other.read_bytes() == b"the other keep's digit"
    assert kept.name == "20261207-182233-bbbb.png" and Image.open(kept.path).format == "PNG"
    assert sorted(p.name for p in (collection.folder / "7").iterdir()) == [other.name, kept.name]


@pytest.mark.parametrize("image, digit, words", [
    (np.zeros((280, 280), np.float32), 3, "the drawing was not kept: no digit found"),
    (b"hello, I am text", 3, "the image was not kept: the image is not a PNG"),
    (np.zeros((2, 3, 4, 5)), 3, "2-D array"),
    (np.full((50, 50), np.nan), 3, "NaN"),
    (np.zeros((5000, 5000), np.uint8), 3, "too big"),
    ("nothing-here.png", 3, "not kept: nothing-here.png does not exist"),
    (12, 3, "not int"),
    (None, 10, "0 to 9, not 10"),
    (None, -1, "0 to 9, not -1"),
    (None, True, "0 to 9, not True"),
    (None, "3", "0 to 9, not '3'"),
])
def test_what_cannot_be_kept_is_refused_in_one_sentence_and_nothing_is_written(collection, mnist, image, digit,
                                                                               words):
    image = drawing(mnist[1].X[0]) if image is None else image
    with pytest.raises(CollectionError) as caught:
        collection.keep(image, digit)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert not collection.folder.exists()


def test_all_lists_only_its_own_pngs_sorted_by_digit_then_name(collection, mnist):
    _, test = mnist
    kept = [collection.keep(drawing(test.X[i]), int(test.labels[i])) for i in range(4)]
    for foreign in ("notes.txt", "other.png", ".hidden.png", "20261207-182233-zzzz.png",
                    "\u0662\u0660\u0662\u0666\u0661\u0662\u0660\u0667-182233-3f2a.png"):  # Arabic-Indic digits
        (collection.folder / "7" / foreign).parent.mkdir(exist_ok=True)
        (collection.folder / "7" / foreign).write_text("not ours")
    (collection.folder / "x").mkdir()
    (collection.folder / "3" / "sub").mkdir(parents=True)
    assert collection.all() == sorted(kept, key=lambda k: (k.digit, k.name))
    assert collection.counts() == np.bincount(test.labels[:4], minlength=10).tolist()


def test_keep_list_get_delete_round_trip_leaves_the_rest_as_it_was(collection, mnist):
    _, test = mnist
    kept = [collection.keep(drawing(test.X[i]), int(test.labels[i])) for i in range(3)]
    (collection.folder / "7" / "mine.txt").write_text("a user's own file")
    assert collection.get(kept[1].digit, kept[1].name) == kept[1]
    before = snapshot(collection.folder)
    collection.delete(kept[1].digit, kept[1].name)
    after = snapshot(collection.folder)
    gone = str(kept[1].path.relative_to(collection.folder))
    assert set(before) - set(after) == {gone} and all(after[name] == before[name] for name in after)
    assert kept[1] not in collection.all() and len(collection.all()) == 2


@pytest.mark.parametrize("digit, name, words", [
    (7, "../7/20261207-182233-3f2a.png", "is not the name of a kept digit"),
    (7, "20261207-182233-3f2a.png/..", "is not the name of a kept digit"),
    (7, "mine.txt", "is not the name of a kept digit"),
    (7, "/etc/passwd", "is not the name of a kept digit"),
    (7, "20261207-182233-3F2A.png", "is not the name of a kept digit"),
    (7, "\u0662\u0660\u0662\u0666\u0661\u0662\u0660\u0667-182233-3f2a.png", "is not the name of a kept digit"),
    (7, "20261207-182233-0000.png", "there is no kept 7 named"),
    (11, "20261207-182233-0000.png", "0 to 9, not 11"),
])
def test_get_and_delete_accept_only_the_names_keep_makes_so_nothing_else_can_be_reached(collection, mnist, digit,
                                                                                         name, words):
    collection.keep(drawing(mnist[1].X[0]), 7)
    (collection.folder / "7" / "mine.txt").write_text("a user's own file")
    before = snapshot(collection.folder)
    for action in (collection.get, collection.delete):
        with pytest.raises(CollectionError) as caught:
            action(digit, name)
        assert words in str(caught.value)
    assert snapshot(collection.folder) == before


def test_labelled_reads_the_kept_digits_as_labelled_images(collection, mnist):
    _, test = mnist
    assert len(collection.labelled()) == 0 and collection.labelled().X.shape == (0, 784)
    kept = [collection.keep(drawing(test.X[i]), int(test.labels[i])) for i in range(5)]
    images = collection.labelled()
    order = sorted(kept, key=lambda k: (k.digit, k.name))
    assert list(images.paths) == [k.path for k in order]
    assert images.labels.tolist() == [k.digit for k in order]
    for path, row in zip(images.paths, images.X):
        np.testing.assert_array_equal(row, prepare_image(path))


def test_labelled_sees_a_kept_file_changed_since_it_was_last_read(collection, mnist):
    _, test = mnist
    kept = collection.keep(drawing(test.X[0]), int(test.labels[0]))
    first = collection.labelled().X[0].copy()
    buffer = io.BytesIO()
    Image.fromarray((255 - test.X[1].reshape(28, 28) * 255).astype(np.uint8)).resize((60, 60)).save(buffer, "PNG")
    kept.path.write_bytes(buffer.getvalue())
    np.testing.assert_array_equal(collection.labelled().X[0], prepare_image(kept.path))
    assert not np.array_equal(collection.labelled().X[0], first)
