import numpy as np
import pytest

from digitnet import Network
from digitnet.data.mnist import Dataset
from digitnet.optimizers import SGD, Adam, GradientDescent, Momentum
from digitnet.training import STEP_CALLS, WARMUP_EPOCHS, Step, cosine_schedule, train, warmup_cosine_schedule


def _blobs(n, seed):
    """Three well separated clusters in 4-D: a tiny problem any working network learns."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[0.9, 0.1, 0.1, 0.5], [0.1, 0.9, 0.1, 0.5], [0.1, 0.1, 0.9, 0.5]])
    X = (centres[labels] + rng.normal(0, 0.08, (n, 4))).astype(np.float32)
    return Dataset(X, labels, n_classes=3)


@pytest.mark.training
@pytest.mark.parametrize("optimizer, cost", [
    (SGD(3.0), "mse"), (Momentum(0.3), "mse"), (Adam(0.03), "cross_entropy"), (GradientDescent(20.0), "mse"),
])
def test_a_tiny_problem_is_learned(optimizer, cost):
    network = Network((4, 8, 3), "sigmoid", cost, seed=0)
    train_set, test_set = _blobs(300, 0), _blobs(100, 1)
    before = network.score(test_set.X, test_set.labels)
    epochs = 200 if optimizer.full_batch else 20
    history = train(network, train_set, test_set, optimizer=optimizer, epochs=epochs, batch_size=10,
                    rng=np.random.default_rng(0))
    # network and shuffling seeds 0-4 (the readable path: one hidden layer): 0.32-0.42 before, 1.0 after
    assert before < 0.7
    assert history.last.test_accuracy > 0.95
    assert history.epochs[-1].train_cost < history.epochs[0].train_cost


def test_the_same_seed_trains_the_same_network():
    results = []
    for _ in range(2):
        network = Network((4, 8, 3), seed=2)
        train(network, _blobs(100, 0), optimizer=SGD(1.0), epochs=2, batch_size=10, rng=np.random.default_rng(9))
        results.append(network.vector.copy())
    assert np.array_equal(*results)


def test_one_sgd_step_on_one_batch_is_the_backprop_gradient_times_the_learning_rate():
    network = Network((4, 3, 3), seed=0, dtype="float64")
    data = _blobs(5, 0)
    before = network.vector.copy()
    gradient = network.gradient(data.X, data.Y)
    train(network, data, optimizer=SGD(0.5), epochs=1, batch_size=5, rng=np.random.default_rng(0))
    assert np.allclose(network.vector, before - 0.5 * gradient)


def test_weight_decay_shrinks_the_weights_and_leaves_the_biases():
    network = Network((4, 3, 3), seed=0, dtype="float64")
    data = _blobs(5, 0)
    before = network.vector.copy()
    gradient = network.gradient(data.X, data.Y)
    train(network, data, optimizer=SGD(0.5), epochs=1, batch_size=5, rng=np.random.default_rng(0), weight_decay=2.0)
    expected = before - 0.5 * gradient
    expected[:network.n_weights] -= 0.5 * (2.0 / 5) * before[:network.n_weights]
    assert np.allclose(network.vector, expected)


def test_a_diverging_run_stops_and_keeps_the_last_good_weights():
    network = Network((4, 8, 3), "relu", "cross_entropy", seed=0)
    kept = []
    history = train(network, _blobs(200, 0), optimizer=SGD(0.5), epochs=5, batch_size=10,
                    rng=np.random.default_rng(0), schedule=lambda epoch: 0.5 if epoch == 0 else 1e30,
                    on_epoch=lambda result: kept.append(network.vector.copy()))
    assert history.stopped == "diverged"
    assert len(history.epochs) == 1
    assert np.array_equal(network.vector, kept[0])
    assert np.all(np.isfinite(network.vector))


def test_ctrl_c_keeps_the_model_of_the_last_finished_epoch():
    network = Network((4, 8, 3), seed=0)
    kept = {}

    def on_epoch(result):
        if result.epoch == 2:
            kept["vector"] = network.vector.copy()
            # the next epoch is interrupted on its first batch
            network.gradient = _interrupt

    history = train(network, _blobs(200, 0), optimizer=SGD(1.0), epochs=5, batch_size=10,
                    rng=np.random.default_rng(0), on_epoch=on_epoch, fast_path=False)  # the readable steps: gradient
    assert history.stopped == "interrupted"
    assert len(history.epochs) == 2
    assert np.array_equal(network.vector, kept["vector"])


def _interrupt(*args):
    raise KeyboardInterrupt


def test_the_cosine_schedule_falls_from_the_start_rate_towards_zero():
    schedule = cosine_schedule(3.0, 10)
    rates = [schedule(epoch) for epoch in range(10)]
    assert rates[0] == 3.0
    assert all(b < a for a, b in zip(rates, rates[1:]))
    assert 0 < rates[-1] < 0.1


def test_the_warm_up_rises_to_the_cosine_schedule_and_then_follows_it():
    warm, cosine = warmup_cosine_schedule(3.0, 30), cosine_schedule(3.0, 30)
    rates = [warm(epoch) for epoch in range(30)]
    assert rates[0] == 3.0 / (WARMUP_EPOCHS + 1)
    assert all(b > a for a, b in zip(rates[:WARMUP_EPOCHS + 1], rates[1:WARMUP_EPOCHS + 1]))
    assert rates[WARMUP_EPOCHS:] == [cosine(epoch) for epoch in range(WARMUP_EPOCHS, 30)]


@pytest.mark.parametrize("epochs, warm_epochs", [(3, 0), (9, 0), (10, 1), (19, 1), (20, 2), (150, 2)])
def test_the_warm_up_takes_at_most_a_tenth_of_a_run(epochs, warm_epochs):
    """A short run (the page's 3 epochs, say) would otherwise spend most of it below the cosine's rate."""
    warm, cosine = warmup_cosine_schedule(3.0, epochs), cosine_schedule(3.0, epochs)
    below = [epoch for epoch in range(epochs) if warm(epoch) < cosine(epoch)]
    assert below == list(range(warm_epochs))


def test_random_shifts_move_each_image_by_at_most_the_limit_and_keep_its_ink():
    from digitnet.data.augment import RandomShift

    rng = np.random.default_rng(0)
    images = np.zeros((200, 8, 8), dtype=np.float32)
    images[:, 3:5, 3:5] = 1  # a square well inside the border
    shifted = RandomShift(images.reshape(200, 64), max_shift=2)(rng).reshape(200, 8, 8)
    assert np.array_equal(shifted.sum(axis=(1, 2)), images.sum(axis=(1, 2)))
    moves = set()
    for image in shifted:
        rows, cols = np.nonzero(image)
        moves.add((rows.min() - 3, cols.min() - 3))
    assert moves == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}


def test_shifting_needs_square_images():
    from digitnet.data.augment import RandomShift

    with pytest.raises(ValueError, match="square images"):
        RandomShift(np.zeros((3, 10)))


def test_health_reports_saturation_and_a_stuck_network():
    from digitnet.health import check_health

    network = Network((4, 8, 3), seed=0)
    data = _blobs(100, 0)
    calm = check_health(network, data.X, data.Y)
    assert calm.saturation < 0.1 and calm.finite
    network.vector[:] = 0
    network.biases[-1][:] = [50.0, -50.0, -50.0]   # every input answers class 0, with saturated outputs
    stuck = check_health(network, data.X, data.Y)
    assert stuck.stuck and stuck.top_class == 0 and stuck.top_class_share == 1.0
    assert stuck.saturation == pytest.approx(2 / 11 * 0 + 3 / 11)  # the 3 outputs of 11 sigmoid neurons


def test_every_epoch_records_saturation_and_the_top_answers_share():
    network = Network((4, 8, 3), seed=0)
    history = train(network, _blobs(200, 0), optimizer=SGD(3.0), epochs=2, batch_size=10,
                    rng=np.random.default_rng(0))
    assert all(0 <= e.saturation <= 1 and 1 / 3 <= e.top_class_share <= 1 for e in history.epochs)


@pytest.mark.parametrize("dropout", [1.0, -0.5, 1.5])
def test_a_dropout_outside_0_to_1_is_refused(mnist, dropout):
    small = type(mnist[0])(mnist[0].X[:100], mnist[0].labels[:100])
    with pytest.raises(ValueError, match="dropout must be from 0 up to"):
        train(Network(), small, optimizer=SGD(1.0), epochs=1, batch_size=10, rng=np.random.default_rng(0),
              dropout=dropout)


def _train_with(on_step=None, every=None, epochs=2, n=2_000, weight_decay=2.0, fast_path=False, mnist=None):
    """A seed network's vector after ``epochs`` of SGD with L2 on ``n`` MNIST digits (by default the readable path)."""
    network = Network(seed=0)
    train(network, mnist[0].take(n), optimizer=SGD(3.0), epochs=epochs, batch_size=10, rng=np.random.default_rng(0),
          weight_decay=weight_decay, on_step=on_step, every=every, fast_path=fast_path)
    return network.vector.copy()


def test_on_step_is_called_about_step_calls_times_an_epoch_and_after_its_last_step(mnist):
    seen = []
    _train_with(seen.append, epochs=2, n=2_005, mnist=mnist)  # 201 mini-batches, the last of 5 digits
    assert all(isinstance(step, Step) for step in seen)
    every = 201 // STEP_CALLS
    first = [step.step for step in seen if step.epoch == 1]
    assert first == list(range(every, 201, every)) + [201]
    assert [step.step for step in seen if step.epoch == 2] == first
    assert {step.steps for step in seen} == {201}
    assert [step.examples for step in seen[:2]] == [10 * every, 20 * every]
    assert seen[len(first) - 1].examples == 2_005 and seen[-1].examples == 4_010
    assert {step.learning_rate for step in seen} == {3.0}


def test_on_steps_answer_is_the_number_of_steps_until_its_next_call(mnist):
    seen = []

    def one_at_a_time_in_the_middle(step):
        seen.append((step.epoch, step.step))
        return 1 if 40 <= step.step < 45 else None

    _train_with(one_at_a_time_in_the_middle, every=20, epochs=2, n=1_000, mnist=mnist)
    epoch_1 = [20, 40, 41, 42, 43, 44, 45, 65, 85, 100]  # after 100 (the epoch's last) the count starts anew
    assert seen == [(1, step) for step in epoch_1] + [(2, step) for step in epoch_1]


def test_a_step_at_a_time_carries_on_into_the_next_epoch(mnist):
    seen = []
    _train_with(lambda step: seen.append((step.epoch, step.step)) or 1, every=60, epochs=2, n=1_000, mnist=mnist)
    assert seen == [(1, 60)] + [(1, step) for step in range(61, 101)] + [(2, step) for step in range(1, 101)]


def test_on_step_leaves_the_readable_steps_as_they_are(mnist):
    """A call between two mini-batches takes nothing from the training's random numbers, nor changes its steps."""
    plain = _train_with(mnist=mnist)
    assert np.array_equal(_train_with(lambda step: None, mnist=mnist), plain)
    assert np.array_equal(_train_with(lambda step: 1 if step.step % 3 else 7, every=5, mnist=mnist), plain)


def test_ctrl_c_in_on_step_keeps_the_model_of_the_last_finished_epoch(mnist):
    network, kept = Network(seed=0), []

    def on_step(step):
        if step.epoch == 2 and step.step == 50:
            raise KeyboardInterrupt  # how the page stops a training between two mini-batches

    history = train(network, mnist[0].take(1_000), optimizer=SGD(3.0), epochs=3, batch_size=10,
                    rng=np.random.default_rng(0), on_step=on_step, every=10,
                    on_epoch=lambda result: kept.append(network.vector.copy()))
    assert history.stopped == "interrupted"
    assert len(history.epochs) == 1
    assert np.array_equal(network.vector, kept[0])


@pytest.mark.parametrize("every, answer", [(0, None), (2.5, None), (10, 0), (10, "1")])
def test_a_number_of_steps_below_1_or_not_whole_is_refused(mnist, every, answer):
    with pytest.raises(ValueError, match="whole number of mini-batches, at least 1"):
        _train_with(lambda step: answer, every=every, epochs=1, n=200, mnist=mnist)


def _costs_before_each_step(mnist, fast_path, n=300, batch_size=25):
    """(each call's batch_cost, the cost of its rows for the network the call before saw) with every=1, 2 epochs."""
    data = mnist[0].take(n)
    network, seen = Network(seed=0), []
    train(network, data, optimizer=SGD(3.0), epochs=2, batch_size=batch_size, rng=np.random.default_rng(0),
          weight_decay=2.0, fast_path=fast_path, every=1,
          on_step=lambda step: seen.append((step, network.vector.copy())))
    before = Network(seed=0)
    told, measured = [], []
    vectors_before = [before.vector.copy()] + [vector for _, vector in seen[:-1]]
    for (step, _), vector_before in zip(seen, vectors_before):
        before.vector[...] = vector_before
        told.append(step.batch_cost)
        measured.append(before.cost_value(data.X[step.rows], data.Y[step.rows]))
    assert len(seen) == 2 * n // batch_size and all(len(step.rows) == batch_size for step, _ in seen)
    assert sorted(np.concatenate([step.rows for step, _ in seen[:n // batch_size]])) == list(range(n))
    return told, measured


def test_each_step_tells_its_mini_batchs_rows_and_their_cost_before_the_step(mnist):
    told, measured = _costs_before_each_step(mnist, fast_path=False)
    assert told == pytest.approx(measured, rel=1e-6)
    assert told[0] > told[-1]


def test_an_error_in_on_step_leaves_the_network_as_its_last_whole_epoch_did(mnist):
    network = Network(seed=0)
    start = network.vector.copy()

    def broken(step):
        raise RuntimeError("the page went away")

    with pytest.raises(RuntimeError, match="the page went away"):
        train(network, mnist[0].take(2_000), optimizer=SGD(3.0), epochs=2, batch_size=10,
              rng=np.random.default_rng(0), on_step=broken)
    np.testing.assert_array_equal(network.vector, start)  # not half an epoch's steps


def test_every_is_checked_even_without_on_step(mnist):
    with pytest.raises(ValueError, match="every must be a whole number of mini-batches, at least 1"):
        train(Network(seed=0), mnist[0].take(100), optimizer=SGD(3.0), epochs=1, batch_size=10,
              rng=np.random.default_rng(0), every=0)
