"""What a walk of ``simple_gd`` did, in words: the verdict the web page and the printed figures share.

``describe_walk`` gives a ``Walk``: settled, stalled, nearly settled, bouncing, creeping, diverged
or not moved at all, where it ended, and for a function of one variable which minimum it is in
(found by ``local_minima`` / ``valley_minimum``). ``Walk.summary`` is a figure's legend line,
``Walk.sentence`` the page's answer.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from .descent import Function

BOUNCE_POINTS = 10  # a bouncing walk is said to be between the lowest and highest of its last this many points
STEADY_STEPS = 10   # a walk closes in when each of its last this many steps is shorter than the one before
NEARLY = 1000       # a walk is nearly settled when at most NEARLY tolerances are left to go
FLAT = 1e-3         # a walk that stopped settled if the slope there is under FLAT times the start's (or the tolerance)
FAR = 1e6           # a walk past this far out is said to have diverged, whatever its steps did


class Kind(Enum):
    """What a walk of ``simple_gd`` did within its steps."""

    SETTLED = "settled"                # its step fell below the tolerance where the slope is (nearly) flat
    STALLED = "stalled"                # its step fell below the tolerance on a slope: too small a rate
    NEARLY_SETTLED = "nearly settled"  # out of steps, with its steadily shrinking steps about to stop it
    BOUNCING = "bouncing"              # out of steps, still jumping from one side of a valley to the other
    CREEPING = "creeping"              # out of steps, still going downhill the same way
    DIVERGED = "diverged"              # flew off: its steps grow as it climbs, or a step went to infinity or NaN
    NOT_MOVED = "not moved"            # took no steps: its path is its start alone


@dataclass(frozen=True)
class Walk:
    """The verdict on one walk: its ``kind``; where it ended (``end``, with ``value`` = f there and
    ``slope`` the largest component of the gradient there) after ``steps`` steps; its ``last_step``
    (the largest component of the last step); ``shrink``, how long each step is against the one before
    if its last steps shrank steadily (else None); and for functions of one variable, the local
    ``minimum`` it is in or bounces around (None if there is no one to name) and, if it bounces, the
    ``span`` (lowest, highest) of its last points; ``lost``: its next step (after ``end``) went to
    infinity or NaN. ``summary`` and ``sentence`` say it in words."""

    kind: Kind
    steps: int
    end: tuple[float, ...]
    value: float
    slope: float
    last_step: float
    shrink: float | None
    tolerance: float
    minimum: float | None = None
    span: tuple[float, float] | None = None
    lost: bool = False

    @property
    def summary(self) -> str:
        """A short line for a figure's legend: "settled in the minimum at 1.714 after 15 steps"."""
        where, steps = _point(self.end), _count(self.steps, "step")
        if self.kind is Kind.NOT_MOVED:
            return f"not moved: no steps taken, still at its start {where}"
        if self.kind is Kind.SETTLED and self.minimum is not None:
            return f"settled in the minimum at {_number(self.minimum)} after {steps}"
        if self.kind is Kind.SETTLED:
            return f"settled at {where} after {steps}"
        if self.kind is Kind.STALLED:
            return (f"stopped at {where} after {steps}, on a slope of {_number(self.slope)}: "
                    f"its step fell below {_number(self.tolerance)}")
        if self.kind is Kind.NEARLY_SETTLED:
            return f"nearly settled at {where} after {steps} (last step {_number(self.last_step)})"
        if self.kind is Kind.BOUNCING:
            return f"still bouncing after {steps}{self._around()}, {self._pace()}"
        if self.kind is Kind.CREEPING:
            return (f"still creeping downhill after {steps}: at {where}, "
                    f"last step {_number(self.last_step)}{self._towards()}")
        if self.lost:
            return f"diverged at {self._lost_step()}: from {where} it went to infinity (or NaN)"
        if self._flew_off():
            return f"diverged: out at {where} after {steps}, too far to follow"
        return f"diverging: each step longer than the last; at {where} after {steps}, f up to {_number(self.value)}"

    @property
    def sentence(self) -> str:
        """What the page says of the walk: what it did, where it ended, and what to try."""
        at = f"at {_point(self.end)}, where f = {_number(self.value)}"
        steps = _count(self.steps, "step")
        if self.kind is Kind.NOT_MOVED:
            return (f"Has not moved: it took no steps, so it is still at its start, {_point(self.end)}, "
                    f"where f = {_number(self.value)}.")
        if self.kind is Kind.SETTLED:
            minimum = "" if self.minimum is None else f" This is the minimum at {_number(self.minimum)}."
            return f"Settled after {steps} {at}: the step fell below the tolerance {_number(self.tolerance)}.{minimum}"
        if self.kind is Kind.STALLED:
            return (f"Stopped after {steps} {at}: the step was smaller than the tolerance {_number(self.tolerance)} "
                    f"though the slope there is still {_number(self.slope)}. "
                    f"The learning rate is too small to get anywhere.")
        if self.kind is Kind.NEARLY_SETTLED:
            return (f"Nearly settled after {steps} {at}: its last step was {_number(self.last_step)}, "
                    f"{self._pace()}, so it would stop soon (below {_number(self.tolerance)}).")
        if self.kind is Kind.BOUNCING:
            return (f"Did not settle: after {steps} it is still bouncing from one side of the valley to the "
                    f"other{self._around()}, {self._pace()}. It ended {at}, its last step still "
                    f"{_number(self.last_step)} long. Try a smaller learning rate.")
        if self.kind is Kind.CREEPING:
            return (f"Did not settle: after {steps} it is still creeping downhill{self._towards()}. It ended {at}, "
                    f"its last step {_number(self.last_step)} long. "
                    f"A bigger learning rate (or more steps) would take it further.")
        if self.lost:
            return (f"Diverged at {self._lost_step()}: from {_point(self.end)}, where f = {_number(self.value)}, "
                    f"it went to infinity (or NaN). "
                    f"The learning rate is too big for this function.")
        if self._flew_off():
            return (f"Diverged: after {steps} it was out at {_point(self.end)}, too far to follow. "
                    f"The learning rate is too big for this function.")
        return (f"Diverging: each step was longer than the last, and after {steps} it is {at}. "
                f"The learning rate is too big for this function.")

    def _around(self):
        """Where a bouncing walk bounces: around which minimum, between which x (one variable); or where it ended."""
        if self.span is None:
            return f" at {_point(self.end)}"
        around = "" if self.minimum is None else f" around the minimum at {_number(self.minimum)}"
        return f"{around} (x between {_number(self.span[0])} and {_number(self.span[1])})"

    def _pace(self):
        """How its last steps shrink: "each step 0.768 of the last", to enough figures that a shrink reads
        1 only if it is 1 (a shrink that rounds to 1 at 3 figures is said to be barely shorter)."""
        if self.shrink is None:
            return "not steadily closing in"
        shrink = _number(self.shrink, 3)
        if shrink == "1" and self.shrink != 1:
            return "each step barely shorter than the last"
        return f"each step {shrink} of the last"

    def _lost_step(self):
        """Which step went to infinity or NaN, in words: "the first step", "step 12"."""
        return "the first step" if self.steps == 0 else f"step {self.steps + 1:,}"

    def _towards(self):
        return "" if self.minimum is None else f", towards the minimum at {_number(self.minimum)}"

    def _flew_off(self):
        return not math.isfinite(self.value) or max(abs(v) for v in self.end) >= FAR


def describe_walk(function: Function, path: Sequence[Any], n_iter: int, tolerance: float = 1e-06,
                  diverged: bool = False) -> Walk:
    """The verdict on ``path``, a walk of ``simple_gd`` down ``function`` of at most ``n_iter`` steps
    with ``tolerance``; ``diverged`` says it was cut short where its values grew too big to follow.
    A walk of fewer than ``n_iter`` steps stopped because its step fell within the tolerance (that is
    the only other way ``simple_gd`` stops). A path that reaches infinity or NaN is read up to its last
    finite point."""
    if len(path) == 0:
        raise ValueError("a walk's path must hold at least its start, got an empty path")
    if len(path) - 1 > n_iter:
        raise ValueError(f"a walk of at most n_iter = {n_iter} steps has at most {n_iter + 1} points, got {len(path)}")
    points = np.array([np.atleast_1d(np.asarray(point, dtype=float)) for point in path])
    finite = np.isfinite(points).all(axis=1)
    if not finite[0]:
        raise ValueError(f"a walk must start at a finite point, got {_point(points[0])}")
    lost = not finite.all()
    if lost:
        points, diverged = points[:int(np.argmin(finite))], True
    steps = len(points) - 1
    end = points[-1]
    moves = np.diff(points, axis=0)
    sizes = np.abs(moves).max(axis=1)
    with np.errstate(all="ignore"):
        value = float(function.f(*end))
        slope = float(np.abs(_gradient(function, end)).max())
        start_slope = float(np.abs(_gradient(function, points[0])).max())
    last_step = float(sizes[-1]) if steps else 0.0
    shrink = _steady_shrink(sizes)
    if diverged:
        kind = Kind.DIVERGED
    elif steps == 0:
        kind = Kind.NOT_MOVED
    elif np.abs(end).max() >= FAR or _climbing(function, points, sizes):
        kind = Kind.DIVERGED
    elif steps < n_iter or last_step <= tolerance:  # simple_gd stopped on the tolerance, not out of steps
        kind = Kind.SETTLED if slope <= max(tolerance, FLAT * start_slope) else Kind.STALLED
    elif shrink is not None and last_step * shrink / (1 - shrink) <= NEARLY * tolerance:
        kind = Kind.NEARLY_SETTLED  # what is left to go, at most: the rest of a geometric series
    elif steps >= 2 and bool((moves[-1] * moves[-2] < 0).any()):
        kind = Kind.BOUNCING
    else:
        kind = Kind.CREEPING
    minimum, span = None, None
    if function.dimensions == 1 and kind is Kind.BOUNCING:
        last = points[-BOUNCE_POINTS:, 0]
        span = (float(last.min()), float(last.max()))
        inside = local_minima(function.gradient, *span)
        minimum = inside[0] if len(inside) == 1 else None
    elif function.dimensions == 1 and kind is not Kind.DIVERGED:
        minimum = valley_minimum(function.gradient, float(end[0]))
    return Walk(kind, steps, tuple(float(v) for v in end), value, slope, last_step, shrink, tolerance, minimum, span,
                lost)


def _steady_shrink(sizes):
    """How long each step is against the one before (geometric mean), if each of the last STEADY_STEPS
    steps (all of them, if fewer) is shorter than the one before it; None if not, or if too few."""
    last = sizes[-(STEADY_STEPS + 1):]
    if len(last) < 3 or not (np.diff(last) < 0).all() or last[-1] <= 0:
        return None
    return float((last[-1] / last[0]) ** (1 / (len(last) - 1)))


def _climbing(function, points, sizes):
    """Whether each of the last three steps was longer than the one before, ending higher than it began."""
    if len(sizes) < 4:
        return False
    with np.errstate(all="ignore"):
        higher = function.f(*points[-1]) > function.f(*points[0])
    return bool(higher and (np.diff(sizes[-4:]) > 0).all())


def _gradient(function, point):
    return function.gradient(point[0]) if function.dimensions == 1 else function.gradient(point)


def local_minima(gradient: Callable[[float], float], low: float, high: float, n: int = 1001) -> list[float]:
    """The local minima of a function of one variable from ``low`` to ``high``, to 1e-9: where its
    ``gradient`` goes from negative to positive between n points spaced evenly, narrowed by bisection."""
    xs = np.linspace(low, high, n)
    slopes = [float(gradient(x)) for x in xs]
    return [_bisect(gradient, xs[i], xs[i + 1]) for i in range(n - 1) if slopes[i] < 0 <= slopes[i + 1]]


def valley_minimum(gradient: Callable[[float], float], x: float) -> float | None:
    """The minimum of the valley x lies in, to 1e-9, found by striding downhill, each stride twice the
    last, until the slope turns; None if it never turns (the function falls for ever that way)."""
    slope = float(gradient(x))
    if slope == 0:
        return float(round(x, 9))
    direction = -1.0 if slope > 0 else 1.0
    near, stride = x, 1e-6 * (1 + abs(x))
    for _ in range(80):
        far = x + direction * stride
        if float(gradient(far)) * slope <= 0:
            return _bisect(gradient, *sorted((near, far)))
        near, stride = far, 2 * stride
    return None


def _bisect(gradient, low, high):
    """Where the gradient, negative at low and not at high, turns: narrowed to a float's last bit, to 1e-9."""
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if float(gradient(middle)) < 0:
            low = middle
        else:
            high = middle
    return float(round((low + high) / 2, 9))


def _number(v, digits=4):
    """v to ``digits`` significant figures, as a person writes it: 1e-6, not 1e-06; 0, not -0."""
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return "0" if text in ("-0", "0") else text


def _point(values):
    return _number(values[0]) if len(values) == 1 else "(" + ", ".join(_number(v) for v in values) + ")"


def _count(n, word):
    return f"{n:,} {word}{'' if n == 1 else 's'}"
