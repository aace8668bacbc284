"""data.mixing: one's own digits held out per digit, and mixed into the training set as varied copies."""

import numpy as np
import pytest

from digitnet.data.mixing import copies_for, hold_out, hold_out_by_name, mix_in


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


def kept_names(n, rng):
    """``n`` names in the order they were kept (as the collection names them: the time, then a random part)."""
    return [f"2026{i:08d}-{rng.integers(16 ** 4):04x}.png" for i in range(n)]


def test_keeping_more_digits_never_moves_one_kept_before():
    rng = np.random.default_rng(0)
    names, labels = kept_names(300, rng), rng.integers(0, 10, 300)
    before = None
    for n in range(1, len(names) + 1):
        _, held_rows = hold_out_by_name(names[:n], labels[:n], 0.3)
        held = set(held_rows.tolist())
        if before is not None:
            assert held & set(range(n - 1)) == before, n  # every earlier digit is held out or trained on as it was
        before = held


def test_hold_out_by_name_keeps_one_of_each_per_digit_and_holds_out_about_the_share():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(10), [1, 2, 3, 0, 5, 10, 40, 200, 200, 200])
    names = kept_names(len(labels), rng)
    train_rows, held_rows = hold_out_by_name(names, labels, 0.3)
    assert sorted(np.concatenate([train_rows, held_rows]).tolist()) == list(range(len(labels)))
    held, trained = np.bincount(labels[held_rows], minlength=10), np.bincount(labels[train_rows], minlength=10)
    assert held[0] == 0 and trained[0] == 1  # a single digit is trained on
    assert (held[[1, 2, 4, 5, 6]] >= 1).all() and (trained[[1, 2, 4, 5, 6]] >= 1).all()
    # 600 digits past each digit's first two, each held out with chance 0.3: 180 expected, sd 11; 5 sd either side
    share = (held[7:].sum() - 3) / (600 - 6)
    assert abs(share - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 594)
    assert len(hold_out_by_name(names, labels, 0.0)[1]) == 0


def test_hold_out_by_name_decides_a_name_the_same_way_in_any_order_and_on_any_run():
    rng = np.random.default_rng(2)
    names, labels = kept_names(50, rng), np.full(50, 4)
    _, held = hold_out_by_name(names, labels, 0.3)
    order = rng.permutation(50)
    _, held_shuffled = hold_out_by_name([names[i] for i in order], labels[order], 0.3)
    assert sorted(names[i] for i in held) == sorted(names[order[i]] for i in held_shuffled)


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
