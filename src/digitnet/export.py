"""Export a trained Network as an ONNX graph, for onnxruntime and the other tools that read ONNX.

The graph does what ``Network.predict_proba`` does, one node per step: for each layer
``z = a_prev W + b`` (MatMul, Add) and ``a = f(z)``; then a softmax output is taken as it
is, and any other output is divided by its row's sum (at least 1e-12). The batch size N is
left open:

  image          float32 (N, sizes[0])   the inputs digitnet reads: pixels 0..1, 0 the background
  probabilities  float32 (N, sizes[-1])  what ``Network.predict_proba`` returns
  digit          int64   (N,)            the class with the highest probability, as ``Network.predict``

A float64 network is exported in float32, each weight rounded to the nearest float32 (the
``dtype`` entry of the model's metadata keeps what it was trained in). Needs the ``onnx``
package (``pip install -e '.[onnx]'``); nothing in the core imports this module.
"""

import json
import os
from pathlib import Path
from typing import Union

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from . import __version__
from .activations import Activation
from .files import write_atomically
from .network import Network

OPSET = 17
IR_VERSION = 8  # the IR version that came with opset 17 (onnx 1.12); onnxruntime 1.12 and later read it
OPS = {"sigmoid": "Sigmoid", "relu": "Relu", "tanh": "Tanh", "softmax": "Softmax"}
TINY = 1e-12  # predict_proba's floor for the sum it divides by
# what the model's metadata says about its training, copied into the ONNX file when present
TRAINING_KEYS = ("recipe", "epochs", "test_accuracy", "validation", "validation_accuracy", "data",
                 "data_checksum", "trained_at", "stopped", "version")


def to_onnx(network: Network) -> onnx.ModelProto:
    """The ONNX model of ``network``: input ``image``, outputs ``probabilities`` and ``digit``, checked."""
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    last = len(network.weights) - 1
    a = "image"
    for l, (w, b, f) in enumerate(zip(network.weights, network.biases, network.layer_activations)):
        initializers.append(numpy_helper.from_array(np.asarray(w, dtype=np.float32), f"weight_{l}"))
        initializers.append(numpy_helper.from_array(np.asarray(b, dtype=np.float32), f"bias_{l}"))
        nodes.append(helper.make_node("MatMul", [a, f"weight_{l}"], [f"aW_{l}"], name=f"matmul_{l}"))
        nodes.append(helper.make_node("Add", [f"aW_{l}", f"bias_{l}"], [f"z_{l}"], name=f"add_{l}"))  # z = a_prev W + b
        a = "probabilities" if l == last and f.name == "softmax" else f"a_{l + 1}"
        nodes.append(_activation_node(f, f"z_{l}", a, name=f"{f.name}_{l}"))                   # a = f(z)
    if a != "probabilities":
        # as predict_proba: a / max(sum of the row, 1e-12)
        initializers.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "class_axis"))
        initializers.append(numpy_helper.from_array(np.array(TINY, dtype=np.float32), "tiny"))
        nodes.append(helper.make_node("ReduceSum", [a, "class_axis"], ["row_sum"], keepdims=1, name="row_sum"))
        nodes.append(helper.make_node("Max", ["row_sum", "tiny"], ["divisor"], name="floor"))
        nodes.append(helper.make_node("Div", [a, "divisor"], ["probabilities"], name="normalise"))
    nodes.append(helper.make_node("ArgMax", ["probabilities"], ["digit"], axis=1, keepdims=0, name="digit"))

    n_in, n_out = network.sizes[0], network.sizes[-1]
    graph = helper.make_graph(
        nodes, "digitnet", initializer=initializers,
        inputs=[helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", n_in])],
        outputs=[helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_out]),
                 helper.make_tensor_value_info("digit", TensorProto.INT64, ["N"])],
        doc_string=_description(network))
    model = helper.make_model(graph, producer_name="digitnet", producer_version=__version__,
                              opset_imports=[helper.make_opsetid("", OPSET)], doc_string=_description(network))
    model.ir_version = IR_VERSION
    helper.set_model_props(model, _properties(network))
    onnx.checker.check_model(model, full_check=True)
    return model


def export_onnx(network: Network, path: Union[str, "os.PathLike[str]"]) -> Path:
    """Write the ONNX model of ``network`` to ``path``; return the path.

    The file is written beside ``path`` under a temporary name and then renamed over it, so
    a file already there is either replaced whole or left as it was.
    """
    data = to_onnx(network).SerializeToString()
    return write_atomically(path, lambda file: file.write(data))


def _activation_node(f: Activation, z: str, a: str, name: str) -> onnx.NodeProto:
    if f.name not in OPS:
        raise ValueError(f"cannot export the activation {f.name!r} to ONNX; it knows: {', '.join(sorted(OPS))}")
    if f.name == "softmax":
        return helper.make_node("Softmax", [z], [a], axis=1, name=name)  # over each row's classes
    return helper.make_node(OPS[f.name], [z], [a], name=name)


def _description(network: Network) -> str:
    sizes = "-".join(map(str, network.sizes))
    return (f"digitnet network {sizes}: {network.activation.name} hidden neurons, {network.output.name} output, "
            f"cost {network.cost.name}. Input 'image' float32 (N, {network.sizes[0]}): pixels 0..1, 0 the background, "
            f"row by row. Outputs 'probabilities' float32 (N, {network.sizes[-1]}), as Network.predict_proba, "
            f"and 'digit' int64 (N,), the most probable class.")


def _properties(network: Network) -> dict[str, str]:
    """The metadata_props: the network's configuration, then how it was trained, as text (JSON when not a string)."""
    settings = {**network.config(), "sizes": ",".join(map(str, network.sizes))}
    settings.update({key: network.metadata.get(key) for key in TRAINING_KEYS})
    return {key: value if isinstance(value, str) else json.dumps(value)
            for key, value in settings.items() if value is not None}
