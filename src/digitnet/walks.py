"""What a walk of ``simple_gd`` did, in words: the verdict the web page and the printed figures share.

``describe_walk`` gives a ``Walk``: settled, stalled, nearly settled, bouncing (in a cycle, or not),
creeping, diverged or not moved at all, read from the whole path; where it ended, how far that is from
the function's minimum (for one variable the minimum of the valley it is in, found by ``local_minima`` /
``valley_minimum``; for two the nearest of the function's known minima) and how big the gradient is
there. ``Walk.summary`` is a figure's legend line, ``Walk.sentence`` the page's answer.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from .descent import Function
from .minima import local_minima, nearest_minimum, valley_minimum

BOUNCE_POINTS = 10  # a bouncing walk is said to be between the lowest and highest of its last this many points
STEADY_STEPS = 10   # a walk closes in when each of its last this many steps is shorter than the one before
NEARLY = 1000       # a walk is nearly settled when at most NEARLY tolerances are left to go
FLAT = 1e-3         # a walk that stopped settled if the slope there is under FLAT times the start's (or the tolerance)
FAR = 1e6           # a walk past this far out is said to have diverged, whatever its steps did
MAX_PERIOD = 16     # the longest cycle looked for: a walk whose last 3 rounds of p points repeat
REPEATS = 3         # a cycle is this many rounds of its points, each repeating the one before
SHARP = 1e-3        # ... to within the tolerance, and to within this fraction of the cycle's shortest step
NEAR = 10           # a walk is nearly settled only within NEAR * NEARLY tolerances of the minimum, if one is known


class Kind(Enum):
    """What a walk of ``simple_gd`` did within its steps."""

    SETTLED = "settled"                # its step fell below the tolerance where the slope is (nearly) flat
    STALLED = "stalled"                # its step fell below the tolerance on a slope: too small a rate
    NEARLY_SETTLED = "nearly settled"  # out of steps, its steadily shrinking steps about to stop it at the minimum
    BOUNCING = "bouncing"              # out of steps, still jumping from one side of a valley to the other
    #                                    (in a cycle, when its last points repeat)
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
    infinity or NaN; ``cycle``: the points of one round (the last ones, in the order visited) if its
    last points repeat in a cycle, else None; ``goal``, the minimum it is measured against (None if
    there is none to name), ``distance`` from ``end`` to it (Euclidean), and ``gradient_size``, the
    length of the gradient at ``end``. ``summary`` and ``sentence`` say it in words."""

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
    cycle: tuple[tuple[float, ...], ...] | None = None
    goal: tuple[float, ...] | None = None
    distance: float | None = None
    gradient_size: float = math.nan

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
        if self.kind is Kind.BOUNCING and self.cycle is not None:
            return f"still bouncing after {steps}{self._around()}, {self._round()}, not closing in"
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
            if self.minimum is not None:
                minimum = f" This is the minimum at {_number(self.minimum)}."
            elif self.goal is not None:
                minimum = f" The minimum is at {_point(self.goal)}, {_number(self.distance)} away."
            else:
                minimum = ""
            return f"Settled after {steps} {at}: the step fell below the tolerance {_number(self.tolerance)}.{minimum}"
        if self.kind is Kind.STALLED:
            return (f"Stopped after {steps} {at}: the step was smaller than the tolerance {_number(self.tolerance)} "
                    f"though the slope there is still {_number(self.slope)}{self._far(gradient=False)}. "
                    f"The learning rate is too small to get anywhere.")
        if self.kind is Kind.NEARLY_SETTLED:
            return (f"Nearly settled after {steps} {at}: its last step was {_number(self.last_step)}, "
                    f"{self._pace()}, so it would stop soon (below {_number(self.tolerance)}).")
        if self.kind is Kind.BOUNCING and self.cycle is not None:
            return (f"Did not settle: after {steps} it is still bouncing in a cycle of {len(self.cycle)} points, not "
                    f"closing in: {self._cycle_points()}, then the same again. It ended {at}{self._far()}. "
                    f"Try a smaller learning rate.")
        if self.kind is Kind.BOUNCING:
            around = self._around() if self.span is not None else ""  # in two variables: where it ended, said next
            return (f"Did not settle: after {steps} it is still bouncing from one side of the valley to the "
                    f"other{around}, {self._pace()}. It ended {at}{self._far()}, its last step still "
                    f"{_number(self.last_step)} long. Try a smaller learning rate.")
        if self.kind is Kind.CREEPING:
            return (f"Did not settle: after {steps} it is still creeping downhill. It ended {at}"
                    f"{self._far()}; its last step was {_number(self.last_step)} long. "
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

    def _round(self):
        """A cycle's words in a legend: "in a cycle of 4 points"."""
        return f"in a cycle of {len(self.cycle or ())} points"

    def _cycle_points(self):
        """The points of one round of a cycle, in the order visited: "x = 2.021, 1.039, 1.93, 1.285"."""
        points = ", ".join(_point(point) for point in self.cycle or ())
        return f"x = {points}" if len(self.end) == 1 else points

    def _far(self, gradient=True):
        """How far from the minimum it ended, and how long the gradient is there:
        ", 0.5603 from the minimum at (1, 1), with a gradient of size 0.3467"; "" if no minimum is known."""
        if self.goal is None or self.distance is None:
            return ""
        far = f", {_number(self.distance)} from the minimum at {_point(self.goal)}"
        return f"{far}, with a gradient of size {_number(self.gradient_size)}" if gradient else far

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
        gradient = np.atleast_1d(np.asarray(_gradient(function, end), dtype=float))
        slope = float(np.abs(gradient).max())
        gradient_size = float(np.sqrt((gradient**2).sum()))
        start_slope = float(np.abs(_gradient(function, points[0])).max())
    last_step = float(sizes[-1]) if steps else 0.0
    cycle = None
    shrink = _steady_shrink(sizes)
    if diverged:
        kind = Kind.DIVERGED
    elif steps == 0:
        kind = Kind.NOT_MOVED
    elif np.abs(end).max() >= FAR or _climbing(function, points, sizes):
        kind = Kind.DIVERGED
    elif steps < n_iter or last_step <= tolerance:  # simple_gd stopped on the tolerance, not out of steps
        kind = Kind.SETTLED if slope <= max(tolerance, FLAT * start_slope) else Kind.STALLED
    elif shrink is not None and last_step * shrink / (1 - shrink) <= NEARLY * tolerance \
            and nearest_minimum(function.minima, end)[1] <= NEAR * NEARLY * tolerance:
        kind = Kind.NEARLY_SETTLED  # what is left to go, at most: the rest of a geometric series
    elif (cycle := _cycle(points, sizes, tolerance)) is not None or \
            (steps >= 2 and bool((moves[-1] * moves[-2] < 0).any())):
        kind = Kind.BOUNCING
    else:
        kind = Kind.CREEPING
    minimum, span = None, None
    if function.dimensions == 1 and kind is Kind.BOUNCING:
        last = points[-BOUNCE_POINTS:, 0] if cycle is None else np.array(cycle)[:, 0]
        span = (float(last.min()), float(last.max()))
        inside = local_minima(function.gradient, *span)
        minimum = inside[0] if len(inside) == 1 else None
    elif function.dimensions == 1 and kind is not Kind.DIVERGED:
        minimum = valley_minimum(function.gradient, float(end[0]))
    goal: tuple[float, ...] | None
    distance: float | None
    if kind is Kind.DIVERGED or kind is Kind.NOT_MOVED:
        goal, distance = None, None
    elif minimum is not None:  # one variable: the minimum of its valley, or the one it bounces around
        goal, distance = (minimum,), abs(float(end[0]) - minimum)
    else:
        goal, distance = nearest_minimum(function.minima, end)
    return Walk(kind, steps, tuple(float(v) for v in end), value, slope, last_step, shrink, tolerance, minimum, span,
                lost, cycle if kind is Kind.BOUNCING else None, goal, distance, gradient_size)


def _steady_shrink(sizes):
    """How long each step is against the one before (geometric mean), if each of the last STEADY_STEPS
    steps (all of them, if fewer) is shorter than the one before it; None if not, or if too few."""
    last = sizes[-(STEADY_STEPS + 1):]
    if len(last) < 3 or not (np.diff(last) < 0).all() or last[-1] <= 0:
        return None
    return float((last[-1] / last[0]) ** (1 / (len(last) - 1)))


def _cycle(points, sizes, tolerance):
    """The points of one round (the last ``p``, in the order visited) if the walk's last REPEATS rounds of
    ``p`` points repeat, for the smallest period ``p`` from 2 to MAX_PERIOD that does; else None.

    Each point must come back to within the tolerance of where it was one round before, and to within
    SHARP of the round's shortest step: a walk closing in slowly comes back nearly, but not that sharply."""
    for period in range(2, MAX_PERIOD + 1):
        if len(points) < REPEATS * period + 1:
            return None
        drift = float(np.abs(points[-(REPEATS - 1) * period:] - points[-REPEATS * period:-period]).max())
        shortest = float(sizes[-period:].min())
        if drift <= tolerance and drift <= SHARP * shortest:
            return tuple(tuple(float(v) for v in point) for point in points[-period:])
    return None


def _climbing(function, points, sizes):
    """Whether each of the last three steps was longer than the one before, ending higher than it began."""
    if len(sizes) < 4:
        return False
    with np.errstate(all="ignore"):
        higher = function.f(*points[-1]) > function.f(*points[0])
    return bool(higher and (np.diff(sizes[-4:]) > 0).all())


def _gradient(function, point):
    return function.gradient(point[0]) if function.dimensions == 1 else function.gradient(point)


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
