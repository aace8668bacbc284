"""The GD-vs-SGD figure: both walks from one start, the plateau they fall to, and the cost on a plane of their walks."""

import re

import numpy as np
import pytest
from conftest import line_colors, lines_labelled, reads_as_sign

from digitnet import Network
from digitnet.viz import sgd
from digitnet.viz._training import Run, copy_network, descend, sample_of
from digitnet.viz.style import figure_words


@pytest.fixture(scope="module")
def small_plane(mnist):
    """A 5 x 5 loss slice through two short runs (GD, SGD) on 1,000 digits."""
    train_set = mnist[0].take(1_000)
    X, Y = train_set.X, train_set.Y
    sample = (X[:500], Y[:500])
    start = Network(seed=0)
    runs = [descend(copy_network(start), X, Y, sample, lr=3.0, batch_size=size, steps=steps,
                    rng=np.random.default_rng(0), keep_vectors=True)
            for size, steps in ((1_000, 5), (10, 100))]
    vectors = [run.vectors for run in runs]
    origin = start.vector.astype(np.float64)
    return start, origin, vectors, sample, sgd.trajectory_plane(start, origin, vectors, sample, n_grid=5)


def made_up_run(costs, batch_size):
    """A Run with these costs, one record per step."""
    steps = list(range(len(costs)))
    return Run(steps=steps, examples=[batch_size * step for step in steps], seconds=[0.01 * s for s in steps],
               costs=list(costs))


def test_the_loss_slice_is_the_networks_cost_at_the_grid_points(small_plane):
    start, origin, vectors, sample, (grid_a, grid_b, costs, projected) = small_plane
    u, v = sgd.principal_plane(origin, vectors)
    probe = copy_network(start)
    for i, j in ((0, 0), (2, 3), (4, 1)):
        probe.vector[...] = origin + grid_a[i] * u + grid_b[j] * v
        assert costs[j, i] == pytest.approx(probe.cost_value(*sample), rel=1e-5)
    assert costs.std() > 0


def test_the_projected_paths_are_the_runs_in_plane_coordinates(small_plane):
    start, origin, vectors, sample, (grid_a, grid_b, costs, projected) = small_plane
    u, v = sgd.principal_plane(origin, vectors)
    assert abs(u @ v) < 1e-8 and u @ u == pytest.approx(1) and v @ v == pytest.approx(1)
    for path, run_vectors in zip(projected, vectors):
        np.testing.assert_allclose(path[0], [0, 0], atol=1e-9)  # both start at the start
        a, b = path[-1]
        assert grid_a[0] <= a <= grid_a[-1] and grid_b[0] <= b <= grid_b[-1]
        moved = run_vectors[-1] - origin
        np.testing.assert_allclose((a, b), (moved @ u, moved @ v), rtol=1e-6)


def test_the_main_directions_are_the_leading_singular_vectors():
    rows = np.random.default_rng(0).standard_normal((30, 200)) * np.linspace(3, 0.1, 200)
    _, _, expected = np.linalg.svd(rows, full_matrices=False)
    for found, right in zip(sgd.main_directions(rows, 2), expected[:2]):
        assert abs(found @ right) == pytest.approx(1, abs=1e-9)  # the same line, either way along it


def test_the_plane_goes_through_the_start_and_both_ends():
    rng = np.random.default_rng(0)
    start, gd_end, sgd_end = rng.standard_normal((3, 500))
    u, v = sgd.ends_plane(start, (gd_end, sgd_end))
    assert u @ v == pytest.approx(0, abs=1e-12) and u @ u == pytest.approx(1) and v @ v == pytest.approx(1)
    for end in (gd_end, sgd_end):  # each end is start + a u + b v exactly: its cost is the plane's there
        move = end - start
        np.testing.assert_allclose(start + (move @ u) * u + (move @ v) * v, end, atol=1e-12)
    assert sgd.off_plane(start, u, v, [start, gd_end, sgd_end, (gd_end + sgd_end) / 2]) == pytest.approx(0, abs=1e-12)


def test_off_plane_is_the_largest_share_of_a_points_distance_that_leaves_the_plane():
    start, u, v = np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    assert sgd.off_plane(start, u, v, [start, [1.0, 1.0, 0]]) == 0
    assert sgd.off_plane(start, u, v, [start, [0, 0, 2.0]]) == pytest.approx(1)
    assert sgd.off_plane(start, u, v, [start, [1.0, 0, 1.0], [3.0, 0, 0]]) == pytest.approx(np.sqrt(0.5))


def test_the_plateau_is_the_cost_of_one_answer_for_every_image():
    Y = np.eye(10)[np.arange(1_000) % 10]  # ten digits, equally often
    assert sgd.plateau_cost(Y) == pytest.approx(0.9)  # 10 x 0.1 x 0.9
    skewed = np.eye(10)[[0] * 90 + [1] * 10]
    assert sgd.plateau_cost(skewed) == pytest.approx(np.square(skewed - skewed.mean(axis=0)).sum(axis=1).mean())
    assert sgd.plateau_cost(skewed) == pytest.approx(2 * 0.9 * 0.1)


def test_the_words_on_the_plateau_are_the_outputs_given():
    flat = sgd.plateau_words(np.full((50, 10), 0.1))
    assert "Every output is near 0.10 (0.10 to 0.10)" in flat and "9 × 0.10² + (1 − 0.10)² = 0.90" in flat
    high = sgd.plateau_words(np.full((50, 10), 0.3))
    assert "near 0.30" in high and "= 1.30" in high  # 9 x 0.09 + 0.49


def test_the_words_on_a_walk_say_when_it_left_the_plateau_or_that_it_did_not():
    left = sgd.walk_words("SGD", made_up_run([3.1, 0.95, 0.9, 0.85, 0.5, 0.3], 10), 0.9)
    assert left.startswith("SGD: 3.10 → 0.95 after step 1 (10 examples); below 0.81 after 40 examples (4 steps")
    stayed = sgd.walk_words("GD", made_up_run([3.1, 0.91, 0.9, 0.89], 10_000), 0.9)
    assert stayed == "GD: 3.10 → 0.91 after step 1 (10,000 examples); still on the plateau after 3 steps " \
                     "(30,000 examples): 0.89"


def test_a_straight_walk_wanders_once_and_a_zigzag_more():
    straight = [np.array([k, 0.0]) for k in range(5)]
    zigzag = [np.array([k, k % 2]) for k in range(5)]
    assert sgd.wander(straight) == pytest.approx(1)
    assert sgd.wander(zigzag) == pytest.approx(4 * np.sqrt(2) / 4)


@pytest.mark.training
def test_gd_vs_sgd_draws_both_runs_from_the_start_with_sgd_ahead_per_example(drawn):
    ax_race, ax_plateau, ax_plane = drawn("gd-vs-sgd").axes
    gd, sgd_line = (lines_labelled(ax_race, name)[0] for name in ("gradient descent", "stochastic"))
    for line in (gd, sgd_line):  # the first drop, from the start, is drawn
        assert line.get_xdata()[0] == 0 and line.get_ydata()[0] == pytest.approx(3.1, abs=0.05)
    assert gd.get_xdata()[1] == 10_000 and sgd_line.get_xdata()[1] == 10  # GD's first step sees every digit
    assert sgd_line.get_xdata()[-1] == gd.get_xdata()[1]  # SGD's epoch is GD's first step
    assert sgd_line.get_ydata()[-1] < gd.get_ydata()[-1] - 0.3  # rng seeds 0-4: SGD ends 0.184-0.247, GD 0.895
    assert ax_race.get_xscale() == "symlog" and ax_race.get_xlim()[0] == 0


@pytest.mark.training
def test_no_line_of_gd_vs_sgd_is_blue_or_red(drawn):
    assert not [(label, color) for label, color in line_colors(drawn("gd-vs-sgd")) if reads_as_sign(color)]


@pytest.mark.training
def test_gd_vs_sgd_says_where_the_plateau_is_and_which_walk_left_it(drawn, mnist):
    fig = drawn("gd-vs-sgd")
    ax_race = fig.axes[0]
    plateau = sgd.plateau_cost(sample_of(mnist[0])[1])
    (line,) = lines_labelled(ax_race, "the plateau")
    assert line.get_ydata()[0] == pytest.approx(plateau)
    words = figure_words(fig)
    assert f"The plateau at {plateau:.2f} is the least cost of giving every image the same answer" in words
    gd, sgd_line = (lines_labelled(ax_race, name)[0].get_ydata() for name in ("gradient descent", "stochastic"))
    below = f"{sgd.BELOW * plateau:.2f}"
    (sgd_left,) = re.findall(rf"SGD: {sgd_line[0]:.2f} → {sgd_line[1]:.2f} after step 1 \(10 examples\); "
                             rf"below {below} after ([\d,]+) examples", words)
    assert 200 <= int(sgd_left.replace(",", "")) <= 3_000  # rng seeds 0-4: 890-1,020
    gd_steps = len(gd) - 1  # GD records every step
    said = f"GD: {gd[0]:.2f} → {gd[1]:.2f} after step 1 (10,000 examples); "
    if min(gd) >= sgd.BELOW * plateau:  # rng seeds 0-4 (quick: 20 steps): it stays on the plateau
        assert said + f"still on the plateau after {gd_steps} steps" in words
    else:
        assert said + f"below {below} after " in words


@pytest.mark.training
def test_the_outputs_on_the_plateau_are_those_of_the_network_named(drawn, mnist):
    ax_plateau = drawn("gd-vs-sgd").axes[1]
    step = int(re.search(r"On the plateau: GD after step (\d+)", ax_plateau.get_title(loc="left")).group(1))
    X, Y = sample_of(mnist[0], 10_000)
    network = Network(seed=0)
    descend(network, X, Y, sample_of(mnist[0]), lr=3.0, batch_size=10_000, steps=step,
            rng=np.random.default_rng(0), record_at=[])
    expected = network.feedforward(sample_of(mnist[0])[0]).mean(axis=0)
    heights = [bar.get_height() for bar in ax_plateau.patches]
    np.testing.assert_allclose(heights, expected, rtol=1e-5)
    assert 0.07 < np.mean(heights) < 0.13  # each output near a tenth (rng seeds 0-4: 0.102, at GD's step 4)
    assert f"Every output is near {np.mean(heights):.2f}" in ax_plateau.get_title(loc="left")


@pytest.mark.training
def test_sgd_shows_its_noise_each_mini_batch_and_each_early_step(drawn):
    ax_race = drawn("gd-vs-sgd").axes[0]
    (batches,) = lines_labelled(ax_race, "SGD: each mini-batch's own cost")
    assert len(batches.get_xdata()) == 1_000  # quick: one epoch of 10,000 digits, 10 a step
    assert np.std(batches.get_ydata()[500:]) > 0.03  # they jump around (rng seeds 0-4: 0.130-0.139)
    (steps,) = lines_labelled(ax_race, "stochastic")
    assert set(range(0, 10 * sgd.EVERY_STEP + 1, 10)) <= set(steps.get_xdata())  # every one of the first steps


@pytest.mark.training
def test_gd_vs_sgd_draws_sgds_zigzag_over_contours(drawn, viz_context):
    before = viz_context.network.vector.copy()
    fig = drawn("gd-vs-sgd")
    ax_plane = fig.axes[2]
    (gd_walk,) = lines_labelled(ax_plane, "GD")
    (sgd_walk,) = lines_labelled(ax_plane, "SGD")
    for walk in (gd_walk, sgd_walk):
        assert (walk.get_xdata()[0], walk.get_ydata()[0]) == pytest.approx((0, 0), abs=1e-6)
    assert len(sgd_walk.get_xdata()) > sgd.EVERY_STEP
    title = ax_plane.get_title(loc="left")
    assert re.search(r"The ends are on it; the walks between stray up to \d+%\s+of their distance off it", title)
    assert re.search(rf"SGD's first {sgd.EVERY_STEP} steps walk \d+\.\d×\s+as far as they get", title)
    assert len(ax_plane.collections) >= 1 and ax_plane.collections[0].get_paths()
    np.testing.assert_array_equal(viz_context.network.vector, before)
