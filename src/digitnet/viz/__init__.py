"""Figures of the seed's lessons, each made from a real, trained network (matplotlib).

Every figure is a function ``make(fig, context) -> fig`` that draws on a matplotlib Figure it
is given and returns it; ``FIGURES`` maps a figure's name to its ``Figure`` entry, in the order
of the slides. ``Context`` carries what figures draw from: the network, the MNIST data (read
only when a figure needs it), one example image, and the random generator.
The core never imports this package; this package imports the core.
"""

from .registry import FIGURES, Context, Figure, draw, register

# importing the figure modules registers their figures, in the order of the slides (so not sorted)
# isort: off
from . import inside  # noqa: E402,F401  (1-4: a neuron, layers, weights, bias)
from . import curves  # noqa: E402,F401  (5: the training curves)
from . import descent  # noqa: E402,F401  (6: gradient descent on small functions)
from . import sgd  # noqa: E402,F401  (7: GD vs SGD)
from . import rate  # noqa: E402,F401  (8: the learning rate)
from . import mistakes  # noqa: E402,F401  (9-11: mistakes, noise, dreams, backprop)
# isort: on

__all__ = ["FIGURES", "Context", "Figure", "draw", "register"]
