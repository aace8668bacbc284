"""The activations the compiled loops know, by name (NumPy-free and Numba-free, so ``fast`` reads it
without compiling anything).

A hidden layer's activation is one ``Kind``; the output layer's comes with its cost, and the loops
take the output's ``Kind`` for both: a sigmoid output is scored by mean squared error, a softmax
output by cross-entropy (``OUTPUTS``)."""

from enum import IntEnum


class Kind(IntEnum):
    SIGMOID = 0
    RELU = 1
    TANH = 2
    SOFTMAX = 3


HIDDEN = {"sigmoid": Kind.SIGMOID, "relu": Kind.RELU, "tanh": Kind.TANH}
OUTPUTS = {("mse", "sigmoid"): Kind.SIGMOID, ("cross_entropy", "softmax"): Kind.SOFTMAX}
