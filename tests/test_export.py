"""ONNX export: onnxruntime, running the exported graph, gives ``predict_proba``'s numbers; the command's bad inputs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from digitnet import Network  # noqa: E402
from digitnet.cli import main  # noqa: E402
from digitnet.cli.export import NEEDS_ONNX  # noqa: E402
from digitnet.export import IR_VERSION, OPSET, export_onnx, to_onnx  # noqa: E402
from digitnet.optimizers import SGD, Adam  # noqa: E402
from digitnet.storage import load  # noqa: E402
from digitnet.training import train  # noqa: E402

TOLERANCE = 3e-5  # max abs difference of the graph's probabilities from predict_proba's and the float64 oracle's
# float32 is good to a few 1e-6 here, but how far depends on the weights, and the weights on the CPU the training
# ran on (AVX-512, AVX2 and NumPy round the sums differently). Measured over seeds 0-4 x {AVX-512, AVX2 compiled
# for Haswell and for Zen 3, NumPy}: the seed recipe's graph up to 9.3e-6 from predict_proba (Haswell, seed 0),
# any graph up to 1.56e-5 from the float64 oracle (the unregularised twin, Haswell, seed 2). An export that got
# a weight, a bias or an activation wrong is off by 1e-3 or more.
# The conftest's trained_network (3 epochs of SGD at rate 3, no L2) has first-layer sums z of up to 180 (the
# sum of |x w| reaching 370), so float32 itself is only good to about 1e-5 there: its predict_proba is
# 1.3e-5 away from the same network's in float64, and onnxruntime's float32 (which adds in another order)
# 1.4e-5 away from it (up to 1.66e-5 over the CPUs above).
UNREGULARISED_TOLERANCE = 4e-5


def run_onnx(path, X):
    """(probabilities, digit) from onnxruntime for the rows of X."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities", "digit"], {"image": np.asarray(X, dtype=np.float32)})


def in_float64(network):
    """The same network, weights and all, computing in float64: the oracle."""
    twin = Network(**{**network.config(), "dtype": "float64"})
    twin.vector[...] = network.vector
    return twin


def assert_runs_as_predict_proba(network, X, path, tolerance=TOLERANCE):
    """The exported graph's outputs against predict_proba (within ``tolerance``), its float64 oracle
    (within TOLERANCE) and predict; return the max abs difference from predict_proba."""
    export_onnx(network, path)
    probabilities, digit = run_onnx(path, X)
    expected = network.predict_proba(X)
    assert probabilities.dtype == np.float32 and probabilities.shape == expected.shape
    assert digit.dtype == np.int64 and digit.shape == (len(X),)
    difference = float(np.abs(probabilities - expected).max())
    assert difference < tolerance
    assert np.abs(probabilities - in_float64(network).predict_proba(X)).max() < TOLERANCE
    # the digit is predict's, but where two classes tie to float32 rounding
    predicted = network.predict(X)
    rows = np.flatnonzero(digit != predicted)
    assert np.all(np.abs(expected[rows, digit[rows]] - expected[rows, predicted[rows]]) < tolerance)
    return difference


@pytest.fixture(scope="module")
def twins(mnist):
    """Networks trained for an epoch on MNIST: relu + softmax (cross-entropy) by Adam, tanh + sigmoid (mse) by SGD."""
    train_set = mnist[0]
    relu = Network(activation="relu", cost="cross_entropy", seed=1)
    train(relu, train_set, optimizer=Adam(0.001), epochs=1, batch_size=16, rng=np.random.default_rng(1))
    tanh = Network(activation="tanh", seed=2)
    train(tanh, train_set, optimizer=SGD(0.3), epochs=1, batch_size=10, rng=np.random.default_rng(2))
    return {"relu+softmax": relu, "tanh": tanh}


# the graph against predict_proba on all 10,000 MNIST test images

@pytest.mark.training
def test_the_seed_recipes_network_runs_in_onnxruntime_as_predict_proba_on_all_test_images(mnist, tmp_path):
    from digitnet.recipes import get_recipe, train_recipe

    train_set, test = mnist
    assert len(test) == 10_000
    recipe = get_recipe("seed").with_changes(epochs=4)  # the seed recipe (L2, cosine), shortened
    network = recipe.network(seed=0)
    train_recipe(network, recipe, train_set, rng=np.random.default_rng(0))
    assert network.score(test.X, test.labels) > 0.92  # seeds 0-4 x {avx512, haswell, znver3, numpy}: 0.9407-0.9504
    assert_runs_as_predict_proba(network, test.X, tmp_path / "seed.onnx")


@pytest.mark.training
def test_a_network_trained_without_l2_runs_in_onnxruntime_to_float32s_own_precision(trained_network, mnist,
                                                                                     tmp_path):
    assert_runs_as_predict_proba(trained_network, mnist[1].X, tmp_path / "plain.onnx",
                                 tolerance=UNREGULARISED_TOLERANCE)


@pytest.mark.training
@pytest.mark.parametrize("kind", ["relu+softmax", "tanh"])
def test_relu_softmax_and_tanh_networks_run_in_onnxruntime_as_predict_proba(twins, kind, mnist, tmp_path):
    network = twins[kind]
    # trained, not a random start; seeds 0-4 x {avx512, haswell, znver3, numpy}: relu+softmax 0.9278-0.9384,
    # tanh 0.9073-0.9258
    assert network.score(mnist[1].X, mnist[1].labels) > 0.85
    assert_runs_as_predict_proba(network, mnist[1].X, tmp_path / "twin.onnx")


@pytest.mark.training
def test_a_float64_network_is_exported_in_float32_and_still_agrees(trained_network, mnist, tmp_path):
    network = Network(dtype="float64")
    network.vector[...] = trained_network.vector
    network.vector[::7] += 1e-9  # digits a float32 cannot hold: the export rounds them
    assert_runs_as_predict_proba(network, mnist[1].X, tmp_path / "float64.onnx")
    model = onnx.load(tmp_path / "float64.onnx")
    assert {tensor.data_type for tensor in model.graph.initializer if tensor.name.startswith(("weight", "bias"))} \
        == {onnx.TensorProto.FLOAT}
    assert {p.key: p.value for p in model.metadata_props}["dtype"] == "float64"


@pytest.mark.parametrize("settings", [
    {"sizes": (784, 10)},
    {"sizes": (784, 64, 32, 16, 10), "activation": "relu"},
    {"sizes": (784, 30, 10), "activation": "tanh", "cost": "cross_entropy"},
    {"sizes": (784, 20, 10), "activation": "sigmoid", "output": "relu"},
    {"sizes": (784, 20, 10), "init": "normal"},
], ids=str)
def test_any_layer_sizes_activation_and_output_export(settings, mnist, tmp_path):
    assert_runs_as_predict_proba(Network(**settings), mnist[1].X, tmp_path / "any.onnx")


def test_inputs_and_outputs_of_any_width_export(tmp_path):
    network = Network((5, 4, 3), activation="relu")
    X = np.random.default_rng(0).random((50, 5))
    assert_runs_as_predict_proba(network, X, tmp_path / "small.onnx")


# the graph itself

def test_the_graph_has_one_input_two_outputs_and_an_open_batch_size(trained_network, tmp_path):
    model = to_onnx(trained_network)
    dims = lambda value: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]  # noqa: E731
    (image,) = model.graph.input
    assert image.name == "image" and image.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert dims(image) == ["N", 784]
    assert [(o.name, dims(o)) for o in model.graph.output] == [("probabilities", ["N", 10]), ("digit", ["N"])]
    assert model.graph.output[1].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)] and model.ir_version == IR_VERSION
    assert model.producer_name == "digitnet" and "784-16-16-10" in model.doc_string
    export_onnx(trained_network, tmp_path / "seed.onnx")
    for n in (1, 3):  # batches of any size
        probabilities, digit = run_onnx(tmp_path / "seed.onnx", np.zeros((n, 784)))
        assert probabilities.shape == (n, 10) and digit.shape == (n,)


def test_the_metadata_says_how_the_model_was_trained(trained_network):
    network = Network()
    network.vector[...] = trained_network.vector
    network.metadata = {"recipe": {"name": "seed", "epochs": 3}, "test_accuracy": 0.9213, "history": [{"epoch": 1}]}
    properties = {p.key: p.value for p in to_onnx(network).metadata_props}
    assert json.loads(properties["recipe"]) == {"name": "seed", "epochs": 3}
    assert float(properties["test_accuracy"]) == 0.9213
    assert properties["sizes"] == "784,16,16,10" and properties["activation"] == "sigmoid"
    assert "history" not in properties


def test_export_onnx_takes_a_string_path_and_replaces_a_file_whole(trained_network, tmp_path):
    out = tmp_path / "model.onnx"
    out.write_bytes(b"an older export, longer than nothing" * 1000)
    assert export_onnx(trained_network, str(out)) == out
    onnx.checker.check_model(onnx.load(out))
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]  # no temporary file left


def test_neither_the_core_nor_the_command_line_imports_onnx():
    code = ("import sys, digitnet.network, digitnet.storage, digitnet.training, digitnet.cli\n"
            "print(sorted(m for m in ('onnx', 'onnxruntime', 'digitnet.export') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# the command

def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err):
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("digitnet: ") and "Traceback" not in err


def test_the_command_exports_the_model_train_wrote(capsys, small_mnist_folder, tmp_path):
    model = tmp_path / "model.npz"
    code, _, err = run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1", "--out", str(model))
    assert code == 0, err
    out = tmp_path / "exported" / "digits.onnx"
    code, printed, err = run(capsys, "export", "--format", "onnx", "--model", str(model), "--out", str(out))
    assert code == 0 and err == "" and str(out) in printed
    exported = onnx.load(out)
    onnx.checker.check_model(exported, full_check=True)
    properties = {p.key: p.value for p in exported.metadata_props}
    trained = load(model)
    assert json.loads(properties["recipe"])["name"] == "seed"
    assert float(properties["test_accuracy"]) == trained.metadata["test_accuracy"]
    X = np.random.default_rng(0).random((20, 784))
    assert np.abs(run_onnx(out, X)[0] - trained.predict_proba(X)).max() < TOLERANCE


def test_the_command_finds_the_last_trained_model(capsys, small_mnist_folder, tmp_path):
    assert run(capsys, "train", "--data", str(small_mnist_folder), "--epochs", "1")[0] == 0
    code, _, err = run(capsys, "export", "--format", "onnx", "--out", str(tmp_path / "last.onnx"))
    assert code == 0, err
    onnx.checker.check_model(onnx.load(tmp_path / "last.onnx"))


@pytest.fixture
def saved(trained_network, tmp_path):
    """(model file, an existing file at --out whose bytes must survive a refused export)."""
    model = trained_network.save(tmp_path / "model.npz")
    out = tmp_path / "out.onnx"
    out.write_bytes(b"keep me")
    return model, out


def refused(capsys, *argv):
    """The one sentence a bad export gets (exit 2)."""
    code, printed, err = run(capsys, "export", *argv)
    assert code == 2 and printed == "" and one_sentence(err), err
    return err.strip()


def test_a_missing_model_is_refused(capsys, saved, tmp_path):
    _, out = saved
    err = refused(capsys, "--format", "onnx", "--model", str(tmp_path / "nope.npz"), "--out", str(out))
    assert "no model file at" in err and out.read_bytes() == b"keep me"


def test_no_trained_model_at_all_is_refused(capsys, tmp_path):
    err = refused(capsys, "--format", "onnx", "--out", str(tmp_path / "a.onnx"))
    assert "no trained model yet" in err and not (tmp_path / "a.onnx").exists()


def test_a_corrupt_model_is_refused(capsys, saved, tmp_path):
    _, out = saved
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip archive")
    err = refused(capsys, "--format", "onnx", "--model", str(corrupt), "--out", str(out))
    assert "is not a digitnet model or is damaged" in err and out.read_bytes() == b"keep me"


def test_an_unknown_format_is_refused(capsys, saved):
    model, out = saved
    err = refused(capsys, "--format", "tflite", "--model", str(model), "--out", str(out))
    assert "invalid choice: 'tflite'" in err and out.read_bytes() == b"keep me"


def test_out_a_folder_is_refused(capsys, saved, tmp_path):
    model, _ = saved
    err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(tmp_path))
    assert "is a folder" in err


def test_out_the_model_itself_is_refused(capsys, saved):
    model, _ = saved
    before = model.read_bytes()
    err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(model))
    assert "is the model file itself" in err and model.read_bytes() == before


def test_out_under_a_file_is_refused(capsys, saved):
    model, out = saved
    err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(out / "model.onnx"))
    assert "which is a file, not a folder" in err and out.read_bytes() == b"keep me"
    err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(out / "deeper" / "model.onnx"))
    assert "cannot create the folder" in err and out.read_bytes() == b"keep me"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root (and Windows) can write in a read-only folder")
def test_out_in_a_read_only_folder_is_refused(capsys, saved, tmp_path):
    model, _ = saved
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(folder / "a.onnx"))
    finally:
        folder.chmod(0o700)
    assert "cannot write in" in err


def test_a_failed_write_leaves_the_file_at_out_as_it_was(capsys, saved, monkeypatch):
    model, out = saved

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(out))
    assert "could not write" in err and "No space left on device" in err
    assert out.read_bytes() == b"keep me"
    assert sorted(p.name for p in out.parent.iterdir()) == ["model.npz", "out.onnx"]  # no temporary left


def test_without_the_onnx_package_the_command_says_how_to_get_it(capsys, saved, monkeypatch):
    model, out = saved
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now fails as if it were not installed
    monkeypatch.delitem(sys.modules, "digitnet.export")
    err = refused(capsys, "--format", "onnx", "--model", str(model), "--out", str(out))
    assert err == f"digitnet: {NEEDS_ONNX}" and out.read_bytes() == b"keep me"
