"""Reading a folder of labelled digit images: both layouts, what is passed over, and one sentence for each fault."""

import hashlib
import os

import numpy as np
import pytest
from PIL import Image

from digitnet.data import folder as folder_module
from digitnet.data.folder import FolderError, list_labelled_images, read_labelled_folder
from digitnet.data.image import prepare_image


def save_digit(path, row):
    """An MNIST row (784,) saved as a 56x56 PNG, dark ink on white, as a scan would be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray((255 - row.reshape(28, 28) * 255).astype(np.uint8)).resize((56, 56))
    image.save(path)
    return path


def snapshot(root):
    """Every file under ``root`` and a hash of its bytes: what must be the same after a refusal."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def per_digit(tmp_path, mnist):
    """A folder per digit holding the first 12 MNIST test digits, and what is passed over."""
    _, test = mnist
    root = tmp_path / "digits"
    for i in range(12):
        save_digit(root / str(test.labels[i]) / f"d{i:02}.png", test.X[i])
    (root / "README.md").write_text("my digits")
    (root / "LICENSE").write_text("CC0")
    (root / ".DS_Store").write_bytes(b"\0\1")
    (root / str(test.labels[0]) / ".hidden.png").write_text("not an image, but hidden")
    return root


def test_a_folder_per_digit_gives_each_image_its_folders_digit_in_digit_then_name_order(per_digit, mnist):
    _, test = mnist
    images = read_labelled_folder(per_digit)
    expected = sorted((int(test.labels[i]), f"d{i:02}.png") for i in range(12))
    assert [(int(label), path.name) for label, path in zip(images.labels, images.paths)] == expected
    assert images.labels.dtype == np.int64 and images.X.shape == (12, 784) and images.X.dtype == np.float32
    for path, row in zip(images.paths, images.X):
        np.testing.assert_array_equal(row, prepare_image(path))
    assert images.counts() == np.bincount(test.labels[:12], minlength=10).tolist()


def test_images_in_subfolders_of_a_digits_folder_are_read_too(per_digit, mnist):
    _, test = mnist
    save_digit(per_digit / "3" / "session-2" / "late.png", test.X[test.labels == 3][0])
    listing = list_labelled_images(per_digit)
    assert (per_digit / "3" / "session-2" / "late.png", 3) in listing


def test_labels_csv_lists_files_with_their_digits_header_or_not(tmp_path, mnist):
    _, test = mnist
    root = tmp_path / "csv"
    for i in range(4):
        save_digit(root / "scans" / f"s{i}.png", test.X[i])
    rows = "\n".join(f"scans/s{i}.png,{test.labels[i]}" for i in range(4))
    for text in (f"file,label\n{rows}\n", f"{rows}\n\n"):
        (root / "labels.csv").write_text(text)
        listing = list_labelled_images(root)
        assert sorted(listing) == sorted((root / "scans" / f"s{i}.png", int(test.labels[i])) for i in range(4))
        assert [digit for _, digit in listing] == sorted(int(label) for label in test.labels[:4])


def test_a_custom_preparation_is_used_for_every_image(per_digit):
    seen = []
    images = read_labelled_folder(per_digit, prepare=lambda path: seen.append(path) or np.ones(784, np.float32))
    assert seen == list(images.paths) and images.X.min() == 1.0


@pytest.mark.parametrize("problem, advice, told", [
    ("the scanner wrote 2 pages; 1 kept", None, "; take it out of"),  # a ';' in the problem is no advice
    ("the scan is upside down", "turn it", "; turn it"),
])
def test_an_images_own_advice_is_given_and_else_what_to_do_with_it(per_digit, problem, advice, told):
    from digitnet.data.picture import ImageError

    def refuse(path):
        raise ImageError(problem, advice)

    with pytest.raises(FolderError) as caught:
        read_labelled_folder(per_digit, prepare=refuse)
    sentence = str(caught.value)
    assert sentence.endswith(told + ("" if advice else f" {per_digit}, or replace it")), sentence
    assert sentence.count("; ") == problem.count("; ") + 1, sentence  # one piece of advice, never two


def _refusal(root, make):
    """Set ``root`` up with ``make(root)``, read it, and return the FolderError's sentence after checking it
    is one line and that nothing under ``root`` changed."""
    make(root)
    before = snapshot(root) if root.is_dir() else None
    with pytest.raises(FolderError) as caught:
        read_labelled_folder(root)
    assert (snapshot(root) if root.is_dir() else None) == before
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def _huge_image(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (8000, 7000), 255).save(path)  # 56 megapixels, a small file: white compresses well


def _with_digit(root, row, *extra):
    save_digit(root / "7" / "good.png", row)
    for make in extra:
        make(root)


CASES = {
    "missing": (lambda root, row: None, ["does not exist", "a folder per digit"]),
    "a file": (lambda root, row: root.write_text("x"), ["is a file, not a folder"]),
    "empty": (lambda root, row: root.mkdir(), ["holds no images"]),
    "only a README": (lambda root, row: (root.mkdir(), (root / "README.md").write_text("hi")), ["holds no images"]),
    "a folder named x": (lambda root, row: _with_digit(root, row, lambda r: (r / "x").mkdir()),
                         ["x is not a digit's folder", "0 to 9"]),
    "a folder named 10": (lambda root, row: _with_digit(root, row, lambda r: (r / "10").mkdir()),
                          ["10 is not a digit's folder"]),
    "a stray image at the top": (lambda root, row: _with_digit(root, row, lambda r: save_digit(r / "a.png", row)),
                                 ["a.png is not in a digit's folder"]),
    "a text file": (lambda root, row: _with_digit(root, row, lambda r: (r / "7" / "notes.txt").write_text("hi")),
                    ["notes.txt is not an image"]),
    "text named .png": (lambda root, row: _with_digit(root, row, lambda r: (r / "7" / "fake.png").write_text("hi")),
                        ["fake.png is not a PNG"]),
    "50 megapixels": (lambda root, row: _with_digit(root, row, lambda r: _huge_image(r / "7" / "huge.png")),
                      ["huge.png is 8000x7000 pixels", "resize it"]),
    "no digit": (lambda root, row: _with_digit(root, row, lambda r: Image.new("L", (64, 64), 255).save(
                 r / "7" / "blank.png")), ["no digit found in", "blank.png", "take it out of"]),
    "csv bad label": (lambda root, row: (save_digit(root / "a.png", row), (root / "labels.csv").write_text(
                      "file,label\na.png,seven\n")), ["row 2 of", "'seven'", "0 to 9"]),
    "csv label 10": (lambda root, row: (save_digit(root / "a.png", row), (root / "labels.csv").write_text(
                     "a.png,10\n")), ["row 1 of", "'10'"]),
    "csv missing file": (lambda root, row: (save_digit(root / "a.png", row), (root / "labels.csv").write_text(
                         "a.png,7\nb.png,3\n")), ["row 2 of", "b.png, no such file"]),
    "csv one column": (lambda root, row: (save_digit(root / "a.png", row), (root / "labels.csv").write_text(
                       "a.png\n")), ["row 1 of", "not file,label"]),
    "csv twice": (lambda root, row: (save_digit(root / "a.png", row), (root / "labels.csv").write_text(
                  "a.png,7\na.png,7\n")), ["row 2 of", "again (row 1"]),
    "a link round in a loop": (lambda root, row: _with_digit(root, row, lambda r: (r / "7" / "loop.png").symlink_to(
                               "loop.png")), ["loop.png is a symbolic link that leads round in a loop"]),
    "csv names a pipe": (lambda root, row: (root.mkdir(), os.mkfifo(root / "p.png"), (root / "labels.csv").write_text(
                         "p.png,7\n")), ["row 1 of", "p.png, not a regular file"]),
    "csv name too long": (lambda root, row: (root.mkdir(), (root / "labels.csv").write_text(
                          "a" * 5000 + ".png,7\n")), ["row 1 of", "cannot be looked at", "correct the row"]),
    "csv not utf-8": (lambda root, row: (root.mkdir(), (root / "labels.csv").write_bytes(b"\xff\xfe\xfa,1\n")),
                      ["not UTF-8"]),
}


@pytest.mark.parametrize("case", CASES)
def test_each_fault_is_one_sentence_that_names_it_and_nothing_is_touched(tmp_path, mnist, case):
    make, words = CASES[case]
    root = tmp_path / "DIR"
    message = _refusal(root, lambda r: make(r, mnist[1].X[0]))
    for word in words:
        assert word.replace("DIR", str(root)) in message, message
    assert str(root) in message


def test_more_images_than_the_cap_is_refused_with_the_cap(tmp_path, mnist, monkeypatch):
    monkeypatch.setattr(folder_module, "MAX_FILES", 3)
    root = tmp_path / "many"
    message = _refusal(root, lambda r: [save_digit(r / "1" / f"{i}.png", mnist[1].X[2]) for i in range(4)])
    assert "more than 3 images" in message and "split it" in message


@pytest.mark.parametrize("target", ["..", "../5", "../../..", "/"])
def test_a_link_in_a_digits_folder_that_leads_back_up_or_into_another_digit_is_refused_not_read_as_that_digit(
        per_digit, mnist, target):
    # a link 3/loop -> .. would read every digit's images as 3s, with no word said (the counts and accuracy false)
    save_digit(per_digit / "5" / "five.png", mnist[1].X[mnist[1].labels == 5][0])
    (per_digit / "3").mkdir(exist_ok=True)
    (per_digit / "3" / "loop").symlink_to(target)
    message = _refusal(per_digit, lambda root: None)
    assert f"{per_digit / '3' / 'loop'} leads to" in message and "read as 3s" in message


@pytest.mark.parametrize("target", ["..", "5"])
def test_a_digits_folder_that_is_a_link_to_the_folder_or_another_digit_is_refused(tmp_path, mnist, target):
    root = tmp_path / "digits"
    save_digit(root / "5" / "five.png", mnist[1].X[mnist[1].labels == 5][0])
    (root / "3").symlink_to(target)
    message = _refusal(root, lambda r: None)
    assert f"{root / '3'} leads to" in message


def test_links_to_folders_elsewhere_and_within_the_digits_own_folder_are_read(per_digit, tmp_path, mnist):
    _, test = mnist
    elsewhere = tmp_path / "scans"
    save_digit(elsewhere / "s.png", test.X[test.labels == 3][0])
    (per_digit / "3").mkdir(exist_ok=True)
    save_digit(per_digit / "3" / "inner" / "i.png", test.X[test.labels == 3][1])
    (per_digit / "3" / "scans").symlink_to(elsewhere)
    (per_digit / "3" / "again").symlink_to("inner")  # met twice: read once
    (per_digit / "3" / "self").symlink_to(".")
    listing = list_labelled_images(per_digit)
    threes = sorted(path.name for path, digit in listing if digit == 3)
    assert threes.count("s.png") == 1 and threes.count("i.png") == 1
    assert len(listing) == len(set(os.path.realpath(path) for path, _ in listing))


def test_images_however_deep_in_a_digits_folder_are_read(tmp_path, mnist):
    # each subfolder was a call deeper: 1,200 of them ended in a RecursionError's traceback
    top = deep = tmp_path / "digits" / "3"
    top.mkdir(parents=True)
    try:
        for _ in range(1200):
            deep = deep / "a"
            deep.mkdir()
        save_digit(deep / "deep.png", mnist[1].X[0])
        assert list_labelled_images(tmp_path / "digits") == [(deep / "deep.png", 3)]
    finally:  # taken down here, one by one: pytest's own clean-up (shutil.rmtree) recurses too, and would fail
        (deep / "deep.png").unlink(missing_ok=True)
        while deep != top:
            deep.rmdir()
            deep = deep.parent
