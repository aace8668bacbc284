import io
import json
import os
import zipfile

import numpy as np
import pytest

import digitnet
from digitnet import Network
from digitnet.recipes import RECIPES
from digitnet.storage import ModelFileError, load


def test_a_saved_network_loads_back_with_its_weights_and_metadata(tmp_path):
    network = Network((784, 16, 16, 10), "relu", "cross_entropy", seed=5)
    network.vector[:] = np.random.default_rng(0).normal(size=network.n_params)
    network.metadata = {"recipe": RECIPES["modern"].as_dict(), "test_accuracy": 0.96}
    path = network.save(tmp_path / "model.npz")
    loaded = digitnet.load(path)
    assert np.array_equal(loaded.vector, network.vector)
    assert loaded.config() == network.config()
    assert loaded.metadata == {"recipe": RECIPES["modern"].as_dict(), "test_accuracy": 0.96}
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
        metadata = {"format": "digitnet-model/1", "config": Network().config()}
        np.savez(path, weight_0=np.zeros(3), metadata=np.array(json.dumps(metadata)))
    with pytest.raises(ModelFileError, match="is not a digitnet model or is damaged: .*; train a new one with"):
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
    with pytest.raises(ModelFileError, match=r"layer sizes 100000-100000-100000-10 make 20,001,200,010 "
                                             r"weights and biases, more than the 10,000,000 digitnet builds"):
        digitnet.load(path)


CONFIG = Network((2, 2)).config()
BAD_CONFIGS = [
    ({"sizes": [784]}, r"a network needs 2 to 100 layer sizes, each a whole number from 1 up, not \[784\]"),
    ({"sizes": [784, 0]}, r"not \[784, 0\]"),
    ({"sizes": [784, 1.5]}, r"not \[784, 1.5\]"),
    ({"sizes": [784, True]}, r"not \[784, True\]"),
    ({"sizes": "784,10"}, r"its sizes '784,10' are not a list"),
    ({"sizes": [1] * 101}, r"needs 2 to 100 layer sizes, each a whole number from 1 up, not 101 sizes"),
    ({"activation": "sigmod"}, "its activation 'sigmod' is not one of: relu, sigmoid, tanh"),
    ({"activation": ["relu"]}, r"its activation \['relu'\] is not one of"),
    ({"cost": 3}, "its cost 3 is not one of: mse, cross_entropy"),
    ({"output": "linear"}, "its output 'linear' is not one of: None, sigmoid, relu, tanh, softmax"),
    ({"dtype": "float16"}, "its dtype 'float16' is not one of: float32, float64"),
    ({"init": None}, "its init None is not one of: fan_in, normal"),
    ({"seed": -1}, r"its seed -1 is not a whole number from 0 to 2\*\*64 - 1"),
    ({"seed": "0"}, "its seed '0' is not a whole number"),
    ({"learning_rate": 3}, "its configuration has an unknown field 'learning_rate'"),
]


@pytest.mark.parametrize("change, message", BAD_CONFIGS)
def test_every_field_of_the_configuration_is_checked(tmp_path, change, message):
    path = _write_archive(tmp_path / "model.npz", {"format": "digitnet-model/1", "config": {**CONFIG, **change}},
                          weight_0=np.zeros((2, 2)), bias_0=np.zeros(2))
    with pytest.raises(ModelFileError, match=message):
        digitnet.load(path)


BAD_ARRAYS = [
    ({"weight_0": np.zeros((2, 3))}, r"weight_0 has shape \(2, 3\), not \(2, 2\) as its sizes say"),
    ({"weight_0": np.zeros((2, 2), np.int64)}, "weight_0 holds int64 values, not floats"),
    ({"weight_0": np.full((2, 2), np.inf)}, "weight_0 holds NaN or infinite values"),
    ({"bias_0": np.array(["a", "b"])}, "bias_0 holds <U1 values, not floats"),
    ({"bias_0": np.zeros(2, np.complex64)}, "'bias_0' holds 'complex64' values, not numbers"),
    ({"bias_0": np.array([1, "a"], dtype=object)}, "'bias_0' holds 'object' values, not numbers"),
    ({"bias_0": None}, "it has no bias_0"),
]


@pytest.mark.parametrize("change, message", BAD_ARRAYS)
def test_every_array_is_checked_against_the_configuration(tmp_path, change, message):
    arrays = {"weight_0": np.zeros((2, 2)), "bias_0": np.zeros(2), **change}
    arrays = {name: array for name, array in arrays.items() if array is not None}
    path = tmp_path / "model.npz"
    np.savez(path, metadata=np.array(json.dumps({"format": "digitnet-model/1", "config": CONFIG})), **arrays)
    with pytest.raises(ModelFileError, match=message):
        digitnet.load(path)


def _npy_header(shape, dtype="<f8"):
    """The bytes of a .npy file's header claiming ``shape``, without the data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _metadata_member(config=CONFIG):
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps({"format": "digitnet-model/1", "config": config})))
    return buffer.getvalue()


def test_an_array_whose_header_claims_a_huge_shape_is_refused_without_allocating_it(tmp_path):
    members = {"metadata.npy": _metadata_member(), "weight_0.npy": _npy_header((10**6, 10**6)) + bytes(32),
               "bias_0.npy": _npy_header((2,)) + bytes(16)}
    with pytest.raises(ModelFileError, match="'weight_0' holds 32 bytes of data, "
                                             "but its header says 8,000,000,000,000;"):
        digitnet.load(_zip(tmp_path / "model.npz", members))


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    members = {"metadata.npy": _metadata_member(), "weight_0.npy": bytes(200 * 2**20)}  # deflates to 200 KB
    path = _zip(tmp_path / "model.npz", members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    with pytest.raises(ModelFileError, match="its arrays hold 209,715,200 bytes, more than its configuration needs"):
        digitnet.load(path)


def test_an_archive_listing_a_hundred_thousand_members_is_refused_before_they_are_read(tmp_path):
    members = {f"m{i}": b"" for i in range(100_000)}
    with pytest.raises(ModelFileError, match="its zip archive lists far more members than a model has"):
        digitnet.load(_zip(tmp_path / "model.npz", members))


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000, "its metadata is nested too deeply"),
    ("{'format': 1}", "its metadata is not valid JSON"),
    (json.dumps({"format": "digitnet-model/1", "config": CONFIG, "version": "\x1b[2J"}),
     "its metadata holds control characters"),
    (json.dumps({"format": "digitnet-model/2", "config": CONFIG}),
     "its metadata does not say format 'digitnet-model/1'"),
])
def test_metadata_text_that_is_not_a_models_is_refused(tmp_path, text, message):
    path = tmp_path / "model.npz"
    np.savez(path, metadata=np.array(text), weight_0=np.zeros((2, 2)), bias_0=np.zeros(2))
    with pytest.raises(ModelFileError, match=message):
        digitnet.load(path)


def test_metadata_over_32_megabytes_is_refused_before_it_is_read(tmp_path):
    path = _write_archive(tmp_path / "model.npz", {"format": "digitnet-model/1", "config": CONFIG, "x": "a" * 2**23},
                          weight_0=np.zeros((2, 2)), bias_0=np.zeros(2))
    with pytest.raises(ModelFileError, match=r"its metadata is 33,55\d,\d{3} bytes, more than the 33,554,432 allowed"):
        digitnet.load(path)


def test_a_model_file_with_optimizer_arrays_as_a_checkpoint_keeps_them_still_loads(tmp_path):
    network = Network((3, 2))
    path = tmp_path / "model.npz"
    arrays = {f"weight_{l}": w for l, w in enumerate(network.weights)}
    arrays.update({f"bias_{l}": b for l, b in enumerate(network.biases)})
    np.savez(path, metadata=np.array(json.dumps({"format": "digitnet-model/1", "config": network.config()})),
             optimizer_t=np.array(3), optimizer_moment1_0=np.ones(8), optimizer_moment2_0=np.ones(8), **arrays)
    assert np.array_equal(digitnet.load(path).vector, network.vector)


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


def test_saving_removes_the_old_temporary_files_that_killed_writes_left_but_not_new_ones(tmp_path):
    import os
    import time

    old, new = tmp_path / ".model.npz.abc123.tmp", tmp_path / ".model.npz.def456.tmp"
    other = tmp_path / ".other.npz.abc123.tmp"
    for path in (old, new, other):
        path.write_bytes(b"half a model")
    an_hour_ago = time.time() - 3600
    for path in (old, other):
        os.utime(path, (an_hour_ago, an_hour_ago))
    Network(seed=0).save(tmp_path / "model.npz")
    assert not old.exists() and new.exists() and other.exists()


def test_saving_through_a_symlink_replaces_what_it_points_at_and_keeps_the_link(tmp_path):
    target = Network(seed=1).save(tmp_path / "real.npz")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    Network(seed=2).save(link)
    assert link.is_symlink() and load(target).seed == 2
