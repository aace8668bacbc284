"""Figures of notebooks/tour.ipynb: each function takes numbers the notebook computed and returns a Figure.

The notebook's cells hold the learning (the forward pass, the gradient, the sums); these hold the
matplotlib, so a cell ends with one call. They are not among the handout's FIGURES: they draw
whatever numbers they are given, and every number or claim they write comes from those numbers.
Two helpers give the notebook words instead of a figure: ``said`` (the lines of a figure's own
text that hold a phrase) and ``uphill_words`` (what the smallest mini-batch cosine says).
Signs use the lesson's one scheme (``style``): blue positive, red negative.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ..activations import sigmoid
from .style import SERIES, SIGN_CMAP, figure_words, sign_color

NEUTRAL, DARK = "0.6", "0.2"  # colours that say nothing about a sign


def _no_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def said(fig, *phrases):
    """The lines of ``fig``'s own words (what a reader sees on it) that hold any of ``phrases``,
    each once: so a notebook can print a figure's numbers instead of restating them."""
    lines = []
    for line in figure_words(fig).splitlines():
        if any(phrase in line for phrase in phrases) and line not in lines:
            lines.append(line)
    return lines


def uphill_words(cosines):
    """What ``cosines`` (k,) between mini-batch gradients and the full gradient say at their smallest:
    its angle, and how many point partly uphill (cosine below 0), or that none does."""
    cosines = np.asarray(cosines, dtype=np.float64)
    smallest = float(cosines.min())
    angle = float(np.degrees(np.arccos(np.clip(smallest, -1.0, 1.0))))
    uphill = int(np.count_nonzero(cosines < 0))
    widest = f"the smallest cosine {smallest:.2f}, an angle of {angle:.0f}°: "
    if uphill:
        verb = "points" if uphill == 1 else "point"
        return widest + f"{uphill} of the {len(cosines)} {verb} partly uphill (cosine below 0)"
    return widest + f"none points uphill, every one within {angle:.0f}° of the full gradient"


def weighted_sum_figure(x, neurons):
    """One row per neuron: the input a (784,), its weights w (784,), and w * a pixel by pixel, with their sum.

    ``neurons``: [(label, w, b)], e.g. the same neuron before and after training. Each row's
    colours are centred on 0 and stretched to that row's largest |w| (written beside it)."""
    fig = Figure(figsize=(9, 3.2 * len(neurons)), layout="constrained")
    axes = fig.subplots(len(neurons), 3, squeeze=False)
    for row, (label, w, b) in zip(axes, neurons):
        w = np.asarray(w, dtype=np.float64)
        weighted_sum = float(w @ x)
        z = weighted_sum + float(b)
        a = float(sigmoid(np.float64(z)))
        limit = float(np.abs(w).max())
        row[0].imshow(np.reshape(x, (28, 28)), cmap="gray", vmin=0, vmax=1)
        row[0].set_title("the activations a: the digit", fontsize=10)
        image = row[1].imshow(np.reshape(w, (28, 28)), cmap=SIGN_CMAP, vmin=-limit, vmax=limit)
        row[1].set_title(f"{label}:\nits 784 weights w", fontsize=10)
        row[2].imshow(np.reshape(w * x, (28, 28)), cmap=SIGN_CMAP, vmin=-limit, vmax=limit)
        row[2].set_title(f"w × a, pixel by pixel, adds up to {weighted_sum:.2f}\n"
                         f"z = {weighted_sum:.2f} + bias {float(b):.2f} = {z:.2f}; σ(z) = {a:.2f}",
                         fontsize=10)
        for ax in row:
            _no_ticks(ax)
        fig.colorbar(image, ax=row[1:], shrink=0.85, label=f"weight (blue +, red −; ±{limit:.2f})")
    return fig


def cost_figure(a, y, costs):
    """One digit's outputs ``a`` (10,) against its one-hot answer ``y``; and the cost of every digit ``costs``
    (n,), with their average: the cost."""
    a, y = np.asarray(a, dtype=np.float64), np.asarray(y, dtype=np.float64)
    average = float(np.mean(costs))
    fig = Figure(figsize=(9.5, 3.8), layout="constrained")
    ax_one, ax_all = fig.subplots(1, 2)
    digits = np.arange(len(a))
    ax_one.bar(digits - 0.2, a, width=0.4, color=DARK, label="the network's outputs")
    ax_one.bar(digits + 0.2, y, width=0.4, color=NEUTRAL, label="the right answer")
    ax_one.set(xticks=digits, xlabel="output neuron (digit)", ylim=(0, 1.3))
    ax_one.set_title(f"one digit: cost = sum of squared\ndifferences = {((a - y) ** 2).sum():.2f}", fontsize=10)
    ax_one.legend(loc="upper left")
    ax_all.hist(costs, bins=50, color=NEUTRAL)
    ax_all.axvline(average, color="black", ls="--", label=f"the cost: their average, {average:.2f}")
    ax_all.set(xlabel="cost of one digit", ylabel="digits")
    ax_all.set_title(f"the cost of each of {len(costs):,} digits", fontsize=10)
    ax_all.legend(loc="upper right")
    return fig


def cost_and_accuracy_figure(values, costs, accuracies, original):
    """The cost and the accuracy as one weight takes each of ``values`` (the others kept), its own value
    ``original`` marked: the cost is a smooth slope, the accuracy a staircase with flat steps."""
    accuracies = np.asarray(accuracies, dtype=np.float64)
    steps = int(np.count_nonzero(np.diff(accuracies)))
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax_cost, ax_accuracy = fig.subplots(2, 1, sharex=True)
    ax_cost.plot(values, costs, color=DARK)
    ax_cost.set(ylabel="cost")
    ax_cost.set_title("the cost changes with every nudge of the weight", fontsize=10)
    ax_accuracy.step(values, accuracies * 100, where="mid", color=DARK)
    ax_accuracy.set(xlabel="the weight's value", ylabel="accuracy (%)")
    ax_accuracy.set_title(f"the accuracy changes at {steps} of {len(values) - 1} nudges, "
                          f"flat in between (slope 0)", fontsize=10)
    for ax in (ax_cost, ax_accuracy):
        ax.axvline(original, color=NEUTRAL, ls=":", label=f"its value now, {original:.3f}")
        ax.grid(alpha=0.3)
    ax_cost.legend(loc="best")
    return fig


def largest_gradients_figure(image, pixels, neurons, values):
    """The first layer's largest components dC/dw: ``pixels`` (k,) are their input pixels (0..783),
    ``neurons`` (k,) their hidden neurons, ``values`` (k,) the components. Left, the pixels framed on
    ``image`` (784,), blue positive, red negative; right, each component as a bar, coloured the same."""
    values = np.asarray(values, dtype=np.float64)
    fig = Figure(figsize=(9.5, 4.2), layout="constrained")
    ax_image, ax_bars = fig.subplots(1, 2, width_ratios=(1, 1.5))
    ax_image.imshow(np.reshape(image, (28, 28)), cmap="gray", vmin=0, vmax=max(float(np.max(image)), 1e-12))
    for pixel, value in zip(pixels, values):
        row, column = divmod(int(pixel), 28)
        ax_image.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, lw=2, color=sign_color(value)))
    distinct = sorted({int(k) for k in neurons})
    whose = f"all to neuron {distinct[0]}" if len(distinct) == 1 else f"to {len(distinct)} different neurons"
    ax_image.set_title(f"their pixels, framed ({whose}),\non the batch's average digit", fontsize=10)
    _no_ticks(ax_image)
    ranks = np.arange(1, len(values) + 1)
    ax_bars.barh(ranks, values, color=[sign_color(value) for value in values])
    ax_bars.set_yticks(ranks, [f"pixel ({divmod(int(p), 28)[0]}, {divmod(int(p), 28)[1]}) → neuron {int(k)}"
                               for p, k in zip(pixels, neurons)], fontsize=9)
    ax_bars.invert_yaxis()
    ax_bars.axvline(0, color="black", lw=0.8)
    ax_bars.xaxis.set_major_locator(MaxNLocator(4))
    n_positive = int(np.count_nonzero(values > 0))
    ax_bars.set_title(f"the {len(values)} largest |dC/dw|: {n_positive} positive (blue: a step lowers w),\n"
                      f"{len(values) - n_positive} negative (red: a step raises w)", fontsize=10)
    ax_bars.set_xlabel("dC/dw (pixel: row, column)")
    return fig


def cosines_figure(groups):
    """Histograms of cosines between mini-batch gradients and the full gradient: ``groups`` {label: (k,)},
    each label with its range written in the legend; 1 is straight downhill, 0 at right angles to it."""
    fig = Figure(figsize=(8, 3.8), layout="constrained")
    ax = fig.subplots()
    bins = np.linspace(-1, 1, 81)
    for (label, cosines), color in zip(groups.items(), (NEUTRAL, DARK, *SERIES)):  # groups, not signs
        cosines = np.asarray(cosines, dtype=np.float64)
        ax.hist(cosines, bins=bins, color=color, alpha=0.8,
                label=f"{label}: {cosines.min():.2f} to {cosines.max():.2f} (median {np.median(cosines):.2f})")
    ax.axvline(0, color="black", lw=0.8)
    ax.set(xlabel="cosine between a batch of 10's gradient and the full one", ylabel="mini-batches", xlim=(-1, 1))
    ax.set_title("1: the same direction; 0: at right angles; below 0: partly uphill", fontsize=10)
    ax.legend(loc="upper left", fontsize=9)
    return fig
