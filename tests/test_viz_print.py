"""Every figure of the handout can be read there: no text under 8 pt as shown, none cut off, one sign scheme."""

import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from digitnet.viz import FIGURES, SECTIONS, draw, register
from digitnet.viz.style import HANDOUT_WIDTH, MIN_POINTS, SIGN_CMAP, shown_scale, text_problems

_drawn: dict = {}  # each figure drawn once for this module's tests


@pytest.fixture
def drawn(viz_context):
    """``drawn(name)``: the figure ``name`` drawn from the quick context, once."""
    def drawn(name):
        if name not in _drawn:
            _drawn[name] = draw(name, viz_context)
        return _drawn[name]

    return drawn


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_text_of_the_figure_is_inside_the_image_and_readable_at_the_handouts_size(name, drawn):
    problems = text_problems(drawn(name))
    assert not problems, f"{name}: " + "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)"
                                                                   if len(problems) > 5 else "")


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_image_of_signed_numbers_uses_the_one_sign_scheme_centred_on_zero(name, drawn):
    """Blue positive, white zero, red negative, on every image of numbers that can be negative."""
    fig = drawn(name)
    for image in fig.findobj(AxesImage):
        data = np.asarray(image.get_array(), dtype=float)
        low, high = image.get_clim()
        if np.nanmin(data) < 0 or low < 0:
            assert image.get_cmap().name == SIGN_CMAP, f"{name}: a signed image drawn with {image.get_cmap().name}"
            assert low == pytest.approx(-high), f"{name}: a signed image's colours not centred on 0 ({low}, {high})"


def test_the_text_check_finds_small_and_cut_off_text():
    small = Figure(figsize=(8, 4))
    small.text(0.5, 0.5, "tiny", fontsize=MIN_POINTS / shown_scale(small) - 0.5)
    assert any("'tiny' is shown at" in problem for problem in text_problems(small))
    cut = Figure(figsize=(8, 4))
    cut.text(0.95, 0.5, "a long sentence that runs off the right edge", fontsize=12)
    assert any("reaches outside the image" in problem for problem in text_problems(cut))
    both = Figure(figsize=(8, 4))  # small text does not hide a line drawn off the page
    both.text(0.5, 0.5, "tiny", fontsize=3)
    both.add_artist(Line2D([0.5, 1.5], [0.5, 0.5], transform=both.transFigure))
    assert any("outside the image" in problem for problem in text_problems(both))
    hidden = Figure(figsize=(8, 4))  # tick labels of axes drawn with axis("off") are never shown
    ax = hidden.subplots()
    ax.set_xticks([0.5], ["tiny"], fontsize=3)
    ax.axis("off")
    assert text_problems(hidden) == []
    fine = Figure(figsize=(8, 4))
    fine.text(0.1, 0.5, "fine", fontsize=MIN_POINTS / shown_scale(fine) + 0.5)
    assert text_problems(fine) == []


def test_a_wide_figure_is_shrunk_to_the_handouts_width():
    wide, narrow = Figure(figsize=(20, 4)), Figure(figsize=(6, 4))
    assert shown_scale(wide) == pytest.approx(HANDOUT_WIDTH / (20 * 96))
    assert shown_scale(narrow) == pytest.approx(110 / 96)


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_has_a_one_line_summary_and_a_short_paragraph(name):
    entry = FIGURES[name]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry.paragraph) if s]
    assert entry.summary and "\n" not in entry.summary
    assert 2 <= len(sentences) <= 6


def test_every_section_of_the_lesson_has_a_figure():
    assert {entry.section for entry in FIGURES.values()} == {key for key, _ in SECTIONS}


def test_a_figure_registered_late_still_takes_its_sections_place():
    saved = dict(FIGURES)
    try:
        register("late-neuron", "a", "b. c.", section="neuron")(lambda fig, context: fig)
        register("late-last", "a", "b. c.", section=SECTIONS[-1][0])(lambda fig, context: fig)
        register("late-rate", "a", "b. c.", section="learning-rate")(lambda fig, context: fig)
        names = list(FIGURES)
        assert names.index("late-neuron") < names.index("layers") and names[-1] == "late-last"
        assert names.index("late-rate") < names.index("late-last") - 1  # before the last section's own figures
        assert names.index("late-neuron") == [entry.section for entry in FIGURES.values()].count("neuron") - 1
        with pytest.raises(ValueError, match="unknown section 'nowhere'; choose one of: neuron, layers"):
            register("lost", "a", "b. c.", section="nowhere")
    finally:
        FIGURES.clear()
        FIGURES.update(saved)
