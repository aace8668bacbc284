"""digitnet show and report: the figures through the command line."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitnet.cli import main
from digitnet.viz import FIGURES


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def saved_model(trained_network, tmp_path):
    return trained_network.save(tmp_path / "model.npz")


def test_show_lists_every_figure_with_one_line_each(capsys):
    code, out, _ = run(capsys, "show")
    assert code == 0
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(FIGURES)
    assert len(lines) >= 5


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_show_draws_a_figure_into_the_file_asked_for(capsys, saved_model, tmp_path, suffix):
    out = tmp_path / f"weights{suffix}"
    code, printed, err = run(capsys, "show", "weights", "--model", str(saved_model), "--out", str(out))
    assert code == 0, err
    assert out.stat().st_size > 5000 and str(out) in printed
    if suffix == ".png":
        assert np.asarray(Image.open(out)).std() > 10  # not a blank page


def test_show_can_draw_the_users_own_digit(capsys, saved_model, tmp_path, mnist):
    image = tmp_path / "mine.png"
    Image.fromarray((255 - mnist[1].X[3].reshape(28, 28) * 255).astype(np.uint8)).resize((140, 140)).save(image)
    out = tmp_path / "neuron.png"
    code, _, err = run(capsys, "show", "neuron", "--model", str(saved_model), "--image", str(image), "--out", str(out))
    assert code == 0, err and out.exists()


@pytest.mark.parametrize("argv, message", [
    (["show", "weigths"], "unknown figure 'weigths'; choose one of:"),
    (["show", "weights", "--out", "w.gif"], "must end in .png, .svg, .pdf"),
    (["show", "weights"], "no trained model yet"),
    (["report"], "the following arguments are required: --out"),
    (["show", "bias", "--out", "/proc/digitnet/bias.png"], "cannot create the folder /proc/digitnet"),
])
def test_bad_figure_requests_get_one_sentence(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_report_writes_every_figure_and_a_page_that_walks_through_them(capsys, saved_model, tmp_path):
    import os

    folder = tmp_path / "handout"
    folder.mkdir()
    readers = []
    for name in ("index.html", "bias.png"):  # pipes where the page and a figure go: replaced, never written into
        os.mkfifo(folder / name)
        readers.append(os.open(folder / name, os.O_RDONLY | os.O_NONBLOCK))  # so a write into one would not hang
    code, out, err = run(capsys, "report", "--out", str(folder), "--model", str(saved_model), "--quick")
    for reader in readers:
        os.close(reader)
    assert code == 0, err
    assert (folder / "index.html").is_file() and (folder / "bias.png").is_file()
    page = (folder / "index.html").read_text()
    positions = [page.index(f'<img src="{name}.png"') for name in FIGURES]
    assert positions == sorted(positions)  # in the order of the slides
    for entry in FIGURES.values():
        assert (folder / f"{entry.name}.png").stat().st_size > 5000
        assert entry.paragraph.split(".")[0] in page.replace("&#x27;", "'").replace("&quot;", '"')


@pytest.fixture(scope="module")
def handout(trained_network, tmp_path_factory):
    """The folder of a quick report drawn from the trained network, and its index.html's text."""
    folder = tmp_path_factory.mktemp("handout")
    model = trained_network.save(folder / "model.npz")
    assert main(["report", "--out", str(folder / "out"), "--model", str(model), "--quick"]) == 0
    return folder / "out", (folder / "out" / "index.html").read_text()


def test_the_handout_follows_the_slides_section_by_section(handout):
    import html
    import re

    from digitnet.viz import SECTIONS

    _, page = handout
    headings = [html.unescape(h) for h in re.findall(r"<h2>\d+\. (.*?)</h2>", page)]
    assert headings == [heading for _, heading in SECTIONS]
    assert headings[:8] == ["A neuron is a number", "Layers: 784 → 16 → 16 → 10", "Weights and bias",
                            "13,002 parameters", "The cost", "Gradient descent", "Stochastic gradient descent",
                            "Backpropagation"]
    for entry in FIGURES.values():  # each figure inside its own section
        section = page[page.index(f'<section id="{entry.section}">'):]
        section = section[:section.index("</section>")]
        assert f'<img src="{entry.name}.png"' in section


def test_the_handout_says_which_way_round_w_is(handout):
    _, page = handout
    note = page[page.index("A note on notation"):]
    note = note[:note.index("</p>")]
    assert "(n<sub>in</sub>, n<sub>out</sub>)" in note and "transpose" in note and "weights[l][k, j]" in note


def test_the_handout_says_what_the_seed_recipe_adds_and_names_the_four_equations(handout):
    from digitnet.recipes import RECIPES

    _, page = handout
    seed = RECIPES["seed"]
    sgd = page[page.index('<section id="sgd">'):page.index('<section id="backprop">')]
    assert f"starts at {seed.learning_rate:g} and falls along a\ncosine" in sgd and f"{seed.epochs} epochs" in sgd
    assert f"&lambda; = {seed.weight_decay:g} (<em>L2</em> weight decay)" in sgd
    backprop = page[page.index('<section id="backprop">'):page.index('<section id="learned">')]
    for name in ("BP1", "BP2", "BP3", "BP4"):
        assert f"<strong>{name}</strong>" in backprop
    assert "A few draw\nsomething else, and say so" in page  # not every figure comes from the model


def test_the_handout_counts_the_steps_of_an_epoch_from_the_training_set(handout, mnist):
    _, page = handout
    assert f"{len(mnist[0]) // 10:,} steps for each pass over the {len(mnist[0]):,}" in page


def test_the_handout_shows_each_figure_at_its_natural_size_at_most_960_px_wide(handout):
    import re

    from digitnet.viz.style import DPI, HANDOUT_WIDTH

    folder, page = handout
    assert f"max-width: {HANDOUT_WIDTH}px" in page and "img { max-width: 100%; height: auto; outline" in page
    for name, width, height in re.findall(r'<img src="([\w-]+)\.png" alt="[^"]*" width="(\d+)" height="(\d+)"', page):
        with Image.open(folder / f"{name}.png") as image:
            assert image.size == (int(width), int(height)), name  # so the page knows the size before it loads
        assert int(width) == round(FIGURES[name].size[0] * DPI)


def test_the_filmstrip_can_be_an_animated_gif(capsys, saved_model, tmp_path):
    out = tmp_path / "film.gif"
    code, _, err = run(capsys, "show", "filmstrip", "--model", str(saved_model), "--out", str(out), "--quick")
    assert code == 0, err
    assert Image.open(out).n_frames == 3  # epochs 0 and 1 in quick mode, then the model's own sheet


def test_figures_that_need_no_model_are_drawn_without_one(capsys, tmp_path):
    out = tmp_path / "bias.png"
    code, _, err = run(capsys, "show", "bias", "--out", str(out))
    assert code == 0, err
    assert out.stat().st_size > 5000


def test_a_model_of_another_shape_is_refused_with_one_sentence(capsys, tmp_path):
    from digitnet import Network

    path = Network((784, 10)).save(tmp_path / "small.npz")
    code, _, err = run(capsys, "show", "weights", "--model", str(path), "--out", str(tmp_path / "w.png"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "drawn for the lesson's 784-16-16-10 network" in err and "784-10" in err


def test_an_out_that_is_a_folder_or_a_file_is_refused_before_drawing(capsys, saved_model, tmp_path):
    folder = tmp_path / "taken.png"
    folder.mkdir()
    code, _, err = run(capsys, "show", "weights", "--model", str(saved_model), "--out", str(folder))
    assert code == 2 and "is a folder" in err
    a_file = tmp_path / "report.txt"
    a_file.write_text("mine")
    code, _, err = run(capsys, "report", "--model", str(saved_model), "--out", str(a_file))
    assert code == 2 and "is a file" in err and a_file.read_text() == "mine"


def test_a_figure_that_cannot_be_written_gets_one_sentence(capsys, tmp_path, monkeypatch):
    import digitnet.viz.report as report

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "save_figure", full_disk)
    code, _, err = run(capsys, "show", "bias", "--out", str(tmp_path / "bias.png"))
    assert code == 2 and "could not write" in err and "No space left on device" in err


@pytest.mark.parametrize("command", ["show", "report"])
def test_a_file_that_cannot_be_read_while_drawing_is_named_not_blamed_on_out(capsys, tmp_path, monkeypatch, command,
                                                                             saved_model):
    import digitnet.viz.report as report

    gone = tmp_path / "scans" / "7" / "a.png"

    def reading_a_file_gone(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", str(gone))

    monkeypatch.setattr(report, "draw", reading_a_file_gone)
    out = tmp_path / ("bias.png" if command == "show" else "handout")
    argv = ["show", "bias"] if command == "show" else ["report", "--model", str(saved_model)]
    code, _, err = run(capsys, *argv, "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"could not read {gone}: No such file or directory" in err and "could not write" not in err, err


def test_a_figure_whose_folder_cannot_be_written_names_out(capsys, tmp_path, monkeypatch):
    import digitnet.files as files

    def refused(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(Path(dir) / ".bias.png.x.tmp"))

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    out = tmp_path / "bias.png"
    code, _, err = run(capsys, "show", "bias", "--out", str(out))
    assert code == 2 and f"could not write {out}: Permission denied" in err, err


def test_the_handout_names_the_data_the_model_was_trained_on(trained_network, tmp_path, viz_context):
    from digitnet.viz.report import _describe

    trained_network.metadata = {"data": "/data/fashion-mnist", "test_accuracy": 0.85}
    try:
        text = _describe(trained_network)
    finally:
        trained_network.metadata = {}
    assert "trained with digitnet on /data/fashion-mnist, 85.00% on the test set" in text
    assert "784-16-16-10 network of sigmoid neurons" in text
