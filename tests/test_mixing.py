"""data.mixing: one's own digits held out per digit, and mixed into the training set as varied copies."""

import numpy as np
import pytest

from digitnet.data.mixing import copies_for, hold_out, mix_in


def test_hold_out_sets_aside_the_share_of_each_digit_and_leaves_one_to_train_on():
    labels = np.repeat(np.arange(10), [10, 5, 2, 1, 0, 3, 3, 3, 3, 20])
    train_rows, held_rows = hold_out(labels, 0.3, np.random.default_rng(0))
    assert sorted(np.concatenate([train_rows, held_rows]).tolist()) == list(range(len(labels)))
    held = np.bincount(labels[held_rows], minlength=10)
    assert held.tolist() == [3, 2, 1, 0, 0, 1, 1, 1, 1, 6]  # round(0.3 n), at least 1, never all of a digit


def test_hold_out_is_seeded_and_none_for_a_share_of_0():
    labels = np.repeat(np.arange(10), 5)
    first = hold_out(labels, 0.3, np.random.default_rng(4))
    again = hold_out(labels, 0.3, np.random.default_rng(4))
    other = hold_out(labels, 0.3, np.random.default_rng(5))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])
    assert len(hold_out(labels, 0.0, np.random.default_rng(0))[1]) == 0


@pytest.mark.parametrize("n_train, n_own, weight", [(60_000, 35, 0.03), (1000, 7, 0.5), (100, 50, 0.001)])
def test_the_copies_make_up_about_the_weight_asked(n_train, n_own, weight):
    copies = copies_for(n_train, n_own, weight)
    share = copies * n_own / (n_train + copies * n_own)
    assert copies >= 1
    assert copies == 1 or abs(share - weight) <= n_own / (n_train + copies * n_own)  # within one copy's worth


def test_mix_in_adds_the_copies_the_first_as_it_is_the_rest_varied():
    rng = np.random.default_rng(0)
    X, labels = rng.random((200, 784), dtype=np.float32), rng.integers(0, 10, 200)
    own_X, own_labels = rng.random((4, 784), dtype=np.float32), np.array([1, 2, 3, 4])
    mixed_X, mixed_labels = mix_in(X, labels, own_X, own_labels, rng=rng, weight=0.1)
    copies = copies_for(200, 4, 0.1)
    assert mixed_X.shape == (200 + 4 * copies, 784) and mixed_X.dtype == X.dtype
    assert np.array_equal(mixed_X[:200], X) and np.array_equal(mixed_labels[:200], labels)
    assert np.array_equal(mixed_X[200:204], own_X)
    assert mixed_labels[200:].tolist() == own_labels.tolist() * copies
    assert not np.array_equal(mixed_X[204:208], own_X)  # the later copies are distorted, not repeated
