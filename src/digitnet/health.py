"""Training health: is the network stuck on one answer, and are its sigmoid neurons saturated?

A sigmoid neuron whose weighted input z is far from 0 has sigma'(z) close to 0, so the
MSE gradient through it (which carries sigma'(z), BP1 and BP2) nearly vanishes and it
learns slowly: that is saturation. A network that answers (almost) one class for every
input is stuck: typically a learning rate so large that every neuron saturated, a bad
initialisation, or inputs that are not scaled to 0..1.
"""

from dataclasses import dataclass

import numpy as np

SATURATED = 0.01    # sigma'(z) below this counts as saturated (its largest value is 0.25)
STUCK_SHARE = 0.9   # one class given for at least this share of the inputs is stuck


@dataclass(frozen=True)
class Health:
    """``saturation``: share of sigmoid neurons (over the inputs) with sigma'(z) < 0.01, None if
    there are none (``saturated_layers`` says which: "all" or "output"); ``top_class`` and
    ``top_class_share``: the most frequent answer and how often; ``top_class_truth``: how often
    that class is the right answer."""

    cost: float
    saturation: float | None
    top_class: int
    top_class_share: float
    top_class_truth: float = 0.0
    saturated_layers: str = "all"

    @property
    def stuck(self):
        """One answer for (almost) everything, far more often than it is right: not just skewed data."""
        return self.top_class_share >= max(STUCK_SHARE, 2 * self.top_class_truth)

    @property
    def finite(self):
        return bool(np.isfinite(self.cost))


def check_health(network, X, Y):
    """The Health of ``network`` on inputs X (n, sizes[0]) with one-hot targets Y (n, sizes[-1])."""
    activations = network.activations(X)
    sigmoid_layers = [a for a, f in zip(activations, network.layer_activations) if f.name == "sigmoid"]
    only_output = network.activation.name != "sigmoid"
    saturation = None
    if sigmoid_layers:
        saturated = sum(int((a * (1 - a) < SATURATED).sum()) for a in sigmoid_layers)
        saturation = saturated / sum(a.size for a in sigmoid_layers)
    answers = np.bincount(activations[-1].argmax(axis=1), minlength=network.sizes[-1])
    top_class = int(answers.argmax())
    return Health(
        cost=network.cost.value(activations[-1], Y),
        saturation=saturation,
        top_class=top_class,
        top_class_share=float(answers.max() / len(X)),
        top_class_truth=float(Y[:, top_class].mean()),
        saturated_layers="output" if only_output else "all",
    )


def stuck_message(health):
    """One sentence for a stuck network, with the likely causes."""
    which = "sigmoid output neurons" if health.saturated_layers == "output" else "sigmoid neurons"
    saturated = f"; {health.saturation:.0%} of its {which} are saturated" if health.saturation else ""
    return (f"the network is stuck: it answers {health.top_class} for {health.top_class_share:.0%} of the inputs"
            f"{saturated}; likely causes: a learning rate far too large, a bad initialisation, "
            f"or inputs not scaled to 0..1")
