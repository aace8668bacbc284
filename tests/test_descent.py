import re

import numpy as np
import pytest

from digitnet.descent import FUNCTIONS, simple_gd
from digitnet.walks import BOUNCE_POINTS, Kind, describe_walk, local_minima, valley_minimum


def test_a_small_learning_rate_converges_near_zero_on_x_squared():
    vector, path = simple_gd(lambda x: 2 * x, 10.0, 0.2)
    assert abs(vector) < 1e-4
    assert path[0] == 10.0 and len(path) > 2


def test_learning_rate_one_oscillates_between_plus_and_minus_ten():
    vector, path = simple_gd(lambda x: 2 * x, 10.0, 1.0, n_iter=6)
    assert path == [10.0, -10.0, 10.0, -10.0, 10.0, -10.0, 10.0]


def test_learning_rate_above_one_diverges():
    vector, path = simple_gd(lambda x: 2 * x, 10.0, 1.1, n_iter=20)
    assert abs(vector) > 10 * 10.0
    assert all(abs(b) > abs(a) for a, b in zip(path, path[1:]))


def test_vectors_keep_every_point_of_the_path_and_leave_start_alone():
    start = np.array([3.0, -4.0])
    vector, path = simple_gd(lambda v: 2 * v, start, 0.25, n_iter=3)
    assert start.tolist() == [3.0, -4.0]
    assert [p.tolist() for p in path] == [[3.0, -4.0], [1.5, -2.0], [0.75, -1.0], [0.375, -0.5]]
    assert np.allclose(vector, path[-1])


def test_it_stops_only_when_every_component_of_the_step_is_within_tolerance():
    # the first component settles at once, the second keeps moving
    gradient = lambda v: np.array([0.0, 2 * v[1]])  # noqa: E731
    vector, path = simple_gd(gradient, np.array([1.0, 1.0]), 0.1, n_iter=500, tolerance=1e-6)
    assert 1 < len(path) < 501
    assert abs(vector[1]) < 1e-4
    assert abs(path[-1][1] - path[-2][1]) <= 1e-6
    assert abs(path[-2][1] - path[-3][1]) > 1e-6


# -- the verdict on a walk ------------------------------------------------------------------------

QUARTIC = FUNCTIONS["quartic"]  # x^4 - 5x^2 - 3x, from 0
QUARTIC_MINIMA = sorted(r.real for r in np.roots([4, 0, -10, -3]) if 12 * r.real**2 - 10 > 0)  # f' = 0, f'' > 0


def walk(name, learn_rate, n_iter=50):
    """The verdict on simple_gd's walk down FUNCTIONS[name] from its start."""
    function = FUNCTIONS[name]
    start = function.start if function.dimensions == 1 else np.array(function.start)
    with np.errstate(all="ignore"):
        _, path = simple_gd(function.gradient, start, learn_rate, n_iter=n_iter)
    return describe_walk(function, path, n_iter)


def test_the_quartic_has_its_local_minima_near_minus_1_40_and_1_714():
    assert QUARTIC_MINIMA == pytest.approx([-1.4017712, 1.7139394], abs=1e-7)
    assert local_minima(QUARTIC.gradient, -3, 3) == pytest.approx(QUARTIC_MINIMA, abs=1e-9)
    assert local_minima(QUARTIC.gradient, 0, 1) == []


def test_the_valley_minimum_is_found_from_either_wall_and_not_on_a_slope_that_never_turns():
    assert valley_minimum(QUARTIC.gradient, 0.0) == pytest.approx(QUARTIC_MINIMA[1], abs=1e-9)
    assert valley_minimum(QUARTIC.gradient, 40.0) == pytest.approx(QUARTIC_MINIMA[1], abs=1e-9)
    assert valley_minimum(QUARTIC.gradient, -0.5) == pytest.approx(QUARTIC_MINIMA[0], abs=1e-9)
    assert valley_minimum(lambda x: 2 * x, 0.0) == 0.0
    assert valley_minimum(lambda x: -1.0, 3.0) is None


def test_a_walk_that_stops_at_the_bottom_settled_and_one_stopped_on_a_slope_stalled():
    settled, stalled = walk("square", 0.2), walk("square", 1e-9)
    assert settled.kind is Kind.SETTLED and settled.minimum == 0 and settled.steps < 50
    assert settled.summary == f"settled in the minimum at 0 after {settled.steps} steps"
    assert stalled.kind is Kind.STALLED and stalled.steps == 1 and stalled.slope == pytest.approx(20)
    assert stalled.sentence.startswith("Stopped after 1 step at 10, where f = 100: ")
    assert "tolerance 1e-6" in stalled.sentence and "too small" in stalled.sentence


def test_on_x_squared_rate_one_bounces_without_closing_in_and_a_larger_one_diverges():
    bouncing, diverging = walk("square", 1.0), walk("square", 1.1, n_iter=4)
    assert bouncing.kind is Kind.BOUNCING and bouncing.shrink is None
    assert bouncing.minimum == 0 and bouncing.span == (-10.0, 10.0)
    assert bouncing.summary == "still bouncing after 50 steps around the minimum at 0 (x between -10 and 10), " \
                               "in a cycle of 2 points, not closing in"
    assert bouncing.cycle == ((-10.0,), (10.0,))
    assert diverging.kind is Kind.DIVERGED and diverging.end == pytest.approx((10 * 1.2**4,))
    assert diverging.summary.startswith("diverging: each step longer than the last")


def test_a_small_rate_is_still_creeping_towards_the_minimum():
    creeping = walk("square", 0.02)
    assert creeping.kind is Kind.CREEPING and creeping.minimum == 0
    assert creeping.end == pytest.approx((10 * 0.96**50,))
    assert "still creeping downhill after 50 steps" in creeping.summary


@pytest.mark.parametrize("learn_rate", [0.05, 0.1, 0.13, 0.2])
def test_on_the_quartic_a_walk_settles_only_where_rate_times_curvature_is_below_two(learn_rate):
    verdict = walk("quartic", learn_rate)
    curvature = 12 * verdict.minimum**2 - 10
    assert verdict.minimum in [pytest.approx(m, abs=1e-9) for m in QUARTIC_MINIMA]
    if learn_rate * curvature > 2:  # each step overshoots the minimum by more than it started from
        assert verdict.kind is Kind.BOUNCING and verdict.shrink is None
        assert verdict.span[0] < verdict.minimum < verdict.span[1]
    else:
        assert verdict.kind in (Kind.SETTLED, Kind.NEARLY_SETTLED)
        assert abs(verdict.end[0] - verdict.minimum) < 1e-5


def quartic_path(learn_rate, n_iter=50):
    _, path = simple_gd(QUARTIC.gradient, QUARTIC.start, learn_rate, n_iter=n_iter)
    return path


def test_the_quartics_bouncing_walks_are_named_by_the_minimum_they_bounce_around_not_where_they_stop():
    left, right = walk("quartic", 0.2), walk("quartic", 0.1)
    for verdict, path, minimum in ((left, quartic_path(0.2), QUARTIC_MINIMA[0]),
                                   (right, quartic_path(0.1), QUARTIC_MINIMA[1])):
        last = path[-BOUNCE_POINTS:]
        assert verdict.end == (path[-1],) and verdict.span == (min(last), max(last))
        assert abs(path[-1] - minimum) > 0.01  # where it stopped is not the minimum it bounces around
        assert (f"around the minimum at {minimum:.4g} (x between {min(last):.4g} and {max(last):.4g})"
                in verdict.summary)
    assert right.sentence.startswith("Did not settle: after 50 steps it is still bouncing")


def test_the_bowls_zigzag_shrinks_by_one_minus_rate_times_its_curvature_across_the_valley():
    zigzag = walk("bowl", 0.095, n_iter=60)
    assert zigzag.kind is Kind.BOUNCING and zigzag.minimum is None and zigzag.span is None
    assert zigzag.shrink == pytest.approx(abs(1 - 0.095 * 20))
    assert "each step 0.9 of the last" in zigzag.summary


def test_rosenbrocks_small_steady_steps_are_creeping_not_nearly_settled():
    # its last steps are under 1e-3, but as long as the ones before: it has far to go
    creeping = walk("rosenbrock", 0.0001, n_iter=2000)
    assert creeping.last_step < 1e-3
    assert creeping.kind is Kind.CREEPING and np.hypot(creeping.end[0] - 1, creeping.end[1] - 1) > 1.5


def test_a_walk_cut_short_or_gone_to_infinity_diverged():
    capped = describe_walk(FUNCTIONS["square"], [[10.0], [-2e5], [1e6]], 50, diverged=True)
    assert capped.kind is Kind.DIVERGED and capped.sentence.startswith("Diverged: after 2 steps it was out at 1e6, too far to follow.")
    with np.errstate(all="ignore"):
        _, path = simple_gd(FUNCTIONS["rosenbrock"].gradient, np.array([-1.2, 1.0]), 0.1, n_iter=50)
    gone = describe_walk(FUNCTIONS["rosenbrock"], path, 50)
    assert gone.kind is Kind.DIVERGED and np.isfinite(gone.end).all() and gone.steps < 50


def test_a_nearly_settled_walk_says_how_its_steps_shrink_once():
    nearly = walk("quartic", 0.13)
    steps = np.abs(np.diff(quartic_path(0.13)))
    shrink = (steps[-1] / steps[-11]) ** (1 / 10)  # the geometric mean over its last ten steps
    assert nearly.kind is Kind.NEARLY_SETTLED and nearly.shrink == pytest.approx(shrink)
    assert nearly.sentence == (
        f"Nearly settled after 50 steps at {nearly.end[0]:.4g}, where f = {QUARTIC.f(nearly.end[0]):.4g}: "
        f"its last step was {steps[-1]:.4g}".replace("e-06", "e-6")
        + f", each step {shrink:.3g} of the last, so it would stop soon (below 1e-6).")


WALKS = [("square", 0.02, 50), ("square", 0.2, 50), ("square", 1e-9, 50), ("square", 1.0, 50),
         ("square", 0.999, 50), ("square", 1.1, 4), ("quartic", 0.05, 50), ("quartic", 0.13, 50),
         ("quartic", 0.2, 50), ("bowl", 0.095, 60), ("bowl", 0.02, 60), ("rosenbrock", 0.0001, 2000),
         ("rosenbrock", 0.1, 50)]


@pytest.mark.parametrize("name, learn_rate, n_iter", WALKS)
def test_no_walks_words_say_a_word_again_within_two_words(name, learn_rate, n_iter):
    verdict = walk(name, learn_rate, n_iter)
    for words in (verdict.summary, verdict.sentence):  # as in "and each is each step 0.77 of the last"
        assert not re.search(r"\b([a-z]+)\W+(?:\w+\W+)?\1\b", words), words


def test_a_walk_whose_steps_barely_shrink_never_says_each_step_is_1_of_the_last():
    for learn_rate in (0.999, 0.9999):  # each step |1 - 2 lr| of the last: 0.998, then 0.9998
        bouncing = walk("square", learn_rate)
        assert bouncing.kind is Kind.BOUNCING and bouncing.shrink == pytest.approx(abs(1 - 2 * learn_rate))
        assert "each step 1 of the last" not in bouncing.sentence + bouncing.summary
    assert "each step 0.998 of the last" in walk("square", 0.999).sentence
    assert "each step barely shorter than the last" in walk("square", 0.9999).sentence


def test_a_walk_simple_gd_stopped_on_its_tolerance_stopped_even_where_its_points_differ_by_more():
    # at 1000 the floats are 1.1e-13 apart: a step of 0.99e-12 lands 9 of them (1.02e-12) away
    tolerance, learn_rate = 1e-12, 0.99e-12 / 2000
    _, path = simple_gd(lambda x: 2 * x, 1000.0, learn_rate, n_iter=50, tolerance=tolerance)
    assert len(path) == 2 and abs(path[1] - path[0]) > tolerance
    stopped = describe_walk(FUNCTIONS["square"], path, 50, tolerance)
    assert stopped.kind is Kind.STALLED and stopped.sentence.startswith("Stopped after 1 step at 1000")
    out_of_steps = describe_walk(FUNCTIONS["square"], path, 1, tolerance)  # the same path, had n_iter been 1
    assert out_of_steps.kind is Kind.CREEPING


def test_a_walk_of_no_steps_has_not_moved():
    _, path = simple_gd(lambda x: 2 * x, 10.0, 0.1, n_iter=0)
    unmoved = describe_walk(FUNCTIONS["square"], path, 0)
    assert unmoved.kind is Kind.NOT_MOVED and unmoved.steps == 0
    assert unmoved.sentence == "Has not moved: it took no steps, so it is still at its start, 10, where f = 100."
    assert "creeping" not in unmoved.summary and "0 steps" not in unmoved.summary


def test_a_walk_whose_first_step_is_not_a_number_diverged_at_the_first_step():
    for gone in (np.nan, np.inf):
        lost = describe_walk(FUNCTIONS["square"], [10.0, gone], 50)
        assert lost.kind is Kind.DIVERGED and lost.steps == 0 and lost.end == (10.0,)
        assert lost.sentence.startswith("Diverged at the first step: from 10, where f = 100, it went to infinity")
        assert "longer than the last" not in lost.sentence and "0 steps" not in lost.sentence
    later = describe_walk(FUNCTIONS["square"], [10.0, -30.0, np.inf], 50)
    assert later.summary == "diverged at step 2: from -30 it went to infinity (or NaN)"


@pytest.mark.parametrize("path, n_iter, words", [([], 50, "an empty path"), ([10.0, 5.0, 2.5], 1, "at most 2 points"),
                                                 ([np.nan, 1.0], 50, "start at a finite point")])
def test_a_path_no_walk_of_simple_gd_could_take_is_refused_in_one_sentence(path, n_iter, words):
    with pytest.raises(ValueError, match=words) as refused:
        describe_walk(FUNCTIONS["square"], path, n_iter)
    assert str(refused.value).count(". ") == 0 and "\n" not in str(refused.value)


# -- verdicts from the whole path: cycles, the distance to the minimum, the gradient's size ------

def test_the_quartic_at_rate_0_1_is_bouncing_in_a_cycle_of_4_points_not_closing_in():
    path = quartic_path(0.1)
    cycling = walk("quartic", 0.1)
    assert np.allclose(path[-8:-4], path[-4:], atol=1e-7)  # the path itself repeats every 4 points...
    assert not np.allclose(path[-4:-2], path[-2:], atol=1e-2)  # ... and not every 2
    assert cycling.kind is Kind.BOUNCING and cycling.cycle == tuple((x,) for x in path[-4:])
    assert "bouncing in a cycle of 4 points, not closing in" in cycling.sentence
    assert "x = " + ", ".join(f"{x:.4g}" for x in path[-4:]) in cycling.sentence
    assert "in a cycle of 4 points, not closing in" in cycling.summary
    assert "only slowly" not in cycling.sentence


def test_a_walk_closing_in_by_a_zigzag_is_no_cycle():
    for name, rate, n_iter in (("quartic", 0.13, 50), ("bowl", 0.095, 60), ("bowl", 0.1, 50), ("square", 0.999, 50)):
        assert walk(name, rate, n_iter).cycle is None, (name, rate)


def test_rosenbrock_at_0_001_says_how_far_it_is_from_1_1_and_how_long_the_gradient_is():
    rosenbrock = FUNCTIONS["rosenbrock"]
    creeping = walk("rosenbrock", 0.001, n_iter=2000)
    x, y = creeping.end
    distance = np.hypot(x - 1, y - 1)
    gradient = np.hypot(*rosenbrock.gradient(np.array([x, y])))
    assert distance > 0.3 and creeping.kind is Kind.CREEPING
    assert creeping.goal == (1.0, 1.0) and creeping.distance == pytest.approx(distance)
    assert creeping.gradient_size == pytest.approx(gradient)
    assert f"{distance:.4g} from the minimum at (1, 1)" in creeping.sentence
    assert f"gradient of size {gradient:.4g}" in creeping.sentence
    assert "nearly settled" not in creeping.sentence.lower()


def test_a_walk_far_from_the_minimum_is_never_nearly_settled_however_fast_its_steps_shrink():
    # Rosenbrock at 0.001: its first steps drop into the valley, each far shorter than the last
    for n_iter in range(3, 40):
        verdict = walk("rosenbrock", 0.001, n_iter=n_iter)
        far = np.hypot(verdict.end[0] - 1, verdict.end[1] - 1)
        assert far > 1.5 and verdict.kind is not Kind.NEARLY_SETTLED, (n_iter, verdict.sentence)
        assert f"{far:.4g} from the minimum at (1, 1)" in verdict.sentence


def test_the_known_minima_are_where_the_gradient_is_zero():
    for name, function in FUNCTIONS.items():
        assert function.minima, name
        for point in function.minima:
            gradient = function.gradient(point[0]) if function.dimensions == 1 else function.gradient(np.array(point))
            assert np.allclose(gradient, 0, atol=1e-9), (name, point)
    assert [m[0] for m in QUARTIC.minima] == pytest.approx(QUARTIC_MINIMA, abs=1e-12)
