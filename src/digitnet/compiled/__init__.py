"""digitnet's compiled loops, on Numba's public API: the forward pass, SGD and Adam, for sigmoid, relu or
tanh hidden layers (any number of them, of any widths) and a sigmoid + MSE or softmax + cross-entropy output.

``training``: sgd_steps, adam_steps and adam_update. ``forward``: feedforward. ``sparse``: the
sparse rows of training images (count_nonzero, fill_nonzero, eight_bit_levels) and the first
layer's work on them. ``layers``: the other layers' work. ``activations``: f, f', BP1, the cost.
``kinds``: the named choices (Kind, Output) and how all of them are compiled.

Networks are passed as ``layers = (weights, biases)``, tuples of their arrays; sparse rows as
``rows = (starts, columns, values, scale)``; the choices as ``kinds = (hidden Kind, Output)``.
Numba compiles each function the first time it is called with new types (seconds) and keeps
the result on disk (``__pycache__`` beside the files, or NUMBA_CACHE_DIR). Its cache notices a
change to a function's own file, not to a file that it calls into: after editing one of these
files, delete that ``__pycache__`` (or touch training.py and forward.py, where the entry points are).
"""

from .forward import feedforward
from .kinds import Kind, Output
from .sparse import count_nonzero, eight_bit_levels, fill_nonzero
from .training import adam_steps, adam_update, sgd_steps

__all__ = ["Kind", "Output", "adam_steps", "adam_update", "count_nonzero", "eight_bit_levels", "feedforward",
           "fill_nonzero", "sgd_steps"]
