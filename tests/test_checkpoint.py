"""Checkpoints: a training stopped at any moment, even by SIGKILL, goes on to the very result it would have had."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from digitnet import Network
from digitnet.checkpoint import CheckpointError, checkpoint_path, load_checkpoint, save_checkpoint
from digitnet.cli import main
from digitnet.optimizers import SGD, Adam, Momentum
from digitnet.storage import load
from digitnet.training import cosine_schedule, train

KILLS = int(os.environ.get("DIGITNET_KILLS", 20))  # SIGKILLs in the test below; set more for a longer run
EPOCHS = 12  # of the killed trainings


def _train(train_set, optimizer, epochs, rng, network=None, first_epoch=0, on_epoch=None):
    network = network or Network([784, 16, 16, 10], "relu", "cross_entropy", seed=1)
    train(network, train_set, optimizer=optimizer, epochs=epochs, batch_size=16, rng=rng,
          schedule=cosine_schedule(optimizer.lr, epochs), weight_decay=1.0, max_shift=1, dropout=0.1,
          on_epoch=on_epoch, first_epoch=first_epoch)
    return network


@pytest.mark.parametrize("make_optimizer", [lambda: SGD(0.5), lambda: Momentum(0.05), lambda: Adam(0.002)],
                         ids=["sgd", "momentum", "adam"])
def test_a_training_resumed_from_a_checkpoint_ends_where_an_unbroken_one_does(mnist, tmp_path, make_optimizer):
    train_set = mnist[0].take(1000)
    unbroken = _train(train_set, make_optimizer(), 4, np.random.default_rng(5))

    path = tmp_path / "run.checkpoint.npz"
    network, optimizer, rng = Network([784, 16, 16, 10], "relu", "cross_entropy", seed=1), make_optimizer(), \
        np.random.default_rng(5)

    def stop_after_two(result):
        save_checkpoint(path, network, optimizer, rng, result.epoch, {"note": "kept"})
        if result.epoch == 2:
            raise KeyboardInterrupt

    _train(train_set, optimizer, 4, rng, network, on_epoch=stop_after_two)
    saved = load_checkpoint(path)
    assert saved.epochs_done == 2 and saved.settings == {"note": "kept"}
    assert not np.array_equal(saved.network.vector, unbroken.vector)  # two epochs are left to do
    again = make_optimizer()
    again.set_state(saved.optimizer_state)
    resumed = _train(train_set, again, 4, saved.rng, saved.network, first_epoch=saved.epochs_done)

    np.testing.assert_array_equal(resumed.vector, unbroken.vector)


def test_a_checkpoint_loads_as_a_model_too(tmp_path):
    network = Network(seed=3)
    path = save_checkpoint(tmp_path / "c.npz", network, Adam(0.01), np.random.default_rng(0), 1, {})
    np.testing.assert_array_equal(load(path).vector, network.vector)


def _damaged_copies(tmp_path):
    """(what was done to it, path) for checkpoints each broken in one way."""
    network, rng = Network(seed=0), np.random.default_rng(0)
    adam = Adam(0.01)
    adam.set_state({"t": np.array(3), "moment1_0": np.zeros_like(network.vector),
                    "moment2_0": np.zeros_like(network.vector)})
    good = save_checkpoint(tmp_path / "good.npz", network, adam, rng, 2, {})
    cases = {"missing": tmp_path / "nothing-here.npz"}
    cases["not a file at all"] = tmp_path / "junk.npz"
    cases["not a file at all"].write_bytes(b"PK\x03\x04 nonsense")
    cases["truncated"] = tmp_path / "truncated.npz"
    cases["truncated"].write_bytes(good.read_bytes()[:5000])
    broken = {"a model, not a checkpoint": lambda m, a: (m.pop("checkpoint"), a),
              "a bad random state": lambda m, a: (m["checkpoint"]["rng"].update(state="x"), a),
              "a random state out of range": lambda m, a: (m["checkpoint"]["rng"]["state"].update(state=-1), a),
              "a random state too big": lambda m, a: (m["checkpoint"]["rng"]["state"].update(inc=2**200), a),
              "no epochs done": lambda m, a: (m["checkpoint"].update(epochs_done=0), a),
              "moments of the wrong shape": lambda m, a: (m, a.update(optimizer_moment1_0=np.zeros(3, np.float32))),
              "a NaN moment": lambda m, a: (m, a.update(optimizer_moment2_0=np.full_like(network.vector, np.nan))),
              "a negative step count": lambda m, a: (m, a.update(optimizer_t=np.array(-1)))}
    for name, damage in broken.items():
        with np.load(good, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        metadata = json.loads(str(arrays["metadata"]))
        damage(metadata, arrays)
        arrays["metadata"] = np.array(json.dumps(metadata))
        cases[name] = tmp_path / f"{len(cases)}.npz"
        np.savez(cases[name], **arrays)
    return cases


def test_every_damaged_checkpoint_is_refused_in_one_sentence(tmp_path):
    for name, path in _damaged_copies(tmp_path).items():
        with pytest.raises(CheckpointError) as refused:
            load_checkpoint(path)
        message = str(refused.value)
        assert str(path) in message and "\n" not in message and "--resume" in message, name


def test_resume_refuses_flags_that_would_change_the_training(tmp_path, capsys):
    code = main(["train", "--resume", "--epochs", "3", "--out", str(tmp_path / "m.npz")])
    assert code == 2 and "--epochs cannot be given with it" in capsys.readouterr().err


def test_resume_without_a_checkpoint_says_there_is_nothing_to_resume(tmp_path, capsys):
    code = main(["train", "--resume", "--out", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert code == 2 and "there is no checkpoint at" in err and "nothing to resume" in err


@pytest.fixture
def stopped(capsys, small_mnist_folder, tmp_path, monkeypatch):
    """A modern-recipe training of 4 epochs on 2,000 digits, stopped by Ctrl-C in its third epoch: its model path."""
    import digitnet.training as training

    real_run_epoch, calls = training._run_epoch, []

    def run_epoch(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_run_epoch(*args)

    out = tmp_path / "m.npz"
    monkeypatch.setattr(training, "_run_epoch", run_epoch)
    code = main(["train", "--data", str(small_mnist_folder), "--recipe", "modern", "--epochs", "4",
                 "--out", str(out), "--json"])
    monkeypatch.setattr(training, "_run_epoch", real_run_epoch)
    err = capsys.readouterr().err
    assert code == 130 and f"`digitnet train --resume --out {out}` goes on from epoch 2" in err
    return out


def _unbroken(small_mnist_folder, tmp_path, capsys):
    out = tmp_path / "unbroken.npz"
    assert main(["train", "--data", str(small_mnist_folder), "--recipe", "modern", "--epochs", "4",
                 "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    return load(out).vector


def test_the_same_training_started_again_goes_on_from_its_checkpoint(stopped, small_mnist_folder, tmp_path, capsys):
    code = main(["train", "--data", str(small_mnist_folder), "--recipe", "modern", "--epochs", "4",
                 "--out", str(stopped), "--json"])
    err = capsys.readouterr().err
    assert code == 0 and "stopped after epoch 2; going on from its checkpoint" in err
    assert load(stopped).metadata["epochs"] == 4 and not checkpoint_path(stopped).exists()
    np.testing.assert_array_equal(load(stopped).vector, _unbroken(small_mnist_folder, tmp_path, capsys))


def test_another_training_is_refused_where_an_unfinished_one_has_its_checkpoint(stopped, small_mnist_folder, capsys):
    before = checkpoint_path(stopped).read_bytes()
    code = main(["train", "--data", str(small_mnist_folder), "--epochs", "4", "--out", str(stopped)])
    err = capsys.readouterr().err
    assert code == 2 and _one_line(err)
    assert "an unfinished training (modern recipe, 2 of 4 epochs done) has its checkpoint at" in err
    assert checkpoint_path(stopped).read_bytes() == before  # nothing lost


def test_resume_refuses_other_data_than_the_training_started_with(stopped, tmp_path, mnist, capsys):
    from conftest import write_idx_folder

    train, test = mnist
    other = write_idx_folder(tmp_path / "other", np.round(train.X[2000:4000] * 255).reshape(-1, 28, 28),
                             train.labels[2000:4000], np.round(test.X[:500] * 255).reshape(-1, 28, 28),
                             test.labels[:500])
    before = checkpoint_path(stopped).read_bytes()
    code = main(["train", "--resume", "--out", str(stopped), "--data", str(other)])
    err = capsys.readouterr().err
    assert code == 2 and _one_line(err) and "was on other data" in err
    assert checkpoint_path(stopped).read_bytes() == before


def _one_line(err):
    return len(err.strip().splitlines()) == 1 and err.startswith("digitnet: ") and "Traceback" not in err


@pytest.mark.parametrize("edit", [
    lambda s: s.pop("history"), lambda s: s.update(validation="100"), lambda s: s.update(data=5),
    lambda s: s.update(seconds="x"), lambda s: s.update(history="x"), lambda s: s.update(seed=-1),
    lambda s: s["recipe"].update(optimizer="rmsprop"), lambda s: s["recipe"].update(schedule="step"),
    lambda s: s["recipe"].update(batch_size=0), lambda s: s["recipe"].update(batch_size=-4),
    lambda s: s["recipe"].update(dropout=1.5), lambda s: s["recipe"].update(max_shift=-1),
    lambda s: s["recipe"].update(activation="sigmoid"), lambda s: s["recipe"].update(epochs=1),
], ids=["no history", "validation text", "data number", "seconds text", "history text", "negative seed",
        "unknown optimizer", "unknown schedule", "batch 0", "negative batch", "dropout 1.5", "negative shift",
        "other activation", "fewer epochs than done"])
def test_a_hand_edited_checkpoint_is_refused_in_one_sentence_and_kept(stopped, edit, capsys):
    path = checkpoint_path(stopped)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    metadata = json.loads(str(arrays["metadata"]))
    edit(metadata["checkpoint"]["settings"])
    arrays["metadata"] = np.array(json.dumps(metadata))
    np.savez(path, **arrays)
    before = path.read_bytes()
    code = main(["train", "--resume", "--out", str(stopped)])
    err = capsys.readouterr().err
    assert code == 2 and _one_line(err) and "delete it and train again without --resume" in err, err
    assert path.read_bytes() == before


def test_adam_without_its_moments_is_refused(stopped, capsys):
    path = checkpoint_path(stopped)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files if not key.startswith("optimizer_")}
    np.savez(path, **arrays)
    code = main(["train", "--resume", "--out", str(stopped)])
    assert code == 2 and "is not a digitnet checkpoint or is damaged" in capsys.readouterr().err


def test_a_checkpoint_that_cannot_be_written_is_said_once_and_the_training_goes_on(small_mnist_folder, tmp_path,
                                                                                      capsys):
    out = tmp_path / "m.npz"
    checkpoint_path(out).mkdir()  # in the way of the checkpoint, as a full disk would be
    code = main(["train", "--data", str(small_mnist_folder), "--epochs", "3", "--out", str(out), "--json"])
    err = capsys.readouterr().err
    assert code == 0 and err.count("could not write the checkpoint") == 1, err
    assert load(out).metadata["epochs"] == 3


def test_ctrl_c_while_a_checkpoint_is_written_waits_until_it_is_whole(tmp_path):
    from digitnet.cli.resume import _ctrl_c_held

    path = tmp_path / "c.npz"
    with pytest.raises(KeyboardInterrupt):
        with _ctrl_c_held():
            os.kill(os.getpid(), signal.SIGINT)
            save_checkpoint(path, Network(seed=0), SGD(1.0), np.random.default_rng(0), 1, {})
    assert load_checkpoint(path).epochs_done == 1


def _command(out, folder, resume):
    flags = ["--resume"] if resume else ["--data", str(folder), "--epochs", str(EPOCHS), "--recipe", "modern"]
    return [sys.executable, "-m", "digitnet", "train", "--out", str(out), "--json", *flags]


def _run(command, kill_after=None):
    """Run the command; SIGKILL it after ``kill_after`` seconds if it is still running. True if it finished."""
    _run.started = time.time()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = process.communicate(timeout=kill_after if kill_after is not None else 120)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.communicate()
        return False
    assert process.returncode == 0, err
    return True


def test_training_killed_again_and_again_always_resumes_to_the_unbroken_result(tmp_path, small_mnist_folder):
    reference = tmp_path / "reference" / "model.npz"
    started = time.perf_counter()
    assert _run(_command(reference, small_mnist_folder, resume=False))
    duration = time.perf_counter() - started
    expected = load(reference).vector

    chooser, kills, lost, runs = random.Random(0), 0, [], 0
    while kills < KILLS:
        out = tmp_path / f"run-{runs}" / "model.npz"
        runs += 1
        saved_at = checkpoint_path(out)
        while True:
            moment = chooser.uniform(0.0, duration)
            finished = _run(_command(out, small_mnist_folder, resume=saved_at.exists()), kill_after=moment)
            if finished:
                break
            killed_at, kills = time.time(), kills + 1
            model = load(out) if out.exists() else None  # whatever moment it died at, the files are whole
            if saved_at.exists():
                assert load_checkpoint(saved_at).epochs_done >= 1
            elif model is not None and model.metadata["epochs"] == EPOCHS:
                lost.append(0.0)  # killed as it exited, with its model saved: nothing to do again
                break
            # the work lost: this run's, since it started or since it last wrote its checkpoint
            lost.append(killed_at - max(_run.started, saved_at.stat().st_mtime if saved_at.exists() else 0))
        np.testing.assert_array_equal(load(out).vector, expected)
        assert not saved_at.exists()  # a finished training leaves no checkpoint
    print(f"\n{kills} SIGKILLs over {runs} trainings of {duration:.1f} s each; every checkpoint loaded and every "
          f"training resumed to the unbroken result; work lost at a kill: at most {max(lost, default=0):.2f} s "
          f"(the start of the process included)")


def test_a_resumed_training_says_how_many_epochs_this_run_did(stopped, capsys):
    assert main(["train", "--resume", "--out", str(stopped)]) == 0
    out = capsys.readouterr().out
    assert "after 4 epochs (2 of them in this run, " in out


def test_saving_a_checkpoint_leaves_the_networks_own_metadata_alone(tmp_path):
    network = Network(seed=0)
    network.metadata = {"epochs": 7}
    save_checkpoint(tmp_path / "c.npz", network, SGD(1.0), np.random.default_rng(0), 1, {})
    assert network.metadata == {"epochs": 7}
    with pytest.raises(CheckpointError):  # so the model saved next is a model, not a checkpoint
        load_checkpoint(network.save(tmp_path / "m.npz"))


def test_one_training_owns_its_place_until_it_ends_however_it_ends(tmp_path, small_mnist_folder, capsys):
    out = tmp_path / "model.npz"
    first = subprocess.Popen(_command(out, small_mnist_folder, resume=False), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert json.loads(first.stdout.readline())["epoch"] == 1  # running, with a checkpoint written
        for again in (["--data", str(small_mnist_folder), "--epochs", str(EPOCHS), "--recipe", "modern"],
                      ["--resume"]):  # the same settings would "go on" from its checkpoint: refused too
            assert main(["train", "--out", str(out), *again]) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and f"another training is running for {out} right now" in err, err
        assert first.poll() is None  # and the first one goes on
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    # the killed training's lock went with it: its checkpoint resumes
    assert checkpoint_path(out).exists()
    assert main(["train", "--out", str(out), "--resume", "--json"]) == 0


def test_a_checkpoint_place_that_is_a_loop_of_links_is_named_as_such(tmp_path, capsys):
    out = tmp_path / "model.npz"
    checkpoint_path(out).symlink_to(checkpoint_path(out))
    assert main(["train", "--resume", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a symbolic link that leads round in a loop" in err, err


def test_a_file_system_that_cannot_lock_gets_one_sentence(tmp_path, capsys, monkeypatch, small_mnist_folder):
    import errno

    import digitnet.files

    def cannot(fd):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(digitnet.files, "_lock", cannot)
    out = tmp_path / "model.npz"
    assert main(["train", "--data", str(small_mnist_folder), "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "(No locks available), which keeps two trainings from writing" in err, err
    assert not out.exists()
