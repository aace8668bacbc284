"""The command line of one's own digits: digits add/list/delete, evaluate --images and --mine, train --also."""

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from digitnet import Network, load
from digitnet.cli import main
from digitnet.data import mixing
from digitnet.data.image import prepare_image


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err):
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("digitnet: ") and "Traceback" not in err


def snapshot(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def save_digit(path, row, size=56):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((255 - row.reshape(28, 28) * 255).astype(np.uint8)).resize((size, size)).save(path)
    return path


@pytest.fixture
def model(tmp_path):
    """A saved seed network, untrained: its answers are what they are, and the tests compute them themselves."""
    return Network(seed=3).save(tmp_path / "model.npz")


@pytest.fixture
def labelled(tmp_path, mnist):
    """A folder per digit of 30 MNIST test digits that leaves out the 9s (whose row must read '-')."""
    _, test = mnist
    rows = [i for i in range(60) if test.labels[i] != 9][:30]
    root = tmp_path / "scans"
    for i in rows:
        save_digit(root / str(test.labels[i]) / f"t{i:03}.png", test.X[i])
    return root


def test_evaluate_images_gives_the_mnist_report_on_the_folder_beside_the_test_accuracy(capsys, model, labelled,
                                                                                        mnist):
    paths = sorted(labelled.rglob("*.png"))
    labels = np.array([int(p.parent.name) for p in paths])
    network = load(model)
    answers = network.predict(np.stack([prepare_image(p) for p in paths]))
    confusion = np.zeros((10, 10), int)
    for label, answer in zip(labels, answers):
        confusion[label, answer] += 1
    test_answers = network.predict(mnist[1].X)
    test_accuracy = float((test_answers == mnist[1].labels).mean())
    test_per_digit = [float((test_answers[mnist[1].labels == d] == d).mean()) for d in range(10)]

    code, out, err = run(capsys, "evaluate", "--images", labelled, "--model", model, "--json")
    report = json.loads(out)
    assert code == 0, err
    assert report["n"] == 30 and report["confusion"] == confusion.tolist()
    assert report["accuracy"] == pytest.approx((answers == labels).mean())
    assert report["per_digit"][9] is None
    for d in range(10):
        shown = report["per_digit"][d]
        assert shown is None if not confusion[d].sum() else shown == pytest.approx(confusion[d, d] / confusion[d].sum())
    assert report["counts"] == np.bincount(labels, minlength=10).tolist()
    assert report["test"] == {"name": "MNIST", "n": 10_000, "accuracy": pytest.approx(test_accuracy),
                              "per_digit": pytest.approx(test_per_digit)}
    assert report["ratio"] == pytest.approx(report["accuracy"] / test_accuracy)

    code, out, err = run(capsys, "evaluate", "--images", labelled, "--model", model)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith(f"On the 30 images in {labelled}: {(answers == labels).mean():.1%}; "
                            f"on MNIST's 10,000 test images: {test_accuracy:.1%}")
    assert "  9: -" in out.splitlines()[1]
    assert out.splitlines()[2].startswith(f"MNIST:      0: {test_per_digit[0]:.1%}")  # MNIST's, digit by digit


def test_evaluate_mine_with_nothing_kept_says_how_to_keep_some(capsys, model):
    code, _, err = run(capsys, "evaluate", "--mine", "--model", model)
    assert code == 2 and one_sentence(err) and "digitnet digits add" in err


def test_evaluate_mine_scores_the_digits_that_digits_list_shows_and_no_other_file(capsys, tmp_path, model,
                                                                                  model_home, mnist):
    _, test = mnist
    threes = np.flatnonzero(test.labels == 3)
    code, _, err = run(capsys, "digits", "add", save_digit(tmp_path / "a.png", test.X[threes[0]]), "--digit", 3)
    assert code == 0, err
    kept = model_home / "my-digits"
    save_digit(kept / "3" / "scan.png", test.X[threes[1]])  # the user's own files there: not kept digits
    (kept / "3" / "Thumbs.db").write_bytes(b"\0")
    listing = json.loads(run(capsys, "digits", "list", "--model", model, "--json")[1])
    code, out, err = run(capsys, "evaluate", "--mine", "--model", model, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["n"] == len(listing["digits"]) == 1 and report["counts"] == listing["counts"]
    assert report["confusion"][3][listing["digits"][0]["answer"]] == 1
    code, out, err = run(capsys, "evaluate", "--mine", "--model", model)
    assert code == 0 and out.startswith(f"On the 1 image in {kept}: "), out


def _bad_folders(root, row):
    """Each a labelled folder with one fault, and words its sentence must hold."""
    def folder(name, *files):
        place = root / name
        save_digit(place / "7" / "good.png", row)
        for path, make in files:
            make(place / path)
        return place

    huge = lambda path: Image.new("L", (8000, 7000), 255).save(path)  # noqa: E731
    blank = lambda path: Image.new("L", (64, 64), 255).save(path)  # noqa: E731
    text = lambda path: path.write_text("hello")  # noqa: E731
    (root / "empty").mkdir(parents=True)
    return [(root / "nowhere", "does not exist"), (root / "empty", "holds no images"),
            (folder("with-x", ("x", lambda path: path.mkdir())), "x is not a digit's folder"),
            (folder("with-text", ("7/notes.txt", text)), "notes.txt is not an image"),
            (folder("with-huge", ("7/huge.png", huge)), "huge.png is 8000x7000 pixels"),
            (folder("with-blank", ("7/blank.png", blank)), "no digit found in")]


def test_evaluate_images_refuses_each_bad_folder_in_one_sentence_and_touches_nothing(capsys, tmp_path, model, mnist):
    for folder, words in _bad_folders(tmp_path / "bad", mnist[1].X[0]):
        before = snapshot(folder) if folder.exists() else None
        code, out, err = run(capsys, "evaluate", "--images", folder, "--model", model)
        assert code == 2 and one_sentence(err) and words in err, err
        assert (snapshot(folder) if folder.exists() else None) == before and out == ""


def test_digits_add_list_delete_round_trip_with_the_models_answers(capsys, tmp_path, model, model_home, mnist):
    _, test = mnist
    images = [save_digit(tmp_path / f"in{i}.png", test.X[i]) for i in range(3)]
    code, out, err = run(capsys, "digits", "add", *images, "--digit", 5)
    assert code == 0, err
    assert len(out.splitlines()) == 3 and all(line.startswith("kept ") for line in out.splitlines())
    code, out, err = run(capsys, "digits", "list", "--model", model, "--json")
    listing = json.loads(out)
    assert code == 0 and listing["folder"] == str(model_home / "my-digits")
    assert listing["counts"] == [0, 0, 0, 0, 0, 3, 0, 0, 0, 0]
    network = load(model)
    for entry in listing["digits"]:
        assert entry["digit"] == 5
        assert entry["answer"] == int(network.predict(prepare_image(entry["path"])[None])[0])
    assert listing["right"] == sum(entry["answer"] == 5 for entry in listing["digits"])

    code, out, err = run(capsys, "digits", "list", "--model", model)
    assert code == 0 and str(model_home / "my-digits") in out and "5: 3" in out

    first, second = (f"5/{entry['name']}" for entry in listing["digits"][:2])
    before = snapshot(model_home / "my-digits")
    code, _, err = run(capsys, "digits", "delete", first, "5/20000101-000000-0000.png")  # one unknown: none deleted
    assert code == 2 and one_sentence(err) and "there is no kept 5" in err
    assert snapshot(model_home / "my-digits") == before
    code, out, err = run(capsys, "digits", "delete", first, model_home / "my-digits" / second)
    assert code == 0, err
    remaining = json.loads(run(capsys, "digits", "list", "--model", model, "--json")[1])["digits"]
    assert [entry["name"] for entry in remaining] == [listing["digits"][2]["name"]]


def test_digits_add_keeps_the_good_images_and_names_the_bad_one(capsys, tmp_path, mnist, model_home):
    good = save_digit(tmp_path / "good.png", mnist[1].X[0])
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    code, out, err = run(capsys, "digits", "add", blank, good, "--digit", 7)
    assert code == 2 and one_sentence(err) and "blank.png" in err and "no digit found" in err
    assert len(list((model_home / "my-digits" / "7").glob("*.png"))) == 1 and "kept" in out


@pytest.mark.parametrize("argv, words", [
    (["digits", "add", "x.png", "--digit", "10"], "must be a digit 0 to 9"),
    (["digits", "add", "x.png"], "--digit"),
    (["digits", "delete", "x"], "is not a kept digit"),
    (["digits", "delete", "/somewhere/else/7/20261207-182233-3f2a.png"], "is not a kept digit"),
    (["digits", "delete", "7/../../model.npz"], "is not a kept digit"),
    (["digits"], "ACTION"),
    (["train", "--hold-out", "0.5"], "--hold-out is the share of --also DIR"),
    (["train", "--also", "DIR", "--hold-out", "0.95"], "0.95"),
])
def test_bad_digits_and_also_arguments_are_one_sentence(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and one_sentence(err) and words in err, err


def test_train_refuses_an_out_inside_the_also_folder_and_leaves_the_folder_as_it_was(capsys, labelled, tmp_path):
    before = snapshot(labelled)
    for out in (labelled / "3" / "m.npz", labelled / "new" / "m.npz", tmp_path / "scans" / "." / "m.npz"):
        code, _, err = run(capsys, "train", "--also", labelled, "--out", out, "--epochs", 1)
        assert code == 2 and one_sentence(err) and f"is inside --also {labelled}" in err, err
    assert snapshot(labelled) == before and not (labelled / "new").exists()


def test_train_also_refuses_fewer_digits_than_the_page_teaches_with_and_says_how_many_more(capsys, tmp_path, mnist,
                                                                                          model_home):
    from digitnet.data.mixing import MIN_TO_TEACH

    _, test = mnist
    few = tmp_path / "few"
    for i in range(MIN_TO_TEACH - 3):
        save_digit(few / str(test.labels[i]) / f"t{i}.png", test.X[i])
    code, _, err = run(capsys, "train", "--also", few, "--out", tmp_path / "m.npz", "--epochs", 1)
    assert code == 2 and one_sentence(err) and f"at least {MIN_TO_TEACH}" in err and "add 3 more" in err, err
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.training
def test_train_also_mixes_the_folder_in_and_reports_both_numbers_before_and_after(capsys, tmp_path, labelled,
                                                                                  small_mnist_folder):
    out_model = tmp_path / "mine.npz"
    argv = ["train", "--data", small_mnist_folder, "--epochs", 2, "--out", out_model, "--also", labelled, "--json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    also = json.loads(out.splitlines()[-1])["also"]
    # held out by the files' names, as the page's teaching holds them out
    paths = sorted(labelled.rglob("*.png"), key=lambda p: (int(p.parent.name), p.name))
    labels = np.array([int(p.parent.name) for p in paths])
    _, held_rows = mixing.hold_out_by_name([p.name for p in paths], labels, mixing.HOLD_OUT)
    held = len(held_rows)
    assert (also["images"], also["held_out"], also["trained_on"]) == (30, held, 30 - held)
    assert also["copies"] == mixing.copies_for(2000, 30 - held, mixing.WEIGHT)
    assert also["before"] is None  # nothing was at --out

    network = load(out_model)
    X = np.stack([prepare_image(p) for p in paths])
    assert also["held_out_accuracy"] == pytest.approx(network.score(X[held_rows], labels[held_rows]))
    assert network.metadata["own_digits"]["images"] == 30
    assert network.metadata["own_digits"]["held_out_accuracy"] == also["held_out_accuracy"]

    code, out, err = run(capsys, *argv)  # again: the first model is now the one before
    assert code == 0, err
    again = json.loads(out.splitlines()[-1])["also"]
    assert again["before"]["held_out_accuracy"] == also["held_out_accuracy"]
    assert again["before"]["test_accuracy"] == pytest.approx(also["test_accuracy"])

    code, out, err = run(capsys, *argv[:-1])
    assert code == 0 and "your held-out digits:" in out and "MNIST test accuracy:" in out and "before" in out


@pytest.fixture
def stopped_also(capsys, tmp_path, labelled, small_mnist_folder, monkeypatch):
    """An --also training of 3 epochs stopped by Ctrl-C in its second: (its --out, its argv)."""
    import digitnet.training as training

    real_run_epoch, calls = training._run_epoch, []

    def run_epoch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_run_epoch(*args)

    out_model = tmp_path / "stopped.npz"
    argv = ["train", "--data", small_mnist_folder, "--epochs", 3, "--seed", 4, "--out", out_model, "--also", labelled,
            "--json"]
    monkeypatch.setattr(training, "_run_epoch", run_epoch)
    code, _, err = run(capsys, *argv)
    monkeypatch.setattr(training, "_run_epoch", real_run_epoch)
    assert code == 130 and "--resume" in err, err
    return out_model, argv


def test_a_stopped_also_training_resumes_with_the_same_digits_held_out_and_ends_as_an_unbroken_one(
        capsys, tmp_path, stopped_also):
    out_model, argv = stopped_also
    code, out, err = run(capsys, "train", "--resume", "--out", out_model, "--json")
    assert code == 0, err
    resumed = json.loads(out.splitlines()[-1])["also"]
    unbroken_model = tmp_path / "unbroken.npz"
    code, out, err = run(capsys, *[unbroken_model if arg == out_model else arg for arg in argv])
    assert code == 0, err
    unbroken = json.loads(out.splitlines()[-1])["also"]
    assert (resumed["held_out"], resumed["copies"]) == (unbroken["held_out"], unbroken["copies"])
    assert resumed["held_out_accuracy"] == unbroken["held_out_accuracy"]
    for a, b in zip(load(out_model).weights, load(unbroken_model).weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_resuming_refuses_an_also_folder_changed_since_and_a_plain_training_does_not_take_its_checkpoint(
        capsys, stopped_also, labelled, mnist, small_mnist_folder):
    out_model, argv = stopped_also
    code, _, err = run(capsys, "train", "--data", small_mnist_folder, "--epochs", 3, "--seed", 4, "--out", out_model)
    assert code == 2 and one_sentence(err) and "unfinished training" in err
    first = sorted((labelled / "0").iterdir())[0]
    renamed = first.rename(first.with_name(first.stem + "b.png"))  # the same images in the same order, one renamed
    code, _, err = run(capsys, "train", "--resume", "--out", out_model)
    assert code == 2 and one_sentence(err) and "changed since this training started" in err
    renamed.rename(first)
    save_digit(labelled / "9" / "new.png", mnist[1].X[mnist[1].labels == 9][0])
    code, _, err = run(capsys, "train", "--resume", "--out", out_model)
    assert code == 2 and one_sentence(err) and "changed since this training started" in err


def test_info_says_which_own_digits_a_model_was_trained_with(capsys, tmp_path, labelled, small_mnist_folder):
    out_model = tmp_path / "mine.npz"
    code, _, err = run(capsys, "train", "--data", small_mnist_folder, "--epochs", 1, "--out", out_model, "--also",
                       labelled, "--hold-out", 0)
    assert code == 0, err
    code, out, err = run(capsys, "info", "--model", out_model)
    assert code == 0 and f"own digits  30 of the 30 in {labelled} mixed in" in out and "0 held out" in out, out
    code, out, _ = run(capsys, "info", "--model", out_model, "--json")
    assert json.loads(out)["own_digits"]["held_out_accuracy"] is None
