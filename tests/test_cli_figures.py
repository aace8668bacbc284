"""digitnet show and report: the figures through the command line."""

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
])
def test_bad_figure_requests_get_one_sentence(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_report_writes_every_figure_and_a_page_that_walks_through_them(capsys, saved_model, tmp_path):
    folder = tmp_path / "handout"
    code, out, err = run(capsys, "report", "--out", str(folder), "--model", str(saved_model), "--quick")
    assert code == 0, err
    page = (folder / "index.html").read_text()
    positions = [page.index(f'<img src="{name}.png"') for name in FIGURES]
    assert positions == sorted(positions)  # in the order of the slides
    for entry in FIGURES.values():
        assert (folder / f"{entry.name}.png").stat().st_size > 5000
        assert entry.paragraph.split(".")[0] in page.replace("&#x27;", "'").replace("&quot;", '"')


def test_the_filmstrip_can_be_an_animated_gif(capsys, saved_model, tmp_path):
    out = tmp_path / "film.gif"
    code, _, err = run(capsys, "show", "filmstrip", "--model", str(saved_model), "--out", str(out), "--quick")
    assert code == 0, err
    assert Image.open(out).n_frames == 3  # epochs 0, 1 and 2 in quick mode
