"""The gradient-descent figure: simple_gd's own walks down small functions, and the core's verdict on each."""

import colorsys
import importlib
import re

import numpy as np
from conftest import reads_as_sign
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from digitnet.descent import FUNCTIONS, simple_gd
from digitnet.viz import FIGURES, descent
from digitnet.viz.style import figure_words, text_problems
from digitnet.walks import Kind, describe_walk

_drawn: dict = {}  # the figure is drawn once for the whole module: it is deterministic


def drawn(panels=descent.PANELS):
    """The descent figure drawn with ``panels`` (the registered ones by default)."""
    key = repr(panels)
    if key not in _drawn:
        fig = Figure(figsize=FIGURES["descent"].size, layout="constrained")
        FigureCanvasAgg(fig)
        descent.make_descent(fig, None, panels=panels)
        fig.canvas.draw()
        _drawn[key] = fig
    return _drawn[key]


def words(fig):
    """The figure's words with the legend's wrapping undone: one space between words."""
    return " ".join(figure_words(fig).split())


def walk_of(panel, lr, n_iter):
    function = FUNCTIONS[panel.function]
    start = function.start if function.dimensions == 1 else np.array(function.start)
    _, path = simple_gd(function.gradient, start, lr, n_iter=n_iter)
    return path, describe_walk(function, path, n_iter)


def line_labelled(ax, start):
    (line,) = [line for line in ax.get_lines() if line.get_label().startswith(start)]
    return line


def plot_axes(fig):
    """The axes with the walks (left column), panel by panel."""
    return [ax for ax in fig.axes if ax.axison]


def test_descent_draws_simple_gds_own_paths_over_each_curve():
    fig = drawn()
    for ax, panel in zip(plot_axes(fig), descent.PANELS):
        function = FUNCTIONS[panel.function]
        for lr, n_iter in panel.runs:
            path, _ = walk_of(panel, lr, n_iter)
            line = line_labelled(ax, f"lr {lr}:")
            if function.dimensions == 1:
                np.testing.assert_allclose(line.get_xdata(), path)
                np.testing.assert_allclose(line.get_ydata(), function.f(np.array(path)))
            else:
                np.testing.assert_allclose(np.column_stack([line.get_xdata(), line.get_ydata()]), path)
        if function.dimensions == 2:
            assert ax.collections, "no contour lines"


def test_every_walks_words_are_the_cores_verdict_on_the_path_it_draws():
    said = words(drawn())
    for panel in descent.PANELS:
        for lr, n_iter in panel.runs:
            _, walk = walk_of(panel, lr, n_iter)
            assert f"lr {lr}: {walk.summary}" in said


def test_the_quartics_walks_say_they_bounce_around_their_minimum_not_where_they_stopped():
    said = words(drawn())
    assert "ends at -1.421" not in said and "ends at 1.285" not in said  # the old snapshots of the bouncing
    assert ("lr 0.2: still bouncing after 50 steps around the minimum at -1.402 (x between -1.631 and -0.8213), "
            "not steadily closing in") in said
    assert "lr 0.1: still bouncing after 50 steps around the minimum at 1.714" in said
    assert "lr 0.05: settled in the minimum at 1.714 after 15 steps" in said
    assert "local minima: -1.402, 1.714" in said


def test_the_paragraph_no_longer_says_two_rates_end_in_two_minima():
    paragraph = FIGURES["descent"].paragraph
    assert "two rates end in two different minima" not in paragraph
    assert "rate times the curvature" in paragraph


def test_the_paragraph_names_no_verdict_and_claims_no_stall_that_no_walk_drawn_makes():
    paragraph = FIGURES["descent"].paragraph
    assert [kind.value for kind in Kind if kind.value in paragraph] == []  # the verdicts are on the figure
    kinds = {walk.kind for panel in descent.PANELS for _, _, walk in descent.walks(panel)}
    if Kind.STALLED not in kinds:
        assert "stall" not in paragraph
    assert Kind.NEARLY_SETTLED in kinds  # the quartic at lr 0.13: drawn, so an enumeration would have to name it


def test_the_module_docstring_cites_describe_walk_where_it_is():
    cited = re.findall(r"``([\w.]*describe_walk)``", descent.__doc__)
    assert cited
    for name in cited:
        module, _, function = name.rpartition(".")
        assert getattr(importlib.import_module(module), function) is describe_walk


def test_the_words_change_when_the_walk_does():
    def said(runs):
        return words(drawn((descent.Panel("x⁴ − 5x² − 3x from 0", "quartic", runs, (-13, 12)),)))

    # the same rate, more steps: the walk that was still bouncing settles, and its words follow
    bouncing, settled = said(((0.14, 50),)), said(((0.14, 200),))
    assert "lr 0.14: still bouncing after 50 steps around the minimum at -1.402" in bouncing
    assert "settled" not in bouncing
    assert "lr 0.14: settled in the minimum at -1.402 after" in settled and "bouncing" not in settled
    # a smaller rate than the registered 0.2: it settles, in the other valley
    assert "lr 0.05: settled in the minimum at 1.714 after 15 steps" in said(((0.05, 50),))


def test_a_small_rate_creeps_and_a_large_one_diverges_on_x_squared():
    said = words(drawn())
    # on x² each step multiplies x by 1 - 2 lr: by 0.96 at lr 0.02, by -1.2 at lr 1.1
    assert f"lr 0.02: still creeping downhill after 50 steps: at {10 * 0.96**50:.4g}" in said
    assert "lr 1.0: still bouncing after 50 steps around the minimum at 0 (x between -10 and 10)" in said
    assert f"lr 1.1: diverging: each step longer than the last; at {10 * 1.2**4:.4g} after 4 steps" in said


def test_the_bowl_zigzags_closing_in_and_rosenbrock_creeps_far_from_its_minimum():
    bowl, rosenbrock = plot_axes(drawn())[2:4]
    zigzag = line_labelled(bowl, "lr 0.095:").get_ydata()
    assert np.all(np.sign(zigzag[1:8]) == -np.sign(zigzag[:7]))  # y changes sign every step
    said = words(drawn())
    assert "lr 0.095: still bouncing after 60 steps" in said and "each step 0.9 of the last" in said
    fast, slow = (line_labelled(rosenbrock, f"lr {lr}:") for lr in (0.002, 0.0001))
    assert np.hypot(fast.get_xdata()[-1] - 1, fast.get_ydata()[-1] - 1) < 0.25
    assert np.hypot(slow.get_xdata()[-1] - 1, slow.get_ydata()[-1] - 1) > 1.5
    assert "lr 0.0001: still creeping downhill after 2,000 steps" in said


def test_no_walk_is_drawn_in_green_or_in_a_signs_blue_or_red():
    for ax in plot_axes(drawn()):
        for line in ax.get_lines():
            if line.get_label().startswith("lr "):
                hue, _, saturation = colorsys.rgb_to_hls(*to_rgb(line.get_color()))
                assert not (saturation > 0.3 and 0.2 < hue < 0.45), f"{line.get_label()!r} in {line.get_color()}"
                assert not reads_as_sign(line.get_color()), f"{line.get_label()!r} in {line.get_color()}"


def test_the_figure_is_readable_in_the_handout():
    assert FIGURES["descent"].size[0] <= 9.6
    assert text_problems(drawn()) == []
