"""``digitnet export``: write a trained model in a format other tools run (ONNX, for onnxruntime)."""

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import EXIT_OK, UsageError, check_folder, check_out_file, load_model, same_file

FORMATS = ("onnx",)
NEEDS_ONNX = "ONNX export needs the onnx package; pip install onnx (in a clone: pip install -e '.[onnx]')"


def cmd_export(args: argparse.Namespace) -> int:
    export_onnx = _onnx_exporter()
    out = Path(args.out)
    network, model_path = load_model(args.model)
    if same_file(out, model_path):
        raise UsageError(f"--out {out} is the model file itself; give another name such as {out.with_suffix('.onnx')}")
    check_out_file(out, "model.onnx", suffix=".onnx")
    check_folder(out.parent, "--out")
    try:
        export_onnx(network, out)
    except OSError as error:
        raise UsageError(f"could not write {out} ({error.strerror or error}); any file already there "
                         f"is as it was; choose another --out") from None
    n_in, n_out = network.sizes[0], network.sizes[-1]
    rounded = ", weights rounded from float64" if network.dtype != "float32" else ""
    print(f"Wrote {out}: ONNX, input image float32 (N, {n_in}){rounded}; "
          f"outputs probabilities float32 (N, {n_out}) and digit int64 (N,)")
    return EXIT_OK


def _onnx_exporter() -> Callable[..., Any]:
    """``digitnet.export.export_onnx``, imported only now: the onnx package is an optional extra."""
    try:
        from ..export import export_onnx
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(("onnx", "google")):  # onnx, or the protobuf it needs
            raise
        raise UsageError(NEEDS_ONNX) from None
    return export_onnx
