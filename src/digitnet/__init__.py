"""digitnet: see how a 784-16-16-10 neural network learns to read handwritten digits."""

from .network import Network
from .storage import load

__version__ = "0.1.0"
__all__ = ["Network", "load", "__version__"]
