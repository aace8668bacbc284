import json
import os

import numpy as np
import pytest

import digitnet
from digitnet import Network
from digitnet.storage import ModelFileError


def test_a_saved_network_loads_back_with_its_weights_and_metadata(tmp_path):
    network = Network((784, 16, 16, 10), "relu", "cross_entropy", seed=5)
    network.vector[:] = np.random.default_rng(0).normal(size=network.n_params)
    network.metadata = {"recipe": {"name": "modern"}, "test_accuracy": 0.96}
    path = network.save(tmp_path / "model.npz")
    loaded = digitnet.load(path)
    assert np.array_equal(loaded.vector, network.vector)
    assert loaded.config() == network.config()
    assert loaded.metadata == {"recipe": {"name": "modern"}, "test_accuracy": 0.96}
    X = np.random.default_rng(1).random((4, 784))
    assert np.array_equal(loaded.predict_proba(X), network.predict_proba(X))


def test_the_file_loads_without_pickle_and_carries_json_metadata(tmp_path):
    path = Network().save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        metadata = json.loads(str(archive["metadata"]))
    assert metadata["config"]["sizes"] == [784, 16, 16, 10]


def test_a_failed_save_leaves_the_previous_model_in_place(tmp_path, monkeypatch):
    path = Network(seed=1).save(tmp_path / "model.npz")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError):
        Network(seed=2).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]  # no temporary file left behind


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "wrong_shape", "text"])
def test_a_damaged_model_file_gets_one_clear_error(tmp_path, damage):
    path = Network().save(tmp_path / "model.npz")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "text":
        path.write_text("hello")
    else:
        np.savez(path, weight_0=np.zeros(3), metadata=np.array(json.dumps({"format": "digitnet-model/1", "config": Network().config()})))
    with pytest.raises(ModelFileError, match="is not a digitnet model or is damaged"):
        digitnet.load(path)


def test_a_missing_model_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ModelFileError, match="no model file at .*digitnet train"):
        digitnet.load(tmp_path / "nothing.npz")


def _write_archive(path, metadata, **arrays):
    np.savez(path, metadata=np.array(json.dumps(metadata)), **arrays)
    return path


@pytest.mark.parametrize("metadata", [None, "hello", [1, 2], {"format": "digitnet-model/1", "config": "x"}])
def test_metadata_of_the_wrong_kind_is_refused(tmp_path, metadata):
    path = _write_archive(tmp_path / "model.npz", metadata, weight_0=np.zeros((2, 2)))
    with pytest.raises(ModelFileError, match="is not a digitnet model or is damaged"):
        digitnet.load(path)


def test_a_huge_configuration_is_refused_before_anything_is_allocated(tmp_path):
    config = {**Network().config(), "sizes": [100000, 100000, 100000, 10]}
    path = _write_archive(tmp_path / "model.npz", {"format": "digitnet-model/1", "config": config},
                          weight_0=np.zeros((2, 2)), bias_0=np.zeros(2))
    with pytest.raises(ModelFileError, match="is not a digitnet model"):
        digitnet.load(path)


def test_a_plain_npy_file_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    with open(path, "wb") as file:
        np.save(file, np.zeros(3))
    with pytest.raises(ModelFileError, match="is not a digitnet model"):
        digitnet.load(path)


def test_a_folder_given_as_a_model_is_named_as_a_folder(tmp_path):
    with pytest.raises(ModelFileError, match="is a folder, not a model file"):
        digitnet.load(tmp_path)


def test_metadata_cannot_overwrite_the_configuration(tmp_path):
    network = Network()
    network.metadata = {"config": {"sizes": [1, 2]}, "format": "other"}
    loaded = digitnet.load(network.save(tmp_path / "model.npz"))
    assert loaded.sizes == (784, 16, 16, 10)


def test_a_saved_model_is_readable_by_others_like_any_file(tmp_path):
    path = Network().save(tmp_path / "model.npz")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
