"""Predictions for many rows at once: feedforward."""


from .kinds import compiled


@compiled
def feedforward(weights, biases, kinds, X, out):
    """Placeholder."""
    return False
