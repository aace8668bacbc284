"""Sparse rows (the non-zero values of each image, four in five MNIST pixels being 0), and the
first layer's work on them: the forward pass and the SGD step skip the zero pixels.

``rows = (starts, columns, values, scale)`` (``fast.SparseRows``): row r's values are
``values[starts[r]:starts[r + 1]] * scale``, in the columns ``columns[starts[r]:starts[r + 1]]``.
"""

import numba
import numpy as np

from .kinds import BLOCK, compiled

_LEVELS = np.float32(255)  # an 8-bit pixel's values: 0 to 255


@compiled
def count_nonzero(X, starts):
    """starts[r + 1] = starts[r] + how many numbers in row r of X (n, m) are not 0."""
    for r in range(X.shape[0]):
        count = 0
        for c in range(X.shape[1]):
            count += X[r, c] != 0
        starts[r + 1] = starts[r] + count


@compiled
def fill_nonzero(X, starts, columns, values):
    """columns[k] and values[k], from k = starts[r] on, for each number in row r of X that is not 0."""
    for r in range(X.shape[0]):
        k = starts[r]
        for c in range(X.shape[1]):
            if X[r, c] != 0:
                columns[k], values[k] = c, X[r, c]
                k += 1


@numba.njit(cache=True, nogil=True)  # no fastmath: x / 255 must stay a division, as NumPy's
def eight_bit_levels(values, levels):
    """levels[k] = values[k] * 255 and True, if every value is k / 255 for a whole k from 1 to 255 (as read
    from 8-bit pixels), in the values' dtype; False (and levels partly written) as soon as one is not."""
    for k in range(len(values)):
        level = np.rint(values[k] * _LEVELS)
        if not (1 <= level <= _LEVELS and level / _LEVELS == values[k]):
            return False
        levels[k] = level
    return True


@compiled
def gather_rows(rows, batch, room):
    """The rows ``batch`` of ``rows``, one after the other in ``room`` = (starts, columns, values) (which must have
    len(batch) + 1 starts and room enough), as sparse rows 0 to len(batch) - 1.

    The rows of a mini-batch are anywhere in memory; copied together once (in one loop, where the
    CPU fetches many at once), the forward pass and the step find them in its cache."""
    all_starts, all_columns, all_values, scale = rows
    starts, columns, values = room
    starts[0] = 0
    for e in range(len(batch)):
        first, last, at = np.uintp(all_starts[batch[e]]), np.uintp(all_starts[batch[e] + 1]), np.uintp(starts[e])
        for k in range(first, last):
            columns[at + k - first] = all_columns[k]
            values[at + k - first] = all_values[k]
        starts[e + 1] = starts[e] + np.int64(last - first)
    return starts, columns, values, scale


@compiled
def sparse_forward(w, b, rows, row, scale, z, e):
    """z[e] = b + scale * x w for the input x = sparse row ``row``: the sum goes over its non-zero values only,
    four at a time (a quarter as many trips through memory), and ``scale`` multiplies the sum, not each value."""
    starts, columns, values, _ = rows
    first, last = np.uintp(starts[row]), np.uintp(starts[row + 1])
    n_out, one, two, three, four = np.uintp(w.shape[1]), np.uintp(1), np.uintp(2), np.uintp(3), np.uintp(4)
    for j0 in range(np.uintp(0), n_out, BLOCK):
        j1 = j0 + min(BLOCK, n_out - j0)
        for j in range(j0, j1):
            z[e, j] = 0
        k = first
        while k + four <= last:
            c0, c1, c2, c3 = columns[k], columns[k + one], columns[k + two], columns[k + three]
            x0, x1, x2, x3 = values[k], values[k + one], values[k + two], values[k + three]
            for j in range(j0, j1):
                z[e, j] += (x0 * w[c0, j] + x1 * w[c1, j]) + (x2 * w[c2, j] + x3 * w[c3, j])
            k += four
        for rest in range(k, last):
            c, x = columns[rest], values[rest]
            for j in range(j0, j1):
                z[e, j] += x * w[c, j]
        for j in range(j0, j1):
            z[e, j] = b[j] + scale * z[e, j]


@compiled
def sparse_step(w, rows, batch, m, delta, weight_lr):
    """BP4 and the SGD step for the first layer, without L2: w[c] -= weight_lr * x_c delta[e] for each
    non-zero value x_c of the input rows ``batch[:m]``, two at a time. Only the rows of w of those inputs change."""
    starts, columns, values, _ = rows
    n_out, one, two = np.uintp(w.shape[1]), np.uintp(1), np.uintp(2)
    for e in range(m):
        first, last = np.uintp(starts[batch[e]]), np.uintp(starts[batch[e] + 1])
        for j0 in range(np.uintp(0), n_out, BLOCK):
            j1 = j0 + min(BLOCK, n_out - j0)
            k = first
            while k + two <= last:
                c0, c1 = columns[k], columns[k + one]
                x0, x1 = weight_lr * values[k], weight_lr * values[k + one]
                for j in range(j0, j1):
                    w[c0, j] -= x0 * delta[e, j]
                    w[c1, j] -= x1 * delta[e, j]
                k += two
            if k < last:
                c, x = columns[k], weight_lr * values[k]
                for j in range(j0, j1):
                    w[c, j] -= x * delta[e, j]
