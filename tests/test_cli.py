"""The command line: its JSON contract, exit codes, and bad inputs that need a setup (the rest: test_bad_input.py)."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from digitnet import Network
from digitnet.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_sentence(err):
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("digitnet: ") and "Traceback" not in err


@pytest.fixture
def trained(capsys, small_mnist_folder, model_home):
    """A model trained by the command line on 2,000 MNIST digits, written to the default place."""
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "3", "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.training
def test_train_prints_one_json_object_per_epoch_and_a_final_one(trained, model_home):
    *epochs, final = trained
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert all(0 <= e["test_accuracy"] <= 1 and e["train_cost"] > 0 for e in epochs)
    assert final["epochs"] == 3 and final["parameters"] == 13002
    assert final["test_accuracy"] == epochs[-1]["test_accuracy"] > 0.5  # seeds 0-4 x {avx512, haswell, znver3, numpy}: 0.662-0.718
    assert final["model"] == str(model_home / "model.npz") and final["seconds"] > 0


@pytest.mark.parametrize("epochs, said", [("3", "(warmup_cosine, no warm-up in a run this short)"),
                                          ("10", "(warmup_cosine over 1 epoch)")])
def test_the_header_says_how_long_the_warm_up_is(capsys, small_mnist_folder, model_home, epochs, said):
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--recipe", "modern", "--epochs", epochs)
    assert code == 0, err
    assert said in out.splitlines()[0]


def test_evaluate_finds_the_last_trained_model_and_reports_the_confusion_matrix(trained, capsys, small_mnist_folder):
    code, out, _ = run(capsys, "evaluate", "--data", str(small_mnist_folder), "--json")
    report = json.loads(out)
    assert code == 0
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 500
    assert report["accuracy"] == pytest.approx(np.trace(confusion) / 500)
    assert report["accuracy"] == pytest.approx(trained[-1]["test_accuracy"])
    assert len(report["per_digit"]) == 10


def test_predict_reads_a_digit_image_and_gives_ten_probabilities(trained, capsys, mnist, tmp_path):
    _, test = mnist
    path = tmp_path / "digit.png"
    Image.fromarray((255 - test.X[0].reshape(28, 28) * 255).astype(np.uint8)).resize((200, 200)).save(path)
    code, out, _ = run(capsys, "predict", str(path), "--json")
    answer = json.loads(out)
    assert code == 0
    assert answer["file"] == str(path)
    assert len(answer["probabilities"]) == 10 and sum(answer["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert answer["digit"] == int(np.argmax(answer["probabilities"]))


def test_predict_gives_the_outputs_as_they_are_and_says_when_it_is_not_sure(trained, capsys, mnist, tmp_path):
    _, test = mnist
    digit, dot = tmp_path / "digit.png", tmp_path / "dot.png"
    Image.fromarray((255 - test.X[0].reshape(28, 28) * 255).astype(np.uint8)).resize((200, 200)).save(digit)
    paper = np.full((200, 200), 255, np.uint8)
    paper[95:105, 95:105] = 0  # one tap of a pen: no digit
    Image.fromarray(paper).save(dot)
    code, out, _ = run(capsys, "predict", str(digit), str(dot))
    assert code == 0 and "% sure" not in out  # a share of the outputs' sum is not how sure it is
    said_digit, said_dot = out.strip().splitlines()
    assert re.search(r": \d  \(output [01]\.\d\d, (sure|not sure: [^;]+(; [^;]+)*); outputs 0:\d\.\d\d 1:", said_digit)
    assert "not sure: " in said_dot and "ink for a digit" in said_dot  # a square blot, scaled up as digits are
    code, out, _ = run(capsys, "predict", str(dot), "--json")
    answer = json.loads(out)
    assert answer["sure"] is False and answer["not_sure_because"] and len(answer["outputs"]) == 10
    assert answer["digit"] == int(np.argmax(answer["outputs"]))


def test_predict_show_prints_the_28_by_28_numbers_the_network_sees(trained, capsys, mnist, tmp_path):
    _, test = mnist
    path = tmp_path / "digit.png"
    Image.fromarray((test.X[1].reshape(28, 28) * 255).astype(np.uint8)).save(path)
    code, out, _ = run(capsys, "predict", str(path), "--show")
    grid = [line.split() for line in out.splitlines()[1:]]
    assert code == 0 and len(grid) == 28 and all(len(row) == 28 for row in grid)
    values = np.array(grid, dtype=float)
    assert values.min() == 0.0 and values.max() == 1.0


def test_info_describes_the_model(trained, capsys):
    code, out, _ = run(capsys, "info", "--json")
    info = json.loads(out)
    assert code == 0
    assert info["sizes"] == [784, 16, 16, 10] and info["parameters"] == 13002
    assert info["recipe"]["name"] == "seed" and info["epochs"] == 3 and len(info["data_checksum"]) == 64


def test_train_out_writes_there_and_later_commands_find_it(capsys, small_mnist_folder, tmp_path):
    out_path = tmp_path / "models" / "mine.npz"
    code, _, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1",
                       "--recipe", "modern", "--out", str(out_path))
    assert code == 0, err
    code, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["model"] == str(out_path)
    assert json.loads(out)["activation"] == "relu"


def test_a_corrupt_model_gets_one_sentence(capsys, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run(capsys, "info", "--model", str(path))
    assert code == 2 and _one_sentence(err) and "is not a digitnet model or is damaged" in err


def test_a_corrupt_idx_file_gets_one_sentence(capsys, small_mnist_folder, tmp_path):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(small_mnist_folder, folder)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    code, _, err = run(capsys, "train", "--data", str(folder), "--epochs", "1")
    assert code == 2 and _one_sentence(err) and "the file is truncated; copy it again" in err


@pytest.mark.parametrize("kind", ["missing", "not_an_image", "blank", "truncated", "folder"])
def test_a_bad_image_gets_one_sentence_and_the_good_ones_are_still_read(trained, capsys, tmp_path, kind, mnist):
    good = tmp_path / "good.png"
    Image.fromarray((mnist[1].X[0].reshape(28, 28) * 255).astype(np.uint8)).save(good)
    bad = tmp_path / "bad.png"
    if kind == "not_an_image":
        bad.write_text("hello, I am text")
    elif kind == "blank":
        Image.new("L", (64, 64), 255).save(bad)
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[:40])
    elif kind == "folder":
        bad.mkdir()
    code, out, err = run(capsys, "predict", str(bad), str(good))
    assert code == 2
    assert _one_sentence(err), err
    assert "bad.png" in err
    assert out.startswith(f"{good}: ")


def test_a_model_for_other_images_is_refused_by_predict(capsys, tmp_path):
    path = Network((10, 4, 3)).save(tmp_path / "small.npz")
    image = tmp_path / "x.png"
    Image.new("L", (28, 28), 0).save(image)
    code, _, err = run(capsys, "predict", str(image), "--model", str(path))
    assert code == 2 and _one_sentence(err) and "reads 10 inputs" in err


def test_ctrl_c_during_training_keeps_the_last_finished_epoch(capsys, small_mnist_folder, model_home, monkeypatch):
    import digitnet.training as training

    real_run_epoch = training._run_epoch
    calls = []

    def run_epoch(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_run_epoch(*args)

    monkeypatch.setattr(training, "_run_epoch", run_epoch)
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "5", "--json")
    assert code == 130
    assert "kept the model of epoch 2" in err
    assert json.loads(out.splitlines()[-1])["epochs"] == 2
    from digitnet import load

    assert load(model_home / "model.npz").metadata["epochs"] == 2


@pytest.mark.parametrize("argv, rate", [
    (["--optimizer", "adam"], 0.001),
    (["--activation", "relu", "--cost", "cross_entropy"], 0.03),
    (["--activation", "relu", "--cost", "cross_entropy", "--optimizer", "momentum"], 0.003),
    (["--cost", "cross_entropy"], 0.3),
    (["--cost", "cross_entropy", "--learning-rate", "0.5"], 0.5),
    ([], 3.0),
])
def test_changing_the_setting_uses_a_learning_rate_that_suits_it(capsys, small_mnist_folder, argv, rate):
    code, _, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1", *argv)
    assert code == 0, err
    _, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["recipe"]["learning_rate"] == pytest.approx(rate)


def test_a_run_that_learns_nothing_says_so(capsys, small_mnist_folder):
    code, _, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1", "--learning-rate", "1e-6")
    assert code == 0
    assert "learned next to nothing" in err and "learning rate 1e-06" in err


def test_a_run_that_blows_up_in_its_first_epoch_does_not_report_it_as_a_result(capsys, small_mnist_folder, tmp_path):
    out_file = tmp_path / "blown.npz"
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "2", "--learning-rate", "1000", "--weight-decay", "0",
                         "--out", str(out_file))
    assert code == 2 and out_file.is_file()
    assert "\nNo epoch finished" in out and "the untrained network's test accuracy" in out, out
    assert "after 0 epochs" not in out
    assert "not made the model that predict, evaluate and info use" in err


def test_info_shows_what_it_can_of_partial_metadata(capsys, tmp_path):
    network = Network()
    network.metadata = {"epochs": 3, "trained_seconds": 1.5}
    path = network.save(tmp_path / "partial.npz")
    code, out, err = run(capsys, "info", "--model", str(path))
    assert code == 0, err
    assert "784 -> 16 -> 16 -> 10" in out and "accuracy" not in out


@pytest.mark.parametrize("argv, message", [
    (["--max-shift", "40"], "--max-shift 40 would move digits off their 28x28 image; use at most 7"),
    (["--sizes", "784,100000000,10"], "more than the 10,000,000 digitnet builds"),
    (["--validation", "2000"], "--validation 2000 would hold out all 2,000 training images; use at most 1,999"),
])
def test_settings_that_cannot_work_are_refused_before_training(capsys, small_mnist_folder, argv, message):
    code, _, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1", *argv)
    assert code == 2 and _one_sentence(err) and message in err


def test_data_with_fewer_classes_than_outputs_trains(capsys, tmp_path, mnist):
    from conftest import write_idx_folder

    train, test = mnist
    keep = train.labels[:3000] < 5
    keep_test = test.labels[:500] < 5
    folder = write_idx_folder(tmp_path / "five", np.round(train.X[:3000][keep] * 255).reshape(-1, 28, 28),
                              train.labels[:3000][keep], np.round(test.X[:500][keep_test] * 255).reshape(-1, 28, 28),
                              test.labels[:500][keep_test])
    code, _, err = run(capsys, "train", "--data", str(folder), "--epochs", "1")
    assert code == 0, err


def test_a_model_that_cannot_be_written_where_asked_is_saved_in_the_home_instead(capsys, small_mnist_folder,
                                                                                   tmp_path, model_home, monkeypatch):
    import digitnet.storage as storage

    real_save = storage.save
    target = tmp_path / "out" / "model.npz"

    def save(network, path):
        if path == target:
            raise OSError(28, "No space left on device")
        return real_save(network, path)

    monkeypatch.setattr(storage, "save", save)
    code, _, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1", "--out", str(target))
    assert code == 2
    assert "could not write" in err and "No space left on device" in err
    saved = list(model_home.glob("model-*.npz"))
    assert len(saved) == 1
    _, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["model"] == str(saved[0])


def test_a_far_too_large_learning_rate_stops_within_one_epoch_and_keeps_a_usable_model(capsys, mnist, tmp_path,
                                                                                        model_home):
    from conftest import write_idx_folder

    from digitnet import load

    train, test = mnist
    folder = write_idx_folder(tmp_path / "d", np.round(train.X[:6000] * 255).reshape(-1, 28, 28), train.labels[:6000],
                              np.round(test.X[:500] * 255).reshape(-1, 28, 28), test.labels[:500])
    code, out, err = run(capsys, "train", "--data", str(folder), "--epochs", "3", "--learning-rate", "100", "--json")
    assert code == 2
    assert _one_sentence(err) and "the network is stuck" in err and "learning rate far too large" in err
    final = json.loads(out.splitlines()[-1])
    assert final["stopped"] == "stuck" and final["epochs"] == 0
    model = load(final["model"])
    assert np.array_equal(model.vector, Network(seed=0).vector)  # the last good weights: the start
    assert "not made the model that predict, evaluate and info use" in err
    assert not (model_home / "last-model").exists()  # a model that learned nothing is not the one used next


def test_a_run_stopped_in_its_first_epoch_leaves_an_existing_model_alone(capsys, mnist, tmp_path, model_home):
    from conftest import write_idx_folder

    from digitnet import load

    train, test = mnist
    folder = write_idx_folder(tmp_path / "d", np.round(train.X[:6000] * 255).reshape(-1, 28, 28), train.labels[:6000],
                              np.round(test.X[:500] * 255).reshape(-1, 28, 28), test.labels[:500])
    assert run(capsys, "train", "--data", str(folder), "--epochs", "1")[0] == 0
    before = (model_home / "model.npz").read_bytes()
    code, _, err = run(capsys, "train", "--data", str(folder), "--epochs", "1", "--learning-rate", "100")
    assert code == 2 and "the network is stuck" in err and "was left as it was" in err
    assert (model_home / "model.npz").read_bytes() == before
    assert load(model_home / "model.npz").metadata["epochs"] == 1


def test_a_set_sorted_by_label_is_not_mistaken_for_a_stuck_network(capsys, mnist, tmp_path):
    from conftest import write_idx_folder

    train, test = mnist
    order = np.argsort(train.labels[:6000], kind="stable")
    folder = write_idx_folder(tmp_path / "sorted", np.round(train.X[:6000][order] * 255).reshape(-1, 28, 28),
                              train.labels[:6000][order], np.round(test.X[:500] * 255).reshape(-1, 28, 28),
                              test.labels[:500])
    code, out, err = run(capsys, "train", "--data", str(folder), "--epochs", "1", "--json")
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["stopped"] is None


def test_serve_on_a_port_in_use_gets_one_sentence(capsys, tmp_path):
    import socket

    path = Network().save(tmp_path / "model.npz")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "serve", "--model", str(path), "--port", str(port))
    assert code == 2 and _one_sentence(err) and f"cannot listen on 127.0.0.1:{port} (Address already in use)" in err


@pytest.mark.training
def test_validation_holds_out_the_last_training_images_and_reports_both_accuracies(capsys, small_mnist_folder,
                                                                                   model_home):
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "2", "--validation", "500",
                         "--json")
    assert code == 0, err
    *epochs, final = [json.loads(line) for line in out.splitlines()]
    assert all("validation_accuracy" in e and "test_accuracy" not in e for e in epochs)
    assert final["validation_accuracy"] == epochs[-1]["validation_accuracy"]
    # seeds 0-4 x {avx512, haswell, znver3, numpy}: test 0.42-0.48, validation 0.374-0.48
    assert 0.3 < final["test_accuracy"] < 1 and final["test_accuracy"] != final["validation_accuracy"]
    from digitnet.storage import load

    metadata = load(model_home / "model.npz").metadata
    assert metadata["validation"] == 500 and metadata["validation_accuracy"] == final["validation_accuracy"]
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1", "--validation", "500")
    assert code == 0 and "validation_accuracy=" in err + out and "Validation accuracy" in out and "test accuracy" in out
    code, out, err = run(capsys, "info")
    assert code == 0 and "the last 500 training images held out" in out


@pytest.mark.training
@pytest.mark.parametrize("recipe", ["slides", "softmax", "relu", "wide", "dropout", "best"])
def test_every_rung_of_the_ladder_trains_from_the_command_line(capsys, small_mnist_folder, recipe):
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--recipe", recipe, "--epochs", "2",
                         "--json")
    assert code == 0, err
    final = json.loads(out.splitlines()[-1])
    # 2 epochs on 2,000 digits, seeds 0-4 x {avx512, haswell, znver3, numpy}: slides 0.522-0.622, softmax 0.592-0.704,
    # relu 0.638-0.756, wide 0.85-0.88, dropout 0.832-0.852, best 0.814-0.84 (chance: 0.1)
    assert final["test_accuracy"] > 0.45, final
    assert final["parameters"] == (235_146 if recipe in ("wide", "dropout", "best") else 13_002)


@pytest.mark.parametrize("folder", ["small", "/dev", "/proc/self"])
def test_evaluate_follows_a_models_data_folder_only_where_it_holds_the_data_the_model_was_trained_on(
        capsys, tmp_path, small_mnist_folder, folder):
    network = Network()
    network.metadata = {"data": str(small_mnist_folder) if folder == "small" else folder, "data_checksum": "0" * 64}
    path = network.save(tmp_path / "m.npz")
    code, out, err = run(capsys, "evaluate", "--json", "--model", str(path))
    assert code == 0 and np.array(json.loads(out)["confusion"]).sum() == 10_000  # the bundled MNIST's test set
    assert "but that folder does not hold the data it was trained on; scoring on the bundled MNIST" in err


def test_evaluate_scores_a_model_on_the_data_it_was_trained_on_unless_told_otherwise(trained, capsys,
                                                                                    small_mnist_folder):
    code, out, err = run(capsys, "evaluate", "--json")
    assert code == 0 and np.array(json.loads(out)["confusion"]).sum() == 500  # the small folder's test images
    assert f"scoring on the test images of the data the model was trained on, {small_mnist_folder.resolve()}" in err
    code, out, _ = run(capsys, "evaluate", "--json", "--dataset", "mnist")
    assert code == 0 and np.array(json.loads(out)["confusion"]).sum() == 10_000


def _digitnet(*argv, timeout=60):
    """Run ``digitnet`` in a process of its own with ``argv`` as bytes (names need not be UTF-8)."""
    import os
    import subprocess
    import sys

    command = [os.fsencode(sys.executable), b"-m", b"digitnet", *(os.fsencode(arg) for arg in argv)]
    return subprocess.run(command, capture_output=True, timeout=timeout)


def test_a_model_name_that_is_not_utf8_is_saved_pointed_at_and_used(small_mnist_folder, tmp_path, model_home):
    out = tmp_path / "m\udcff.npz"  # the byte 0xff, as Python holds it in a file name
    done = _digitnet("train", "--data", str(small_mnist_folder), "--epochs", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert b"model saved to " + bytes(tmp_path) + b"/m\xff.npz" in done.stdout
    assert (model_home / "last-model").read_bytes() == bytes(out.resolve())
    for command in (("info",), ("info", "--json"), ("evaluate",)):
        used = _digitnet(*command)
        assert used.returncode == 0 and b"Traceback" not in used.stderr, used.stderr
    assert json.loads(_digitnet("info", "--json").stdout)["model"] == str(out.resolve())


def test_a_last_model_pointer_that_is_not_a_name_gets_one_sentence(model_home):
    model_home.mkdir(parents=True)
    (model_home / "last-model").write_bytes(b"\0\xff")
    done = _digitnet("info")
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1 and b"does not hold a model's name" in done.stderr


@pytest.mark.parametrize("command", [["predict", "{pipe}", "--model", "{model}"], ["info", "--model", "{pipe}"],
                                     ["show", "bias", "--image", "{pipe}", "--model", "{model}", "--out", "{out}"],
                                     ["evaluate", "--data", "{folder}", "--model", "{model}"]])
def test_a_pipe_named_as_a_file_is_refused_at_once_not_waited_on(tmp_path, command):
    import os

    pipe, folder = tmp_path / "pipe.png", tmp_path / "data"
    os.mkfifo(pipe)
    folder.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        os.mkfifo(folder / name)
    model = Network().save(tmp_path / "model.npz")
    names = {"pipe": pipe, "model": model, "folder": folder, "out": tmp_path / "b.png"}
    done = _digitnet(*(part.format(**names) for part in command), timeout=30)  # a hang fails here
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1, done.stderr
    assert b"is not a regular file but a pipe, a device or a socket" in done.stderr


def test_a_place_that_cannot_take_the_last_models_name_is_refused_before_training(capsys, small_mnist_folder,
                                                                                   model_home, tmp_path):
    (model_home / "last-model").mkdir(parents=True)
    code, out, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1")
    assert code == 2 and _one_sentence(err) and "is not a file (a folder, a pipe or a broken link)" in err
    assert "Training" not in out  # refused before, not after, the training


def test_a_digitnet_home_that_is_a_file_is_named_as_such(capsys, monkeypatch, tmp_path):
    (tmp_path / "home").write_text("not a folder")
    monkeypatch.setenv("DIGITNET_HOME", str(tmp_path / "home"))
    code, _, err = run(capsys, "train", "--epochs", "1")
    assert code == 2 and _one_sentence(err) and f"DIGITNET_HOME {tmp_path / 'home'} is not a folder but a file" in err
