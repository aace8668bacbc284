"""The JSON bodies the API accepts, with their limits; anything else is refused with a 4xx."""

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..descent import FUNCTIONS
from ..recipes import LESSON_RECIPES, LIMITS, Limit

MAX_SIDE = 1024
MAX_EPOCHS = 200  # the page's own cap, below the core's: a training from the page is watched as it runs
MAX_EXAMPLES = 60_000  # the MNIST training set
MAX_DESCENT_RATE = 100  # a step of 100 times the slope leaves every function of the lesson at once
Finite = Annotated[float, Field(allow_inf_nan=False)]


def within(limit: Limit):
    """A pydantic Field holding a number to ``limit``, the range the core holds every training to."""
    if limit.above:
        return Field(default=None, gt=limit.low, le=limit.high)
    return Field(default=None, ge=limit.low, le=limit.high)


class Body(BaseModel):
    """Fields of exactly the JSON type they name: "2" is not a number, 1 is not true, 2.0 not a count."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Canvas(Body):
    """A canvas of ``height`` rows of ``width`` pixels, row-major, ink 1.0 on paper 0.0."""

    width: int = Field(ge=1, le=MAX_SIDE)
    height: int = Field(ge=1, le=MAX_SIDE)
    pixels: list[Finite]

    @model_validator(mode="after")
    def _pixels_fill_the_canvas(self):
        if len(self.pixels) != self.width * self.height:
            raise ValueError(f"pixels has {len(self.pixels)} values but a {self.width}x{self.height} canvas "
                             f"needs width * height = {self.width * self.height}")
        return self

    def image(self):
        """The canvas as a float32 array (height, width); raises ValueError for values outside 0..1.

        The range is checked on the numbers as sent, before float32 rounds 1.0000001 to 1, and they are
        shown in full, so that the sentence names the value that is out of range."""
        values = np.asarray(self.pixels, dtype=np.float64)
        if values.size and (values.min() < 0 or values.max() > 1):
            raise ValueError(f"pixels must be from 0 (paper) to 1 (ink), got values from {float(values.min())!r} "
                             f"to {float(values.max())!r}")
        return values.astype(np.float32).reshape(self.height, self.width)


class PredictRequest(Canvas):
    """A canvas to read; ``prepare``: the MNIST way (crop, fit, centre), or only shrunk to 28x28."""

    prepare: bool = True


class KeepRequest(Canvas):
    """A drawing to keep in the collection (``data.collection``) as the ``digit`` its drawer says it is."""

    digit: int = Field(ge=0, le=9)


class Verdict(BaseModel):
    """Whether the answer is sure (``digitnet.verdicts``): the reasons it is not, and the rule, in words."""

    sure: bool
    reasons: list[str]
    rule: str


class Prediction(BaseModel):
    """What the network made of a canvas: the 28x28 input it saw, each layer's z and activations
    (the input layer's excepted; the last are the ten outputs), ``probabilities``: each output's share
    of their sum (sigmoid outputs do not sum to 1), the digit and the verdict on it; only ``blank`` if
    there was no ink.

    The answer of /api/predict, as its OpenAPI schema says; ``compute.predict_json`` writes it."""

    blank: bool
    input: list[float] | None = None
    zs: list[list[float]] | None = None
    activations: list[list[float]] | None = None
    probabilities: list[float] | None = None
    digit: int | None = None
    verdict: Verdict | None = None


class TrainRequest(Body):
    """A recipe by name, with some of its settings changed; ``examples`` keeps the first N training digits."""

    recipe: str = "seed"
    learning_rate: Finite | None = within(LIMITS["learning_rate"])
    batch_size: int | None = within(LIMITS["batch_size"])
    epochs: int | None = Field(default=None, ge=1, le=MAX_EPOCHS)
    examples: int | None = Field(default=None, ge=1, le=MAX_EXAMPLES)
    speed: Literal["full", "slow", "step"] = "full"  # "step": paused after the first mini-batch, shown in full

    @field_validator("recipe")
    @classmethod
    def _known_recipe(cls, name):
        if name not in LESSON_RECIPES:
            raise ValueError(f"the page trains the seed's 784-16-16-10 network: choose one of "
                             f"{', '.join(LESSON_RECIPES)}, not {name!r} (wider recipes: digitnet train)")
        return name


class DescentRequest(Body):
    """Which small function to walk down, how far each step goes and how many steps at most."""

    function: Literal[tuple(FUNCTIONS)]  # type: ignore[valid-type]  # the names, known when it loads
    learning_rate: Finite = Field(gt=0, le=MAX_DESCENT_RATE)
    n_iter: int = Field(default=50, ge=1, le=2000)
