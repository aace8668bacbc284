"""notebooks/tour.ipynb runs top to bottom, keeps the slides' sections in order, and draws in every one.

It writes the network in plain NumPy (the forward pass, the SGD loop, backprop), and the executed
notebook shows each agreeing with digitnet to 1e-10, and the numbers a learner should see.

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
CELL_TIMEOUT = 300  # seconds; the whole notebook took 35 to 49 s here, two cores shared with other work
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


# ---- the network, written in plain NumPy in the notebook itself

PLAIN = {  # function: (the section that writes it, what its code must hold)
    "forward": ("4. Bias and the sigmoid", ["a @ W + b", "sigmoid(z)", "zs.append", "activations.append"]),
    "sgd_epoch": ("8. Stochastic gradient descent", ["rng.permutation", "batch_size", "-= eta *"]),
    "backprop": ("9. Backpropagation", ["# BP1", "# BP2", "# BP3", "# BP4", "forward("]),
}
AGREEMENT = re.compile(r"largest difference from digitnet's ([\w ]+?): ([0-9.]+e[-+]\d+)")
CHECKED = {"forward_trace": "forward", "backprop": "backprop", "SGD training": "sgd_epoch"}  # library: ours


def _definition(source, name):
    """The lines of ``def name(...)`` in a cell's source, up to the next line that is not indented, or None."""
    match = re.search(rf"^def {name}\(.*?(?=^\S|\Z)", source, re.MULTILINE | re.DOTALL)
    return match.group(0).rstrip().splitlines() if match else None


def _text(cell):
    """All a code cell printed."""
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output.output_type == "stream")


def _printed(notebook, heading):
    """All the code cells of the section called ``heading`` printed, joined."""
    return "".join(_text(cell) for name, cells in _sections(notebook) if name == heading for cell in cells)


@pytest.mark.parametrize("name", list(PLAIN))
def test_the_notebook_writes_each_part_of_the_network_in_about_ten_lines_of_plain_numpy(stored, name):
    heading, must_hold = PLAIN[name]
    cells = dict(_sections(stored))[heading]
    found = [lines for cell in cells if (lines := _definition(cell.source, name))]
    assert len(found) == 1, f"{name} is not written (once) in section {heading!r}"
    lines = [line for line in found[0] if line.strip()]
    assert len(lines) <= 14, f"{name} takes {len(lines)} lines, not about ten"
    body = "\n".join(lines)
    for words in must_hold:
        assert words in body, f"{name} does not hold {words!r}"
    assert "digitnet" not in body and "network" not in body, f"{name} calls the library instead of writing it"
    for equation in ("# BP1", "# BP2", "# BP3", "# BP4"):
        assert body.count(equation) <= 1, f"{equation} commented more than once"


def test_the_executed_notebook_shows_the_plain_network_agreeing_with_digitnet_to_1e_10(executed):
    notebook, _ = executed
    found = {}
    for heading, cells in _sections(notebook):
        for cell in cells:
            for library, difference in AGREEMENT.findall(_text(cell)):
                ours = CHECKED.get(library)
                assert ours, f"an agreement with {library!r}, which the notebook does not write"
                assert _definition(cell.source, ours) or heading == PLAIN[ours][0], \
                    f"{library} checked in section {heading!r}, away from where {ours} is written"
                found[library] = float(difference)
    assert set(found) == set(CHECKED), f"agreement shown only with {sorted(found)}"
    for library, difference in found.items():
        assert difference < 1e-10, f"the plain NumPy network differs from digitnet's {library} by {difference}"


def test_the_plain_network_trains_for_an_epoch_and_says_how_well_and_how_fast(executed):
    notebook, _ = executed
    match = re.search(r"one epoch of our plain NumPy network: ([\d,]+) steps of 10 digits in ([\d.]+) s; "
                      r"([\d.]+)% of the test digits right", _printed(notebook, "9. Backpropagation"))
    assert match, "the plain network's epoch is not reported"
    n_train = int(re.search(r"([\d,]+) training digits", _text(notebook.cells[1])).group(1).replace(",", ""))
    assert int(match.group(1).replace(",", "")) == n_train // 10


NUMBER = r"(-?[0-9.]+e[-+]\d+)"


def test_one_weights_chain_rule_is_worked_by_hand_and_agrees_with_backprop_and_finite_differences(executed):
    notebook, _ = executed
    printed = _printed(notebook, "9. Backpropagation")
    for factor in ("a_prev = ", "σ'(z) = a(1 - a) = ", "2(a - y) = ", "the ten paths to the cost:",
                   "dC/da_k = their sum"):
        assert factor in printed, f"the chain rule does not show {factor!r}"
    worked = re.findall(rf"by hand {NUMBER}, digitnet's backprop {NUMBER}, finite difference {NUMBER}", printed)
    assert len(worked) == 2, "one weight of the last layer and one of an earlier layer, worked by hand"
    for by_hand, library, finite in ([float(number) for number in row] for row in worked):
        assert by_hand != 0
        assert abs(by_hand - library) <= 1e-10 * abs(library)
        assert abs(by_hand - finite) <= 1e-6 * abs(by_hand)
    average, library = re.search(rf"their average {NUMBER}; digitnet's backprop on the batch {NUMBER}", printed).groups()
    assert float(average) == pytest.approx(float(library), rel=1e-10)


def test_a_small_step_lowers_the_cost_by_about_eta_times_the_squared_gradient(executed):
    notebook, _ = executed
    rows = re.findall(rf"η = ([0-9.]+)\s*: predicted drop {NUMBER}, measured {NUMBER}",
                      _printed(notebook, "7. Gradient descent"))
    assert rows, "the predicted and measured drops are not shown"
    eta, predicted, measured = min((float(a), float(b), float(c)) for a, b, c in rows)
    assert eta <= 0.01 and measured == pytest.approx(predicted, rel=0.02)


def test_the_gradients_sign_and_size_are_shown_for_the_ten_largest_components(executed):
    notebook, _ = executed
    printed = _printed(notebook, "7. Gradient descent")
    ranks = re.findall(r"^\s*(\d+)\. weights\[0\]\[(\d+), (\d+)\]: pixel \((\d+), (\d+)\)", printed, re.MULTILINE)
    assert [int(rank) for rank, *_ in ranks] == list(range(1, 11))
    for _, index, _, row, column in ranks:
        assert int(index) == 28 * int(row) + int(column)


def test_a_tiny_nudge_changes_the_cost_but_not_the_accuracy(executed):
    notebook, _ = executed
    nudges = re.findall(r"the cost changes by ([-+0-9.e]+), the accuracy by [-+0-9.]+% \(([-+]\d+) of",
                        _printed(notebook, "6. The cost: how wrong is the network?"))
    assert len(nudges) == 2  # seeds 0-4 (network and shuffle, one epoch): 0 answers changed for every nudge
    for cost_change, answers_changed in nudges:
        assert float(cost_change) != 0 and int(answers_changed) == 0


def test_sgd_shows_the_mini_batch_cosine_at_the_start_and_after_training_and_why_the_cost_is_averaged(executed):
    notebook, _ = executed
    printed = _printed(notebook, "8. Stochastic gradient descent")
    ranges = dict(re.findall(r"^\s*([\w ]+): one mini-batch of 10 against the full gradient, cosines from "
                             r"(-?[0-9.]+) to", printed, re.MULTILINE))
    assert set(ranges) == {"untrained", "after one epoch"}
    # the words say the mini-batches added up point downhill even where one alone barely does; over
    # network and shuffle seeds 0-4 (one epoch, as the notebook trains) the 200 averaged had cosines
    # 0.71 to 0.93 and one batch's median 0.11 to 0.22
    median, together = re.search(r"after one epoch: .*\(median (-?[0-9.]+)\); their 200 averaged: (-?[0-9.]+)",
                                 printed).groups()
    assert float(together) > max(float(median), 0.3)
    sizes = [float(size) for size in re.findall(r"a batch of\s+\d+: \|∇C\| of the mean cost ([0-9.]+)", printed)]
    assert len(sizes) == 2 and 0.5 < sizes[0] / sizes[1] < 2


def test_backprop_is_timed_against_13003_forward_passes(executed):
    notebook, _ = executed
    printed = _printed(notebook, "9. Backpropagation")
    assert re.search(r"all 13,003 forward passes would take [0-9.]+ s, [\d,]+ times as long as backprop", printed)


def test_the_recipe_says_its_steps_schedule_and_l2_where_it_trains(executed):
    notebook, _ = executed
    printed = _printed(notebook, "10. What it learned")
    n_train = int(re.search(r"([\d,]+) training digits", _text(notebook.cells[1])).group(1).replace(",", ""))
    assert f"= {n_train // 10:,} steps an epoch" in printed
    rates = re.search(r"learning rate along a cosine schedule, epoch by epoch: ([0-9., ]+)", printed)
    assert rates and rates.group(1).startswith("3.00")
    assert "L2 weight decay λ = 2" in printed
    accuracies = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)%", printed)]
    fell = [i + 2 for i, (before, after) in enumerate(zip(accuracies, accuracies[1:])) if after < before]
    for epoch in fell:
        assert f"epoch {epoch} ended worse than epoch {epoch - 1}" in printed
    if not fell:
        assert "every epoch ended better than the one before" in printed


def test_sgd_says_partly_uphill_only_where_the_smallest_cosine_printed_is_below_zero(executed):
    notebook, _ = executed
    printed = _printed(notebook, "8. Stochastic gradient descent")
    verdicts = re.findall(r"the smallest cosine (-?[0-9.]+), an angle of (\d+)°: (.*)", printed)
    assert len(verdicts) == 2, "the smallest cosine is not printed for the untrained and the trained network"
    for smallest, _, words in verdicts:
        if "partly uphill" in words:
            assert float(smallest) <= 0, f"'partly uphill' said where the smallest cosine is {smallest}"
        else:
            assert float(smallest) >= 0 and "none points uphill" in words
    # the words after it say "close to where all 20,000 do" at the start and "far from the full gradient"
    # (the median) after one epoch; the notebook's untrained network is seed 0 (cosines 0.94 to 0.99), and
    # over network and shuffle seeds 0-4 one epoch left a median of 0.11 to 0.22
    untrained = re.search(r"untrained: .*cosines from (-?[0-9.]+) to", printed).group(1)
    trained = re.search(r"after one epoch: .*\(median (-?[0-9.]+)\)", printed).group(1)
    assert float(untrained) > 0.8 and float(trained) < 0.5


def test_section_8s_words_claim_no_uphill_mini_batch_the_code_does_not_print(stored):
    words = " ".join(cell.source for cell in stored.cells if cell.cell_type == "markdown"
                     and cell.id.startswith("s8"))
    for found in re.finditer(r"uphill", words):
        before = " ".join(words[max(0, found.start() - 60):found.start()].split())
        assert "below 0" in before or "whether" in before, f"an unchecked claim: ...{before} uphill"


def _numbers(text):
    """The numbers written in ``text`` (20,000 and 0.01 as written), with the commas taken out."""
    return {number.replace(",", "") for number in re.findall(r"\d[\d,]*(?:\.\d+)?", text) if number[-1] != ","}


@pytest.mark.parametrize("figure", ["gd-vs-sgd", "learning-rate"])
def test_the_words_before_a_figure_that_trains_state_only_numbers_the_figure_itself_prints(executed, figure):
    """Such a figure trains on part of MNIST: the notebook prints from the figure's own words on how many
    digits and how long, and the text before it writes no number the figure does not."""
    notebook, _ = executed
    found = [(before, cell) for before, cell in zip(notebook.cells, notebook.cells[1:])
             if cell.cell_type == "code" and re.search(rf"^show\(\"{figure}\"", cell.source, re.MULTILINE)]
    assert len(found) == 1, f"{figure} is not shown once"
    before, cell = found[0]
    printed = _text(cell)
    assert re.search(r"[\d,]+ digits", printed), f"the {figure} cell does not print the figure's digits"
    unsaid = _numbers(before.source) - _numbers(printed)
    assert not unsaid, f"the text before {figure} writes {sorted(unsaid)}, which the figure does not say: {printed!r}"


def test_the_mistakes_are_shown_as_the_confusion_matrix_and_the_misread_digits(executed):
    notebook, _ = executed
    cells = dict(_sections(notebook))["10. What it learned"]
    for figure in ("mistakes", "misread"):
        shown = [cell for cell in cells if re.search(rf"^show\(\"{figure}\", trained\)", cell.source, re.MULTILINE)]
        assert len(shown) == 1, f"section 10 does not show {figure!r} of the trained network"
        assert _images(shown) >= len(re.findall(r"^show\(", shown[0].source, re.MULTILINE))


def test_a_weight_is_written_k_to_j_throughout(stored):
    """k: the neuron a weight comes from, j: the neuron it feeds (3Blue1Brown's and Nielsen's w_jk, our
    W[k, j]); the one weight of layer 1 whose neuron of layer 2 is already k comes from i."""
    for cell in stored.cells:
        for layer, first, second in re.findall(r"(?:\[(\w)\]|\bW)\[([ijk]), ([ijk])\]", cell.source):
            expected = ("i", "k") if layer == "1" else ("k", "j")
            assert (first, second) == expected, f"cell {cell.id}: [{first}, {second}] where [{', '.join(expected)}]"
        for pair in re.findall(r"\b([ijk]), ([ijk]) = |\(([ijk]), ([ijk])\) in ", cell.source):
            letters = tuple(letter for letter in pair if letter)
            assert letters == ("k", "j"), f"cell {cell.id} names a weight's neurons {letters}"
