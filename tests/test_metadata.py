"""A model's metadata: every field a command reads is checked by type and range as the file is read."""

import pytest

from digitnet import Network
from digitnet import load as digitnet_load
from digitnet.metadata import MetadataError, check_metadata, parse_metadata
from digitnet.recipes import RECIPES

EPOCH = {"epoch": 1, "learning_rate": 3.0, "train_cost": 0.1, "test_cost": 0.1, "test_accuracy": 0.9, "seconds": 1.0,
         "saturation": 0.2, "top_class_share": 0.1}
GOOD = {"recipe": RECIPES["seed"].as_dict(), "epochs": 1, "test_accuracy": 0.9, "validation": 0,
        "validation_accuracy": None, "data": "bundled MNIST", "data_checksum": "ab" * 32, "trained_seconds": 1.5,
        "trained_at": "2026-12-07T14:00:00+0000", "stopped": None, "version": "0.1.0", "history": [EPOCH]}


def test_the_metadata_train_writes_is_kept_whole():
    assert check_metadata(GOOD) == GOOD


@pytest.mark.parametrize("field, value", [
    ("test_accuracy", 10**400), ("test_accuracy", float("nan")), ("test_accuracy", float("inf")),
    ("test_accuracy", 1.5), ("test_accuracy", "high"), ("test_accuracy", True),
    ("stopped", ["x"]), ("stopped", "exploded"),
    ("history", {"epoch": 1}), ("history", [[1, 2, 3]]), ("history", [{**EPOCH, "train_cost": -1}]),
    ("history", [{**EPOCH, "seconds": 10**400}]), ("history", [EPOCH] * 10_001),
    ("history", [{**EPOCH, "train_cost": float("inf")}]), ("history", [{**EPOCH, "test_cost": 1e308}]),
    ("epochs", -1), ("epochs", 2.0), ("trained_seconds", 10**400), ("validation", 10**30),
    ("data", 3), ("data", "x" * 5000), ("data_checksum", "not hex!"), ("version", ["0.1"]),
    ("recipe", {"name": "seed"}), ("recipe", {**RECIPES["seed"].as_dict(), "learning_rate": 10**400}),
    ("recipe", {**RECIPES["seed"].as_dict(), "batch_size": 10**30}),
])
def test_a_field_of_the_wrong_type_or_out_of_range_is_named(field, value):
    with pytest.raises(MetadataError, match=f"its metadata's {field} is "):
        check_metadata({**GOOD, field: value})


def test_fields_digitnet_does_not_know_are_dropped_so_no_command_reports_them():
    checked = check_metadata({**GOOD, "sizes": [1, 2], "activation": "relu", "history": [{**EPOCH, "note": "x"}]})
    assert "sizes" not in checked and "activation" not in checked
    assert checked["history"] == [EPOCH]


SETTINGS = {"recipe": RECIPES["seed"].as_dict(), "seed": 0, "validation": 0, "data": None, "data_checksum": None,
            "history": [EPOCH], "seconds": 1.0}


@pytest.mark.parametrize("field, value", [
    ("seconds", 10**400), ("seconds", -1.0), ("seed", 2**64), ("seed", -1), ("validation", 10**30),
    ("recipe", {**RECIPES["seed"].as_dict(), "weight_decay": 1e308}), ("history", [{**EPOCH, "test_accuracy": None}]),
])
def test_a_checkpoints_settings_are_held_to_the_same_limits(field, value):
    part = {"epochs_done": 1, "rng": {}, "settings": {**SETTINGS, field: value}}
    with pytest.raises(MetadataError, match=f"its checkpoint's {field} is "):
        check_metadata({"checkpoint": part})


def test_a_checkpoint_whose_history_is_not_its_epochs_is_refused():
    part = {"epochs_done": 2, "rng": {}, "settings": SETTINGS}
    with pytest.raises(MetadataError, match="one entry per epoch done"):
        check_metadata({"checkpoint": part})


def test_save_refuses_to_write_metadata_that_load_would_refuse(tmp_path):
    network = Network()
    network.metadata = {"test_accuracy": float("nan")}
    with pytest.raises(ValueError):
        network.save(tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


@pytest.mark.parametrize("text", ['{"test_accuracy": NaN}', '{"history": [{"train_cost": 1e999}]}'.replace("1e999", "Infinity"),
                                  '{"trained_seconds": -Infinity}'])
def test_nan_and_infinity_are_refused_as_the_text_is_read(text):
    with pytest.raises(MetadataError, match="which is not a number any field may have"):
        parse_metadata(text)


def test_a_number_too_big_for_a_float_reads_as_infinity_and_is_refused_by_its_range():
    with pytest.raises(MetadataError, match="its metadata's history is"):
        check_metadata(parse_metadata('{"history": [{"epoch": 1, "train_cost": 1e999}]}'))


def test_the_history_of_the_longest_training_allowed_fits_in_a_model_file(tmp_path):
    network = Network()
    network.metadata = {**GOOD, "epochs": 10_000, "history": [{**EPOCH, "epoch": e + 1} for e in range(10_000)]}
    loaded = digitnet_load(network.save(tmp_path / "model.npz"))
    assert len(loaded.metadata["history"]) == 10_000


def test_save_refuses_control_characters_as_load_does(tmp_path):
    network = Network()
    network.metadata = {"data": "/data/\x1b[31mred"}
    with pytest.raises(MetadataError, match="digitnet will not write this model: its metadata holds control"):
        network.save(tmp_path / "model.npz")
