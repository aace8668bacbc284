"""notebooks/tour.ipynb runs top to bottom, keeps the slides' sections in order, and draws in every one.

The notebook is executed with nbclient in a kernel of this very interpreter (a kernelspec
written to a temporary folder, so nothing is registered globally and a venv tests its own
digitnet), with the notebooks folder as its working directory, matplotlib's Agg backend, and
DIGITNET_HOME, IPython's and Jupyter's folders all in temporary ones.
"""

import json
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (nbclient depends on it)
from jupyter_client.manager import KernelManager  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TOUR = NOTEBOOKS / "tour.ipynb"
CELL_TIMEOUT = 300  # seconds; the whole notebook takes about 30 s on two cores
SECTIONS = [
    "1. A neuron is a number",
    "2. Layers: 784 → 16 → 16 → 10",
    "3. Weights: a weighted sum",
    "4. Bias and the sigmoid",
    "5. 13,002 parameters",
    "6. The cost: how wrong is the network?",
    "7. Gradient descent",
    "8. Stochastic gradient descent",
    "9. Backpropagation",
    "10. What it learned",
    "11. The learning rate",
]


def _section_heading(cell):
    """The text of a markdown cell's '## ' heading, or None."""
    if cell.cell_type != "markdown":
        return None
    match = re.match(r"##\s+(.+)", cell.source.lstrip())
    return match.group(1).strip() if match else None


def _sections(notebook):
    """[(heading, [code cells under it])], in order; cells before the first '## ' heading are left out."""
    sections = []
    for cell in notebook.cells:
        heading = _section_heading(cell)
        if heading is not None:
            sections.append((heading, []))
        elif cell.cell_type == "code" and sections:
            sections[-1][1].append(cell)
    return sections


def _images(cells):
    """How many image outputs the cells have."""
    return sum(1 for cell in cells for output in cell.get("outputs", [])
               if any(kind.startswith("image/") for kind in output.get("data", {})))


def _this_interpreter_kernel(folder):
    """A KernelManager for "python3" that runs ``sys.executable`` (a kernelspec in ``folder``, nowhere else)."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (digitnet tests)",
        "language": "python",
    }))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


@pytest.fixture(scope="module")
def stored():
    """The notebook as stored in the repository."""
    return nbformat.read(TOUR, as_version=4)


@pytest.fixture(scope="module")
def executed(stored, tmp_path_factory):
    """The notebook after running it top to bottom, and the seconds that took."""
    folder = tmp_path_factory.mktemp("notebook")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MPLBACKEND", "Agg")
        env.setenv("DIGITNET_HOME", str(folder / "digitnet-home"))
        env.setenv("IPYTHONDIR", str(folder / "ipython"))
        env.setenv("JUPYTER_RUNTIME_DIR", str(folder / "jupyter-runtime"))
        notebook = nbformat.from_dict(json.loads(json.dumps(stored)))  # a copy: the stored one stays clean
        client = nbclient.NotebookClient(notebook, km=_this_interpreter_kernel(folder), kernel_name="python3",
                                         timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(NOTEBOOKS)}})
        started = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - started
    return notebook, seconds


def test_the_notebook_is_stored_clean_as_nbformat_4_for_the_python3_kernel(stored):
    nbformat.validate(stored)
    assert stored.nbformat == 4
    assert stored.metadata.kernelspec.name == "python3"
    for cell in stored.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} has outputs stored"


def test_the_sections_follow_the_slides_in_order(stored):
    assert [heading for heading, _ in _sections(stored)] == SECTIONS


def test_every_section_has_code(stored):
    for heading, cells in _sections(stored):
        assert cells, f"section {heading!r} has no code"


def test_the_notebook_runs_top_to_bottom_without_an_error(executed):
    notebook, seconds = executed
    print(f"tour.ipynb ran in {seconds:.1f} s")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            errors = [output for output in cell.outputs if output.output_type == "error"]
            assert not errors, f"cell {cell.id}: {errors[0].ename}: {errors[0].evalue}"
            assert cell.execution_count is not None, f"cell {cell.id} did not run"


def test_every_section_draws_at_least_one_figure(executed):
    notebook, _ = executed
    for heading, cells in _sections(notebook):
        assert _images(cells) >= 1, f"section {heading!r} produced no image"


def test_every_figure_of_the_lesson_cell_shows_an_image(executed):
    """A cell that calls show(...) for one of the lesson's figures gets an image of its own (not an empty figure)."""
    notebook, _ = executed
    for cell in notebook.cells:
        if cell.cell_type == "code" and re.search(r"^show\(", cell.source, re.MULTILINE):
            assert _images([cell]) >= 1, f"cell {cell.id} shows no image"
