"""What the API answers, computed by the core: the model, a prediction, a neuron, a descent."""

import numpy as np
import orjson

from ..data.image import FIELD, prepare_image, shrink_whole
from ..data.picture import NoDigitError
from ..descent import FUNCTIONS, simple_gd
from ..verdicts import RULE, judge
from ..walks import describe_walk

BLANK_INK = 0.01  # prepare=false: a 28x28 input with no pixel above this is a blank canvas
CAP = 1e6         # a descent whose values pass this has diverged: its path stops there
# where each function is shown, before widening to fit the path: (x limits) or (x limits, y limits)
VIEWS = {"square": (-11, 11), "quartic": (-2.5, 2.5), "bowl": ((-9, 9), (-1.5, 1.5)),
         "rosenbrock": ((-1.5, 1.5), (-0.5, 2))}
CURVE_POINTS, GRID_POINTS = 400, 60


def model_json(network):
    metadata = network.metadata or {}
    recipe = metadata.get("recipe")
    return {
        "sizes": list(network.sizes), "activation": network.activation.name, "output": network.output.name,
        "cost": network.cost.name, "n_params": int(network.n_params),
        "test_accuracy": metadata.get("test_accuracy"),
        "recipe": recipe.get("name") if isinstance(recipe, dict) else recipe,
        "weights": [w.tolist() for w in network.weights], "biases": [b.tolist() for b in network.biases],
    }


def network_input(image, prepare):
    """The (784,) row the network reads from a canvas (H, W) with ink high, or None if it is blank.

    prepare: the MNIST way (``prepare_image``); otherwise the whole canvas averaged down to 28x28 (``shrink_whole``:
    the first step of the preparation figure; a 28x28 canvas is read as it is)."""
    if prepare:
        try:
            return prepare_image(image)
        except NoDigitError:
            return None
    field = shrink_whole(np.asarray(image, dtype=np.float32)).reshape(FIELD * FIELD)
    return None if field.max() <= BLANK_INK else field


def predict_json(network, image, prepare):
    """What ``network`` makes of a canvas, as JSON bytes: the 28x28 input it saw, each layer's z and
    activations, the shares (each output over their sum), the digit and the verdict on it (``verdicts.judge``,
    with its rule in words: see ``schemas.Prediction``); ``{"blank": true}`` without ink.

    orjson writes the arrays as they are, float32 in their shortest form: several times faster than
    turning them into lists of Python floats for Pydantic, and half as many bytes (benchmarks/load.py)."""
    x = network_input(image, prepare)
    if x is None:
        return orjson.dumps({"blank": True})
    zs, activations = network.forward_trace(x[None, :])
    verdict = judge(activations[-1][0], x)
    return orjson.dumps({
        "blank": False, "input": x, "zs": [z[0] for z in zs], "activations": [a[0] for a in activations[1:]],
        "probabilities": network.probabilities(activations[-1])[0], "digit": int(activations[-1][0].argmax()),
        "verdict": {"sure": verdict.sure, "reasons": list(verdict.reasons), "rule": RULE},
    }, option=orjson.OPT_SERIALIZE_NUMPY)


def neuron_json(network, layer, index):
    """Neuron ``index`` of layer ``layer`` (1 = first hidden); raises LookupError saying what exists."""
    n_layers = len(network.weights)
    if not 1 <= layer <= n_layers:
        raise LookupError(f"there is no layer {layer}; layers with weights are 1 to {n_layers}")
    size = network.sizes[layer]
    if not 0 <= index < size:
        raise LookupError(f"layer {layer} has no neuron {index}; its neurons are 0 to {size - 1}")
    return {"layer": layer, "index": index, "weights": network.weights[layer - 1][:, index].tolist(),
            "bias": float(network.biases[layer - 1][index])}


def _capped(path):
    """The path as lists up to the first point past CAP (clipped to it); and whether it got there."""
    points = []
    for point in path:
        point = np.atleast_1d(np.asarray(point, dtype=float))
        if np.isnan(point).any():
            return points, True
        if (np.abs(point) > CAP).any():
            points.append(np.clip(point, -CAP, CAP).tolist())
            return points, True
        points.append(point.tolist())
    return points, False


def _span(limits, values, n):
    """n points from the lower of limits[0] and the values to the higher of limits[1] and them."""
    return np.linspace(min(limits[0], *values), max(limits[1], *values), n)


def _finite(values):
    """Numbers as JSON can hold them: None for infinity or NaN."""
    return [float(v) if np.isfinite(v) else None for v in values]


def descent_json(name, learning_rate, n_iter):
    """simple_gd's walk down FUNCTIONS[name]: its path (cut at CAP), f and the gradient at each point
    of it (``values``, ``gradients``), the function's known ``minima``, the verdict on it in the core's
    words (``describe_walk``: its kind, its sentence, the cycle it repeats, how far it ended from the
    minimum and how long the gradient is there), and the curve or grid to draw it on."""
    function = FUNCTIONS[name]
    start = function.start if function.dimensions == 1 else np.array(function.start)
    with np.errstate(all="ignore"):
        _, path = simple_gd(function.gradient, start, learning_rate, n_iter=n_iter)
    points, diverged = _capped(path)
    with np.errstate(all="ignore"):
        walk = describe_walk(function, points, n_iter, diverged=diverged)
        at = np.array(points)
        values = function.f(*at.T)
        gradients = [np.atleast_1d(function.gradient(p[0] if function.dimensions == 1 else p)) for p in at]
    answer = {"dimensions": function.dimensions, "path": points,
              "start": np.atleast_1d(function.start).astype(float).tolist(), "diverged": diverged,
              "values": _finite(values), "gradients": [_finite(g) for g in gradients],
              "minima": [list(m) for m in function.minima],
              "verdict": {"kind": walk.kind.value, "sentence": walk.sentence, "minimum": walk.minimum,
                          "cycle": None if walk.cycle is None else len(walk.cycle), "goal": walk.goal,
                          "distance": walk.distance, "gradient_size": _finite([walk.gradient_size])[0]}}
    view = VIEWS[name]
    with np.errstate(all="ignore"):
        if function.dimensions == 1:
            x = _span(view, [p[0] for p in points], CURVE_POINTS)
            answer["curve"] = {"x": x.tolist(), "y": function.f(x).tolist()}
        else:
            x = _span(view[0], [p[0] for p in points], GRID_POINTS)
            y = _span(view[1], [p[1] for p in points], GRID_POINTS)
            answer["grid"] = {"x": x.tolist(), "y": y.tolist(), "z": function.f(x[None, :], y[:, None]).tolist()}
    return answer
