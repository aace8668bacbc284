"""The choices the compiled loops make by name, and how every one of them is compiled."""

from enum import IntEnum

import numba
import numpy as np

# let the compiler reorder and fuse sums (as BLAS does), but keep inf and NaN meaning what they
# mean, so that a diverging training is still seen as one
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

# The loops that add to a row of a layer's sums or weights (the sparse first layer's) go BLOCK
# neurons at a time (``for j in range(j0, j0 + count)``, count at most BLOCK): a loop that LLVM
# knows to be at most 16 long it turns into one or two vector instructions, where an open-ended
# one would want 32 or 64 numbers before it used any. Their indices are unsigned (np.uintp): for
# a signed one Numba checks whether it is negative (to count from the end, as Python does), and
# that check stops LLVM from vectorizing the loop. (Sums into one number are plain loops: a sum
# in BLOCKs, compiled for Haswell, came out differently from code loaded from Numba's cache.)
BLOCK = np.uintp(16)


class Kind(IntEnum):
    """A layer's activation function."""

    SIGMOID = 0
    RELU = 1
    TANH = 2
    SOFTMAX = 3


class Output(IntEnum):
    """The output layer and the cost it is trained with (each pair has its own BP1)."""

    SIGMOID_MSE = 0
    SOFTMAX_CROSS_ENTROPY = 1


def compiled(function):
    """``function`` compiled by Numba in nopython mode, cached on disk, without the GIL."""
    return numba.njit(fastmath=FASTMATH, cache=True, nogil=True)(function)
