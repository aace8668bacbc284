"""Figures of the seed's lessons, each made from a real, trained network (matplotlib).

Every figure is a function ``make(fig, context) -> fig`` that draws on a matplotlib Figure it
is given and returns it; ``FIGURES`` maps a figure's name to its ``Figure`` entry, in the order
of the slides. ``Context`` carries what figures draw from: the network, the MNIST data (read
only when a figure needs it), one example image, and the random generator.
The core never imports this package; this package imports the core.
"""

from .registry import FIGURES, SECTIONS, Context, Figure, draw, register

# importing the figure modules registers their figures; FIGURES keeps them section by section, in the
# order of the slides (registry.SECTIONS), and within a section in the order imported here
# isort: off
from . import inside  # noqa: E402,F401  (a neuron, layers; weights: what it learned)
from . import basics  # noqa: E402,F401  (the weighted sum, bias, the parameters)
from . import cost  # noqa: E402,F401  (the cost, before and after training)
from . import filmstrip  # noqa: E402,F401  (the weights forming: what it learned, after the weights)
from . import descent  # noqa: E402,F401  (gradient descent on small functions)
from . import sgd  # noqa: E402,F401  (GD vs SGD)
from . import curves  # noqa: E402,F401  (the training curves)
from . import backprop  # noqa: E402,F401  (backpropagation, one example)
from . import chain_rule  # noqa: E402,F401  (one weight's chain rule by hand)
from . import mistakes  # noqa: E402,F401  (mistakes, noise, dreams: what it learned)
from . import rate  # noqa: E402,F401  (the learning rate)
from . import preparation  # noqa: E402,F401  (one's own handwriting: why the preparation matters)
# isort: on

__all__ = ["FIGURES", "SECTIONS", "Context", "Figure", "draw", "register"]
