"""Values worked out from read-only arrays are kept, and only from those (digitnet.frozen)."""

import gc

import numpy as np

from digitnet import frozen


def _counting():
    calls = []

    def work(array):
        calls.append(1)
        return array.sum()
    return work, calls


def test_a_read_only_array_is_worked_out_once():
    work, calls = _counting()
    X = np.arange(12.0).reshape(3, 4).copy()  # its own memory: a view of arange's could be written through that
    X.flags.writeable = False
    assert frozen.worked_out(X, "sum", work) == 66 and frozen.worked_out(X, "sum", work) == 66
    assert len(calls) == 1
    frozen.worked_out(X, "another name", work)
    assert len(calls) == 2


def test_a_writeable_array_or_a_read_only_view_of_one_is_worked_out_each_time():
    work, calls = _counting()
    X = np.arange(12.0).reshape(3, 4)
    view = X[1:]
    view.flags.writeable = False  # read-only here, but X can still change it
    for array in (X, X, view, view):
        frozen.worked_out(array, "sum", work)
    assert len(calls) == 4
    X[1, 0] = 100
    assert frozen.worked_out(view, "sum", work) == view.sum()


def test_an_owner_made_writeable_again_is_worked_out_anew():
    work, calls = _counting()
    X = np.ones(5)
    X.flags.writeable = False
    frozen.worked_out(X, "sum", work)
    X.flags.writeable = True
    X[0] = 10
    assert frozen.worked_out(X, "sum", work) == 14 and len(calls) == 2


def test_what_is_kept_goes_with_the_array():
    X = np.ones(5)
    X.flags.writeable = False
    frozen.worked_out(X, "sum", np.sum)
    kept = len(frozen._KEPT)
    del X
    gc.collect()
    assert len(frozen._KEPT) == kept - 1


def test_mnist_images_are_read_only(mnist):
    assert frozen.read_only(mnist[0].X) and frozen.read_only(mnist[0].take(100).X)
