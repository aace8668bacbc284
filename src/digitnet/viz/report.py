"""Save figures, and the handout: the lesson's sections in the slides' order, each figure with its paragraph.

The handout shows every figure at its natural size (one PNG pixel per CSS pixel) up to
``style.HANDOUT_WIDTH``, the width of its column; ``style.text_problems`` is what keeps the
text of a wider figure readable when it is shrunk to fit.
"""

import html
import time
from pathlib import Path

from ..files import write_atomically
from ..recipes import RECIPES
from .registry import FIGURES, SECTIONS, draw
from .style import DPI, HANDOUT_WIDTH

FORMATS = (".png", ".svg", ".pdf")


def save_figure(name, context, path, dpi=DPI):
    """Draw the figure called ``name`` from ``context`` and write it to ``path`` (.png, .svg or .pdf)."""
    figure = draw(name, context)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # beside its place, then renamed over it: never half a figure, and a pipe there is replaced, not waited on
    write_atomically(path, lambda file: figure.savefig(file, dpi=dpi, format=path.suffix.lstrip(".").lower()))
    return path


def write_report(context, folder, on_figure=None):
    """Write every figure as PNG into ``folder`` and an ``index.html`` that walks through them,
    section by section in the order of the slides.

    ``on_figure(name, seconds)`` is called after each figure. Returns the page's path.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    introductions = _introductions(context)
    sections = []
    for number, (key, heading) in enumerate(SECTIONS, start=1):
        figures = []
        for entry in (entry for entry in FIGURES.values() if entry.section == key):
            started = time.perf_counter()
            save_figure(entry.name, context, folder / f"{entry.name}.png")
            if on_figure is not None:
                on_figure(entry.name, time.perf_counter() - started)
            width, height = (round(inches * DPI) for inches in entry.size)
            figures.append(
                f'<figure id="{entry.name}">\n<h3>{html.escape(entry.summary)}</h3>\n'
                f"<p>{html.escape(entry.paragraph)}</p>\n"
                f'<img src="{entry.name}.png" alt="{html.escape(entry.summary)}" width="{width}" height="{height}">\n'
                f"</figure>"
            )
        sections.append(f'<section id="{key}">\n<h2>{number}. {html.escape(heading)}</h2>\n'
                        f"{introductions[key]}\n" + "\n".join(figures) + "\n</section>")
    page = folder / "index.html"
    text = _PAGE.format(network=html.escape(_describe(context.network)), width=HANDOUT_WIDTH,
                        contents="\n".join(f'<li><a href="#{key}">{html.escape(heading)}</a></li>'
                                            for key, heading in SECTIONS),
                        sections="\n".join(sections))
    write_atomically(page, lambda file: file.write(text.encode()))
    return page


def _introductions(context):
    """INTRODUCTIONS with this handout's numbers filled in: the training set's size, and the cost's name."""
    n_train = len(context.train_set)
    cost = context.network.cost.name
    cost_note = "" if cost == "mse" else (f" (This handout's model was trained on another cost, "
                                          f"{html.escape(cost)}; its figures show that one.)")
    seed = RECIPES["seed"]
    return {key: text.format(n_train=n_train, steps=-(-n_train // 10), cost_note=cost_note,
                             seed_rate=seed.learning_rate, seed_epochs=seed.epochs, seed_decay=seed.weight_decay)
            for key, text in INTRODUCTIONS.items()}


def _describe(network):
    meta = network.metadata
    accuracy = meta.get("test_accuracy")
    data = meta.get("data") if meta.get("data") not in (None, "bundled MNIST") else "MNIST"
    trained = f", {accuracy:.2%} on the test set" if isinstance(accuracy, (int, float)) else ""
    return (f"{'-'.join(map(str, network.sizes))} network of {network.activation.name} neurons, "
            f"trained with digitnet on {data}{trained}")


# Each section's opening, in the slides' words; what it says holds for any trained seed network
# (the report draws only 784-16-16-10 networks). HTML, written here, never built from input.
INTRODUCTIONS = {
    "neuron": """<p>A neuron holds a number from 0.0 to 1.0, its <em>activation</em>. A 28 x 28 image of a
handwritten digit is 784 numbers, one for each pixel (0.0 black, 1.0 white): the 784 neurons of
the network's first layer.</p>""",
    "layers": """<p>The network is 784 &rarr; 16 &rarr; 16 &rarr; 10: the 784 input neurons, two hidden
layers of 16 that we hope pick up strokes and then patterns of strokes, and ten outputs, one for
each digit. Each layer's activations are computed from the layer before; the brightest output is
the network's answer.</p>""",
    "weights-and-bias": """<p>Each neuron takes a <em>weighted sum</em> of the activations of the
layer before, w<sub>1</sub>a<sub>1</sub> + w<sub>2</sub>a<sub>2</sub> + &hellip; +
w<sub>n</sub>a<sub>n</sub>, adds its <em>bias</em> b (its threshold: a bias of &minus;10 keeps it dark
until the sum passes 10), and squashes the result z into 0..1 with the sigmoid,
&sigma;(z) = 1 / (1 + e<sup>&minus;z</sup>).</p>
<p class="note"><strong>A note on notation.</strong> digitnet keeps the examples of a batch as rows
and stores layer l's weights as a matrix W of shape (n<sub>in</sub>, n<sub>out</sub>), so a layer is
z = a W + b (in code <code>z = a @ W + b</code>). The slides, 3Blue1Brown and Nielsen's book write the
transpose: w<sub>jk</sub> joins neuron k of the layer before to neuron j, and z = W a + b. So
digitnet's <code>weights[l][k, j]</code> is the book's w<sub>jk</sub>, and the 784 weights of
first-layer neuron j are the column <code>weights[0][:, j]</code>. The figures use digitnet's names,
counted from 0: <code>weights[0]</code> and <code>biases[0]</code> feed hidden layer 1,
<code>weights[2]</code> and <code>biases[2]</code> the output layer.</p>""",
    "parameters": """<p>Every neuron after the input has one weight for each neuron before it and a
bias of its own: 784 x 16 + 16 x 16 + 16 x 10 = 12,960 weights and 16 + 16 + 10 = 42 biases,
13,002 numbers in all. They are the network's knobs; learning means finding good values for all
of them.</p>""",
    "cost": """<p>To learn, the network needs a measure of how wrong it is. For one digit, the
<em>cost</em> adds up the squared differences between its ten outputs and the right answer (1.0 for
the right digit, 0.0 for the other nine); the cost of the network is the average of that over the
training examples (the mean squared error, with no factor 1/2). Training makes this one number small.{cost_note}</p>""",
    "gradient-descent": """<p>The cost is a function of the 13,002 weights and biases. Its
<em>gradient</em> points where it grows fastest, so a small step along the <em>negative</em>
gradient lowers it: start from random weights, compute the cost, step downhill by the learning rate
times the gradient, repeat. The slides' <code>simple_gd(gradient, start, learn_rate, n_iter=50,
tolerance=1e-06)</code> does exactly this; here it walks down small functions first.</p>""",
    "sgd": """<p>The true gradient is an average over all the training digits: one careful step
costs a pass over all of them. <em>Stochastic</em> gradient descent estimates it from a random
mini-batch of 10 digits and steps at once, {steps:,} steps for each pass over the {n_train:,}
training digits (an <em>epoch</em>): a drunk man walking down a hill, but faster.</p>
<p>The seed recipe adds two things to plain SGD. Its learning rate starts at {seed_rate:g} and falls along a
cosine to nearly 0 over its {seed_epochs} epochs (the <em>schedule</em>): big steps first, small ones to settle.
And its cost gains a penalty on large weights, (&lambda; / 2n) times the sum of the squared weights
with &lambda; = {seed_decay:g} (<em>L2</em> weight decay), so each step also shrinks every weight a little towards
0: that is why a trained network's weights stay small.</p>""",
    "backprop": """<p>The gradient comes from <em>backpropagation</em>: for one example the cost says
how each output neuron should move, and the chain rule carries those wishes back, layer by layer, to
every weight and bias. One forward and one backward pass give all 13,002 partial derivatives, where
nudging each parameter in turn would take 13,003 forward passes.</p>
<p>Nielsen's book names its four equations, and the figures use the names. With &delta; = &part;C/&part;z
for each neuron: <strong>BP1</strong>, the output layer's &delta; is &part;C/&part;a times
&sigma;&prime;(z); <strong>BP2</strong>, a layer's &delta; is the next layer's carried back through the
weights, times &sigma;&prime;(z); <strong>BP3</strong>, &part;C/&part;b is &delta;; <strong>BP4</strong>,
&part;C/&part;w is the activation feeding the weight times the &delta; of the neuron it feeds.</p>""",
    "learned": """<p>What did the 13,002 numbers become? The weights of each hidden neuron drawn as an
image, how they formed over training, the digits the network gets wrong, what it answers for pure
noise, and the picture it finds most like each digit.</p>""",
    "learning-rate": """<p>The learning rate is how far each step goes along the negative gradient:
too small and training crawls, too large and the steps overshoot. Its role, measured on the real
network:</p>""",
    "own-handwriting": """<p>MNIST is other people's handwriting, scanned in the 1990s and prepared a
particular way: each digit cropped to its ink, scaled to fit a 20 x 20 box and centred by its mass in
the 28 x 28 field. The network reads what it was trained on, so a digit drawn or written elsewhere is
read well only once it is prepared the same way, and even then it may be written unlike any of
MNIST's. The figure below reads your kept digits once you have kept 10 or more, else a small sample
of drawn digits that comes with digitnet (<code>digitnet show preparation --images DIR</code> reads
another folder).</p>""",
}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>How a neural network learns to read digits</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: {width}px; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }}
img {{ max-width: 100%; height: auto; outline: 1px solid #ddd; }}  /* an outline takes no width */
figure {{ margin: 0 0 2.5em; }}
section {{ margin-bottom: 3em; }}
.note {{ background: #f4f4f4; padding: 0.6em 0.9em; border-left: 3px solid #999; }}
</style>
</head>
<body>
<h1>How a neural network learns to read digits</h1>
<p>The figures below were drawn from a real {network}, in the order of the lesson. A few draw
something else, and say so: small functions for gradient descent, the sigmoid alone for the bias,
and fresh copies of the untrained network for the figures that train networks of their own.</p>
<ol>
{contents}
</ol>
{sections}
</body>
</html>
"""
