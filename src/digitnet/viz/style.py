"""What every figure of the lesson shares: one sign colour scheme, and text a reader can read.

Signs (a weight, a nudge, a gradient component) are blue when positive and red when negative,
everywhere, with white at zero on images: ColorBrewer's RdBu, which readers with the common
kinds of colour blindness can still tell apart (unlike red against green).

The handout (``digitnet report``) shows each figure at most ``HANDOUT_WIDTH`` CSS pixels wide,
so a wide figure is shrunk and its text with it. ``text_problems`` says which texts of a figure
would then be smaller than ``MIN_POINTS``, or lie outside the saved image.
"""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

POSITIVE = "#2166ac"  # RdBu's blue end
NEGATIVE = "#b2182b"  # RdBu's red end
SIGN_CMAP = "RdBu"    # red (negative) -> white (0) -> blue (positive); give it vmin = -vmax

# Lines that are not signs (train and test, one run and another) take Okabe-Ito colours, told
# apart with the common kinds of colour blindness, and none of them blue or red: those keep meaning + and -.
SERIES = ("#E69F00", "#009E73", "#CC79A7")  # Okabe-Ito orange, bluish green, reddish purple
INK = "#222222"       # a line that is the one thing drawn on its axes

DPI = 110             # dots per inch of the handout's PNGs
HANDOUT_WIDTH = 960   # CSS pixels: the widest the handout shows a figure
MIN_POINTS = 8        # the smallest text the handout may show, in points (1 pt = 96/72 CSS px)


def sign_color(value):
    """POSITIVE for a value >= 0, NEGATIVE below."""
    return POSITIVE if value >= 0 else NEGATIVE


def show_digit(ax, x, title, fontsize=9, vmax=1.0):
    """Draw x (784,) as a 28x28 image, 0 black to ``vmax`` white, with a title and no ticks."""
    ax.imshow(np.reshape(x, (28, 28)), cmap="gray", vmin=0.0, vmax=vmax)
    ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def shown_scale(fig, dpi=DPI):
    """How many points a reader sees per point of text on ``fig`` when the handout shows it.

    The PNG is ``width * dpi`` pixels wide and shown at that many CSS pixels, or at
    HANDOUT_WIDTH if it is wider; a point of text is ``dpi / 72`` of its pixels.
    """
    width = fig.get_figwidth() * dpi
    return min(width, HANDOUT_WIDTH) / width * dpi / 96


def shown_texts(fig):
    """Every visible, non-empty Text on ``fig`` (titles, labels, tick labels, legends, annotations)."""
    hidden = {id(text) for ax in fig.findobj(Axes) if not ax.axison  # ax.axis("off"): its ticks are not drawn
              for axis in (ax.xaxis, ax.yaxis) for text in axis.findobj(Text)}
    return [text for text in fig.findobj(Text)
            if text.get_visible() and text.get_text().strip() and text.figure is not None and id(text) not in hidden]


def figure_words(fig):
    """All the words a reader can see on ``fig``, joined by newlines: what tests read its claims from."""
    return "\n".join(text.get_text() for text in shown_texts(fig))


def text_problems(fig, dpi=DPI):
    """Sentences naming each text of ``fig`` that would be hard to read in the handout: shown under
    MIN_POINTS, or reaching outside the saved image (cut off). An empty list is a readable figure."""
    fig.set_dpi(dpi)
    renderer = FigureCanvasAgg(fig).get_renderer()  # the one savefig to PNG uses
    fig.draw(renderer)
    problems = []
    scale = shown_scale(fig, dpi)
    for text in shown_texts(fig):
        shown = text.get_fontsize() * scale
        if shown < MIN_POINTS - 1e-9:
            problems.append(f"{text.get_text()!r} is shown at {shown:.1f} pt (at least {MIN_POINTS} pt)")
    page = fig.bbox
    tight = fig.get_tightbbox(renderer)
    if tight is not None:
        tight = tight.transformed(fig.dpi_scale_trans)  # inches -> pixels
        if _outside(tight, page):
            outside = [f"{text.get_text()!r} reaches outside the image" for text in shown_texts(fig)
                       if _outside(text.get_window_extent(renderer), page)]
            problems += outside or ["something drawn reaches outside the image"]
    return problems


def _outside(box, page):
    """Whether ``box`` reaches more than a pixel beyond ``page`` (both in pixels) on any side."""
    return box.x0 < page.x0 - 1 or box.y0 < page.y0 - 1 or box.x1 > page.x1 + 1 or box.y1 > page.y1 + 1
