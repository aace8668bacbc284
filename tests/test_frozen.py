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


def _read_only(array):
    array.flags.writeable = False
    return array


def test_a_read_only_array_is_worked_out_once_and_a_new_view_of_the_same_rows_finds_it():
    work, calls = _counting()
    X = _read_only(np.arange(12.0).reshape(3, 4).copy())  # its own memory: arange's could be written through
    assert frozen.worked_out(X, "sum", work) == 66 and frozen.worked_out(X[:], "sum", work) == 66
    assert len(calls) == 1 and frozen.kept(X[:], "sum")
    assert frozen.worked_out(X[1:], "sum", work) == 60  # other rows: worked out for themselves
    frozen.worked_out(X, "another name", work)
    assert len(calls) == 3


def test_a_writeable_array_or_a_read_only_view_of_one_is_worked_out_each_time():
    work, calls = _counting()
    X = np.arange(12.0).reshape(3, 4)
    view = _read_only(X[1:])  # read-only here, but X can still change it
    for array in (X, X, view, view):
        frozen.worked_out(array, "sum", work)
    assert len(calls) == 4 and not frozen.kept(view, "sum")
    X[1, 0] = 100
    assert frozen.worked_out(view, "sum", work) == view.sum()


def test_an_owner_made_writeable_again_is_worked_out_anew_and_forgotten():
    work, calls = _counting()
    X = _read_only(np.ones(5))
    frozen.worked_out(X, "sum", work)
    X.flags.writeable = True
    X[0] = 10
    assert frozen.worked_out(X, "sum", work) == 14 and len(calls) == 2
    X.flags.writeable = False
    assert frozen.worked_out(X, "sum", work) == 14  # seen writeable once: what was kept is gone


def test_memory_under_a_read_only_array_that_can_be_written_is_not_read_only():
    buffer = bytearray(np.ones(4).tobytes())
    over_bytearray = _read_only(np.frombuffer(buffer))  # read-only here, but the bytearray can change under it
    assert not frozen.read_only(over_bytearray)
    assert frozen.read_only(np.frombuffer(np.ones(4).tobytes()))  # bytes cannot change


def test_what_is_kept_goes_with_the_memory():
    X = _read_only(np.ones(5))
    frozen.worked_out(X[:3], "sum", np.sum)
    assert frozen.kept(X[:3], "sum")
    keys = [key for key in frozen._KEPT if key[1] == id(X)]
    del X
    gc.collect()
    assert keys and not any(key in frozen._KEPT for key in keys)


def test_mnist_images_are_read_only(mnist):
    assert frozen.read_only(mnist[0].X) and frozen.read_only(mnist[0].take(100).X)
