"""The core (network, training, data, storage) needs NumPy and the standard library only."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = ["digitnet", "digitnet.network", "digitnet.activations", "digitnet.costs", "digitnet.optimizers",
        "digitnet.descent", "digitnet.walks", "digitnet.minima", "digitnet.verdicts", "digitnet.training",
        "digitnet.recipes", "digitnet.storage", "digitnet.checkpoint",
        "digitnet.data.idx", "digitnet.data.mnist", "digitnet.data.download", "digitnet.data.augment",
        "digitnet.data.distort", "digitnet.data.mixing", "digitnet.home", "digitnet.scores", "digitnet.files", "digitnet.metadata", "digitnet.frozen"]
NOT_IN_CORE = ["matplotlib", "fastapi", "starlette", "uvicorn", "PIL", "tqdm", "sklearn", "onnx", "digitnet.cli"]
SOURCE = Path(__file__).parents[1] / "src" / "digitnet"


def test_importing_the_core_loads_no_plotting_web_image_or_cli_library():
    code = (f"import sys\nfor m in {CORE!r}: __import__(m)\n"
            f"print(sorted(m for m in {NOT_IN_CORE!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_core_neither_prints_nor_exits():
    for module in CORE:
        parts = module.split(".")[1:]
        path = SOURCE.joinpath(*parts).with_suffix(".py") if parts else SOURCE / "__init__.py"
        tree = ast.parse(path.read_text())
        calls = {node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                 for node in ast.walk(tree) if isinstance(node, ast.Call)}
        assert not calls & {"print", "exit"}, f"{path.name} calls {calls & {'print', 'exit'}}"


def test_the_readable_network_imports_nothing_of_the_fast_path():
    tree = ast.parse((SOURCE / "network.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{'.' * node.level}{node.module or ''}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"os", "collections.abc", "pathlib", "typing", "numpy", "numpy.typing", ".activations",
                        ".costs", ".storage"}, imported
