"""The learning-rate figure: one SGD run per rate, what each did, and which of them failed."""

import numpy as np
import pytest
from conftest import line_colors, lines_labelled, reads_as_sign
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digitnet.recipes import RECIPES
from digitnet.viz import FIGURES, rate
from digitnet.viz._training import Run, plateau_cost, sample_of
from digitnet.viz.style import figure_words


@pytest.fixture(scope="module")
def quick_sweep(mnist):
    train_set, test_set = mnist
    return rate.learning_rate_sweep(train_set, test_set, rate.QUICK_RATES, 10_000, 1)


def point(lr, costs, accuracy, top_share=0.2, failed=False):
    """A made-up result of the sweep for one rate."""
    run = Run(steps=list(range(len(costs))), costs=list(costs))
    return {"lr": lr, "run": run, "cost": costs[-1], "accuracy": accuracy, "top_share": top_share, "failed": failed}


@pytest.mark.training
def test_the_sweep_finds_a_good_rate_and_fails_at_the_largest(quick_sweep):
    best = max(quick_sweep, key=lambda point: point["accuracy"])
    # seeds 0-4 (the readable path, on every CPU alike): the best 0.848-0.875 at rate 1 or 3, the last 0.098-0.101
    assert best["accuracy"] > 0.8 and not best["failed"]
    assert 0.3 <= best["lr"] <= 10
    assert quick_sweep[-1]["failed"] and quick_sweep[-1]["accuracy"] < 0.15
    assert quick_sweep[-1]["top_share"] > 0.9  # one answer for (nearly) every image (seeds 0-4: 1.0)
    assert not quick_sweep[0]["failed"]  # the smallest is slow: on the plateau (cost 0.90), not stuck above it
    assert best["cost"] < min(point["cost"] for point in quick_sweep if point["failed"])


def test_the_words_for_a_rate_say_what_its_run_did():
    plateau = 0.9
    assert rate.rate_verdict(point(0.01, [3.1, 1.2, 0.895], 0.11, top_share=0.94), plateau) == \
        "reached the 0.90 plateau but no further: 11% on test, one answer for 94% of the images"
    assert rate.rate_verdict(point(0.001, [3.1, 3.0, 2.9], 0.1), plateau) == \
        "barely moved: cost 3.10 → 2.90, 10% on test"
    assert rate.rate_verdict(point(0.003, [3.1, 1.5, 1.3], 0.12), plateau) == \
        "still above the 0.90 plateau: cost 3.10 → 1.30, 12% on test"
    assert rate.rate_verdict(point(1, [3.1, 0.5, 0.12], 0.92), plateau) == "learned: cost 0.12, 92% on test"
    assert rate.rate_verdict(point(100, [3.1, 1.0], 0.1, top_share=1.0, failed=True), plateau) == \
        "failed: stuck at cost 1.00, above the plateau; 10% on test, one answer for 100% of the images"
    assert rate.rate_verdict(point(1000, [3.1, np.inf], 0.1, failed=True), plateau) == \
        "failed: the cost overflowed after 1 step"
    assert rate.rate_verdict(point(1000, [3.1, 2.0, np.inf], 0.1, failed=True), plateau) == \
        "failed: the cost overflowed after 2 steps"


def test_a_run_is_stuck_if_its_cost_stopped_falling_above_the_plateau():
    assert rate.stuck(point(100, [3.1] + [1.0] * 10, 0.1)["run"], 0.9)
    assert not rate.stuck(point(0.01, [3.1] + [0.9] * 10, 0.1)["run"], 0.9)  # on the plateau: slow, not stuck
    assert not rate.stuck(point(0.001, np.linspace(3.1, 1.3, 11), 0.1)["run"], 0.9)  # above it, but still falling


def test_the_good_rates_are_those_near_the_best():
    sweep = [point(lr, [1, 0.5], accuracy) for lr, accuracy in ((0.1, 0.7), (0.3, 0.88), (1, 0.92), (3, 0.9),
                                                                 (10, 0.5))]
    assert rate.good_rates(sweep) == (0.3, 3)
    sweep[1]["accuracy"] = 0.86
    assert rate.good_rates(sweep) == (1, 3)
    for near_best in sweep[2:4]:
        near_best["failed"] = True
    assert rate.good_rates(sweep) is None  # every rate near the best failed


def test_a_sweep_where_every_rate_failed_is_drawn_and_says_so():
    sweep = [point(lr, [3.1, np.inf], 0.1, top_share=1.0, failed=True) for lr in (1, 10, 100)]
    fig = Figure(figsize=(9.6, 4))
    ax_accuracy, ax_cost = fig.subplots(1, 2)
    rate._draw_sweep(ax_accuracy, ax_cost, sweep, 0.9, 3.0)
    FigureCanvasAgg(fig).draw()
    assert "within 5 points: none that did not fail" in figure_words(fig)
    (crosses,) = lines_labelled(ax_accuracy, "failed")
    assert list(crosses.get_xdata()) == [1, 10, 100]


def test_the_paragraph_claims_nothing_the_sweep_measures():
    paragraph = FIGURES["learning-rate"].paragraph
    assert "barely moved" not in paragraph and "0.3 to 3" not in paragraph
    assert "every sigmoid saturates" not in paragraph


@pytest.mark.training
def test_learning_rate_draws_one_marker_per_rate_and_its_own_mark_on_the_failed(drawn, quick_sweep):
    ax_accuracy, ax_cost, ax_curves = drawn("learning-rate").axes
    (accuracy,) = [line for line in ax_accuracy.get_lines() if line.get_marker() == "o" and line.get_linestyle() == "-"]
    np.testing.assert_allclose(accuracy.get_xdata(), rate.QUICK_RATES)
    np.testing.assert_allclose(accuracy.get_ydata(), [100 * point["accuracy"] for point in quick_sweep])
    (cost,) = [line for line in ax_cost.get_lines() if line.get_marker() == "o" and line.get_linestyle() == "-"]
    np.testing.assert_allclose(cost.get_ydata(), [point["cost"] for point in quick_sweep], rtol=1e-6)
    for ax in (ax_accuracy, ax_cost):
        (crosses,) = lines_labelled(ax, "failed")
        assert crosses.get_marker() == "X" != accuracy.get_marker()  # a shape of its own
        assert not reads_as_sign(crosses.get_color())  # blue and red mean + and -
        assert list(crosses.get_xdata()) == [point["lr"] for point in quick_sweep if point["failed"]]
        assert rate.QUICK_RATES[-1] in crosses.get_xdata()


@pytest.mark.training
def test_the_failure_marks_are_drawn_whole_inside_their_axes(drawn):
    fig = drawn("learning-rate")
    marked = [ax for ax in fig.axes if lines_labelled(ax, "failed")]
    assert len(marked) == 2  # accuracy and cost against the rate
    for ax in marked:
        (crosses,) = lines_labelled(ax, "failed")
        radius = crosses.get_markersize() * fig.dpi / 72 / 2
        for x, y in zip(crosses.get_xdata(), crosses.get_ydata()):
            px, py = ax.transData.transform((x, y))
            box = ax.get_window_extent()
            assert box.x0 <= px - radius and px + radius <= box.x1
            assert box.y0 <= py - radius and py + radius <= box.y1, f"the mark at rate {x:g} is cut by the axes"


@pytest.mark.training
def test_the_curves_say_what_each_rate_did_and_mark_the_recipes_rate(drawn, quick_sweep, mnist):
    fig = drawn("learning-rate")
    ax_accuracy, ax_cost, ax_curves = fig.axes
    plateau = plateau_cost(sample_of(mnist[0])[1])
    words = figure_words(fig)
    smallest = quick_sweep[0]
    assert f"rate {smallest['lr']:g} (the smallest): {rate.rate_verdict(smallest, plateau)}" in words
    assert "plateau but no further" in rate.rate_verdict(smallest, plateau)  # seeds 0-4: its cost ends 0.900-0.904
    best = max(quick_sweep, key=lambda point: point["accuracy"])
    (best_line,) = lines_labelled(ax_curves, f"rate {best['lr']:g} (best measured")
    np.testing.assert_allclose(best_line.get_ydata(), best["run"].costs)
    recipe_rate = RECIPES["seed"].learning_rate
    assert lines_labelled(ax_curves, f"rate {recipe_rate:g} (")[0].get_label().count("the seed recipe's") == 1
    for ax in (ax_accuracy, ax_cost):
        (mark,) = lines_labelled(ax, "the seed recipe's rate")
        assert list(mark.get_xdata()) == [recipe_rate, recipe_rate]
    assert not [(label, color) for label, color in line_colors(fig) if reads_as_sign(color)]
    low, high = rate.good_rates(quick_sweep)
    assert f"Best: {100 * best['accuracy']:.1f}% at rate {best['lr']:g}; within 5 points: {low:g} to {high:g}" in words
    assert "good" not in words and "too small" not in words
