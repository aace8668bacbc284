"""Make ``own-digits/``: handwritten-looking digits that are not from MNIST, to measure on.

Run:  python benchmarks/make_own_digits.py [--out own-digits] [--seed 17] [--cache DIR] [--sample DIR]

It needs Pillow, NumPy, scikit-learn (for the UCI digits), ``npm`` and Debian's ``apt-get`` and
``dpkg-deb`` (to fetch the handwriting fonts, pinned versions, into ``--cache``; packages already
there are reused). The same seed
and the same packages give the same files, byte for byte.

It writes ``OUT/tuning/<digit>/*.png`` and ``OUT/final/<digit>/*.png`` (the layout that
torchvision's ``ImageFolder`` reads), each file named ``<source>-<number>.png``, the same number
of digits of each source for each digit in each half. The split is made here, once, with the
seed: tune on ``tuning`` only; ``final`` is only for reporting. The fonts are split by font (a
font's digits are all in one half), so the final half's fonts are hands never tuned on. It also
copies 50 tuning digits (5 of each, one of each source) to ``--sample``, by default the package's
``src/digitnet/data/drawn``.

Sources (see ``SOURCES`` and OUT/README.md):
  strokes-templates  stroke paths from per-digit skeletons, several styles each, with random
                     slant, aspect, rotation, jitter, mouse wobble, brush size, size and place,
                     drawn as the page's canvas draws them (280x280, round caps and joins, black
                     on white, brush 4-40), shrunk to 140x140 as the page sends them
  strokes-pen        a second generator: a few key points per digit (other shapes) followed by a
                     simulated hand (a damped spring chasing each point in turn: rounded corners,
                     overshoot), sampled like pointer events, drawn the same way
  fonts              the digits of 38 handwriting fonts (real people's hands made into fonts: 30
                     from npm's @fontsource, 8 from Debian's packages), at random size, rotation,
                     place, sometimes thickened
  uci-8x8            scikit-learn's ``load_digits`` (UCI optical digits, 8x8 counts of ink from
                     scanned forms): upscaled smoothly to 64x64 on an 88x88 page, dark on light
  photographed       fresh stroke digits (either generator) made into photos: tinted paper, a
                     lighting gradient, blue or black pen or pencil, blur, noise, JPEG artefacts
"""

import argparse
import io
import math
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CANVAS = 280           # the page's drawing canvas (index.html: 280x280)
SEND = 140             # the page shrinks its drawing to this before sending (drawing.js SEND_SIZE)
BRUSH = (4, 40, 20)    # the page's brush-size slider: min, max, default (index.html)
FONT_VERSION = "5.3.0"
FONTS = [              # @fontsource packages on npm: handwriting fonts, each a person's hand
    "annie-use-your-telescope", "architects-daughter", "caveat", "caveat-brush", "cedarville-cursive",
    "covered-by-your-grace", "gaegu", "gloria-hallelujah", "gochi-hand", "handlee", "homemade-apple",
    "indie-flower", "itim", "kalam", "nanum-brush-script", "nanum-pen-script", "neucha", "patrick-hand",
    "permanent-marker", "reenie-beanie", "rock-salt", "schoolbell", "shadows-into-light", "short-stack",
    "sriracha", "sue-ellen-francisco", "swanky-and-moo-moo", "the-girl-next-door", "yomogi", "zen-kurenaido",
]
DEBIAN_FONTS = {       # Debian packages of handwriting fonts (SIL Open Font License): name -> package, file
    "breip": ("fonts-breip=1:0.5.1-3", "usr/share/fonts/truetype/breip/Breip.ttf"),
    "because-we-build": ("fonts-bwht=0.1-3", "usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf"),
    "because-we-connect": ("fonts-bwht=0.1-3", "usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf"),
    "because-we-create": ("fonts-bwht=0.1-3", "usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf"),
    "because-we-learn": ("fonts-bwht=0.1-3", "usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf"),
    "because-we-mentor": ("fonts-bwht=0.1-3", "usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf"),
    "because-we-organize": ("fonts-bwht=0.1-3", "usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf"),
    "humor-sans": ("fonts-humor-sans=1.0-4", "usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf"),
}
# digits of each source for each digit in each half: 40 a digit, 400 a half, 800 in all
SOURCES = {"strokes-templates": 8, "strokes-pen": 8, "fonts": 12, "uci-8x8": 6, "photographed": 6}
HALVES = ("tuning", "final")
REPO = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- shapes in a unit box (y down)

def arc(cx, cy, rx, ry, a0, a1, n=None):
    """Points on an ellipse from angle a0 to a1 (degrees; 0 right, 90 down: increasing is
    clockwise on screen)."""
    n = n or max(4, int(abs(a1 - a0) / 12))
    t = np.radians(np.linspace(a0, a1, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in t]


def eight_curve():
    t = np.linspace(0.35, 2 * np.pi + 0.35, 40)
    return [(0.5 + 0.34 * math.sin(2 * s), 0.5 - 0.5 * math.cos(s)) for s in t]


# Each digit: styles; each style: strokes; each stroke: points (already dense where curved).
TEMPLATES = {
    0: [[arc(0.5, 0.5, 0.42, 0.5, -90, 270)],
        [arc(0.5, 0.5, 0.42, 0.5, -60, -60 - 385)],
        [arc(0.5, 0.5, 0.3, 0.5, -100, 250)]],
    1: [[[(0.55, 0.0), (0.5, 1.0)]],
        [[(0.25, 0.22), (0.55, 0.0), (0.52, 1.0)]],
        [[(0.25, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.25, 1.0), (0.85, 1.0)]]],
    2: [[arc(0.5, 0.28, 0.38, 0.28, -165, 15) + [(0.08, 1.0), (0.95, 1.0)]],
        [arc(0.5, 0.28, 0.38, 0.28, -165, 25) + [(0.15, 0.9)] + arc(0.22, 0.85, 0.1, 0.12, 140, -160)
         + [(0.95, 0.98)]],
        [[(0.12, 0.15), (0.5, 0.0), (0.85, 0.2), (0.1, 1.0), (0.9, 1.0)]]],
    3: [[arc(0.5, 0.25, 0.36, 0.25, -155, 90) + arc(0.5, 0.74, 0.42, 0.26, -90, 150)],
        [[(0.1, 0.0), (0.85, 0.0), (0.4, 0.38)] + arc(0.5, 0.68, 0.42, 0.32, -110, 150)],
        [arc(0.45, 0.25, 0.38, 0.25, -170, 80) + arc(0.45, 0.74, 0.45, 0.26, -80, 160)]],
    4: [[[(0.6, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.72, 0.3), (0.72, 1.0)]],
        [[(0.2, 0.0), (0.1, 0.6), (0.9, 0.6)], [(0.7, 0.0), (0.7, 1.0)]],
        [[(0.25, 0.0), (0.15, 0.55), (0.85, 0.5)], [(0.75, 0.05), (0.65, 1.0)]]],
    5: [[[(0.22, 0.0), (0.15, 0.45)] + arc(0.45, 0.7, 0.4, 0.3, -140, 145), [(0.22, 0.0), (0.88, 0.0)]],
        [[(0.88, 0.0), (0.22, 0.0), (0.15, 0.45)] + arc(0.45, 0.7, 0.4, 0.3, -140, 150)],
        [[(0.25, 0.02), (0.18, 0.42)] + arc(0.42, 0.7, 0.42, 0.3, -150, 120), [(0.25, 0.02), (0.85, -0.02)]]],
    6: [[[(0.78, 0.0), (0.4, 0.18), (0.15, 0.65)] + arc(0.5, 0.7, 0.36, 0.3, 180, -175)],
        [[(0.62, 0.0), (0.2, 0.66)] + arc(0.5, 0.72, 0.32, 0.28, 175, -180)],
        [[(0.85, 0.05), (0.5, 0.0)] + arc(0.55, 0.55, 0.45, 0.45, -110, -180) + arc(0.5, 0.75, 0.4, 0.25, 180, -170)]],
    7: [[[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
        [[(0.05, 0.0), (0.95, 0.0), (0.42, 1.0)], [(0.35, 0.5), (0.85, 0.5)]],
        [[(0.05, 0.1), (0.3, 0.0), (0.95, 0.02), (0.6, 0.5), (0.5, 1.0)]]],
    8: [[eight_curve()],
        [arc(0.5, 0.24, 0.3, 0.24, 0, 360), arc(0.5, 0.73, 0.38, 0.27, -90, 270)],
        [arc(0.5, 0.23, 0.3, 0.23, 60, 60 - 360) + [(0.15, 0.7)] + arc(0.5, 0.75, 0.38, 0.25, 160, -200)]],
    9: [[arc(0.45, 0.27, 0.35, 0.27, 0, -360), [(0.8, 0.27), (0.75, 1.0)]],
        [arc(0.45, 0.28, 0.35, 0.28, 5, -355) + [(0.8, 0.5), (0.72, 0.8), (0.45, 1.0), (0.2, 0.9)]],
        [arc(0.45, 0.3, 0.38, 0.3, 10, -350) + [(0.83, 0.3), (0.6, 1.0)]]],
}

# The second generator's key points: where the hand aims, in turn (other shapes than above).
KEYPOINTS = {
    0: [[[(0.55, 0.0), (0.15, 0.2), (0.05, 0.6), (0.35, 1.0), (0.8, 0.85), (0.95, 0.4), (0.7, 0.02), (0.45, 0.05)]]],
    1: [[[(0.4, 0.1), (0.6, 0.0), (0.55, 0.5), (0.5, 1.0)]], [[(0.5, 0.0), (0.48, 0.5), (0.46, 1.0)]]],
    2: [[[(0.1, 0.25), (0.45, 0.0), (0.85, 0.15), (0.75, 0.5), (0.1, 1.0), (0.5, 0.95), (0.95, 1.0)]],
        [[(0.05, 0.3), (0.3, 0.0), (0.8, 0.05), (0.85, 0.35), (0.05, 0.95), (0.3, 0.8), (0.4, 1.0), (0.95, 0.95)]]],
    3: [[[(0.1, 0.1), (0.5, 0.0), (0.85, 0.2), (0.4, 0.48), (0.9, 0.7), (0.6, 1.0), (0.1, 0.9)]]],
    4: [[[(0.55, 0.0), (0.3, 0.35), (0.0, 0.7), (0.5, 0.7), (1.0, 0.65)], [(0.7, 0.35), (0.7, 0.7), (0.7, 1.0)]],
        [[(0.15, 0.0), (0.1, 0.35), (0.1, 0.6), (0.5, 0.6), (0.95, 0.55)], [(0.75, 0.0), (0.72, 0.5), (0.7, 1.0)]]],
    5: [[[(0.9, 0.0), (0.2, 0.0), (0.15, 0.45), (0.6, 0.4), (0.9, 0.7), (0.6, 1.0), (0.05, 0.9)]],
        [[(0.25, 0.0), (0.15, 0.48), (0.6, 0.4), (0.9, 0.7), (0.55, 1.0), (0.1, 0.85)], [(0.25, 0.0), (0.9, 0.0)]]],
    6: [[[(0.75, 0.0), (0.3, 0.3), (0.1, 0.75), (0.5, 1.0), (0.9, 0.75), (0.55, 0.45), (0.15, 0.7)]]],
    7: [[[(0.0, 0.05), (0.5, 0.0), (0.95, 0.0), (0.65, 0.45), (0.45, 1.0)]],
        [[(0.0, 0.0), (0.95, 0.0), (0.6, 0.5), (0.4, 1.0)], [(0.25, 0.5), (0.9, 0.48)]]],
    8: [[[(0.85, 0.1), (0.5, 0.0), (0.15, 0.2), (0.5, 0.5), (0.9, 0.8), (0.5, 1.0), (0.1, 0.8), (0.5, 0.5),
          (0.85, 0.2), (0.6, 0.0)]]],
    9: [[[(0.85, 0.15), (0.5, 0.0), (0.15, 0.2), (0.3, 0.5), (0.8, 0.35), (0.85, 0.1), (0.8, 0.6), (0.75, 1.0)]],
        [[(0.8, 0.1), (0.4, 0.0), (0.1, 0.3), (0.4, 0.5), (0.8, 0.3), (0.8, 0.05), (0.85, 0.5), (0.6, 1.0)]]],
}


# ---------------------------------------------------------------- drawing like the page's canvas

def catmull_rom(points, step=3.0):
    """A smooth curve through ``points`` (n, 2), about ``step`` units between its points."""
    p = np.asarray(points, float)
    if len(p) < 3:
        return p
    p = np.vstack([p[0], p, p[-1]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        n = max(2, int(np.linalg.norm(p2 - p1) / step))
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        out.append(0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    out.append(p[-2][None])
    return np.vstack(out)


def brush_size(rng):
    """A brush width a person might pick on the page's slider (4-40, most near the default)."""
    return int(np.clip(round(rng.normal(BRUSH[2], 7)), BRUSH[0], BRUSH[1]))


def pointer_samples(path, rng):
    """The points of a path as pointer events report them: a few pixels apart, unevenly."""
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
    s = np.concatenate([[0], np.cumsum(seg)])
    if s[-1] == 0:
        return path[:1]
    at, pos = [0.0], 0.0
    while pos < s[-1]:
        pos += rng.uniform(2, 9)
        at.append(min(pos, s[-1]))
    return np.column_stack([np.interp(at, s, path[:, 0]), np.interp(at, s, path[:, 1])])


def wobble(path, rng, amount):
    """A mouse hand's slow drift across the path: smoothed random walk, ``amount`` pixels."""
    if len(path) < 3 or amount == 0:
        return path
    walk = np.cumsum(rng.normal(0, 1, path.shape), axis=0)
    kernel = np.ones(7) / 7
    walk = np.column_stack([np.convolve(walk[:, k], kernel, mode="same") for k in range(2)])
    walk -= np.linspace(walk[0], walk[-1], len(walk))  # the ends stay where they were aimed
    scale = np.abs(walk).max() or 1.0
    return path + walk / scale * amount


def draw_strokes(strokes, width):
    """Strokes (lists of (x, y) canvas points) drawn as drawing.js does: black lines of ``width``
    with round caps and joins on a white 280x280 canvas, shrunk to 140x140 like the page's."""
    image = Image.new("L", (CANVAS * 2, CANVAS * 2), 255)  # drawn at twice the size: smooth edges
    draw = ImageDraw.Draw(image)
    r = width  # radius at twice the size
    for stroke in strokes:
        pts = [(2 * x, 2 * y) for x, y in stroke]
        if len(pts) > 1:
            draw.line(pts, fill=0, width=2 * width)
        for x, y in pts:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return image.resize((SEND, SEND), Image.LANCZOS)


def place(strokes, rng, aspect, slant, angle):
    """Unit-box strokes shaped (aspect, slant, rotation) and put somewhere on the canvas."""
    height = rng.uniform(90, 235)
    m = np.array([[aspect * height, -slant * height], [0, height]])
    c, s = math.cos(angle), math.sin(angle)
    m = np.array([[c, -s], [s, c]]) @ m
    shaped = [np.asarray(st, float) @ m.T for st in strokes]
    allp = np.vstack(shaped)
    lo, hi = allp.min(0), allp.max(0)
    margin = 14
    fit = min(1.0, (CANVAS - 2 * margin) / max(hi - lo))  # a wide slanted digit is made smaller
    shaped = [(st - lo) * fit for st in shaped]
    room = CANVAS - 2 * margin - (hi - lo) * fit
    shift = margin + rng.uniform(0, 1, 2) * room
    return [st + shift for st in shaped]


def digit_look(rng, digit):
    """A hand's aspect (width / height), slant (shear) and tilt (radians) for one drawing."""
    aspect = rng.uniform(0.35, 0.6) if digit == 1 else rng.uniform(0.5, 0.95)
    return aspect, rng.normal(0.12, 0.18), math.radians(rng.normal(0, 8))


def warp(strokes, rng):
    """One hand's smooth distortion of a unit-box shape: a few random waves of displacement,
    up to about 0.06 of the digit's height (a loop drawn larger, a bowl flatter, a stem bent)."""
    waves = [(rng.normal(0, 2.5, 2), rng.uniform(0, 2 * np.pi), rng.normal(0, 0.025, 2)) for _ in range(3)]
    out = []
    for st in strokes:
        st = np.asarray(st, float)
        shift = sum(np.sin(st @ k + phase)[:, None] * amp for k, phase, amp in waves)
        out.append(st + shift)
    return out


def hooks(stroke, rng):
    """Sometimes a little tail where the button went down or up before the hand settled."""
    for end in (0, -1):
        if rng.random() < 0.2 and len(stroke) > 1:
            direction = rng.normal(0, 1, 2)
            tail = stroke[end] + np.outer(np.arange(1, 4), direction / np.linalg.norm(direction) * rng.uniform(2, 5))
            stroke = np.vstack([tail[::-1], stroke]) if end == 0 else np.vstack([stroke, tail])
    return stroke


def template_digit(digit, rng):
    """Generator 1: a style's skeleton, jittered, shaped and placed, wobbled, drawn."""
    styles = TEMPLATES[digit]
    style = styles[rng.integers(len(styles))]
    strokes = [np.asarray(st, float) + rng.normal(0, 0.025, (len(st), 2)) * (len(st) < 8)
               for st in style]
    # a curve's dense points get one smooth jitter instead of one each
    strokes = [st + rng.normal(0, 0.03, 2) * (len(st) >= 8) for st in strokes]
    strokes = place(warp(strokes, rng), rng, *digit_look(rng, digit))
    width = brush_size(rng)
    amount = rng.uniform(0, 6)
    drawn = [hooks(pointer_samples(wobble(catmull_rom(st) if len(st) < 8 else st, rng, amount), rng), rng)
             for st in strokes]
    return draw_strokes(drawn, width)


def hand_path(keys, rng):
    """A damped spring (the hand) chasing each key point in turn: (n, 2) pen positions."""
    stiffness, damping = rng.uniform(0.06, 0.15), rng.uniform(0.4, 0.7)
    via = rng.uniform(0.2, 0.5)  # the hand turns to the next point this share of a leg early
    pos, vel, out = keys[0].copy(), np.zeros(2), [keys[0].copy()]
    for k in range(1, len(keys)):
        target, leg = keys[k], np.linalg.norm(keys[k] - keys[k - 1])
        for _ in range(300):
            vel += stiffness * (target - pos) - damping * vel
            pos = pos + vel
            out.append(pos.copy())
            if np.linalg.norm(target - pos) < max(2.0, via * leg * (k < len(keys) - 1)):
                break
    for _ in range(40):  # settle on the last point
        vel += stiffness * (keys[-1] - pos) - damping * vel
        pos = pos + vel
        out.append(pos.copy())
        if np.linalg.norm(vel) < 0.3:
            break
    return np.asarray(out)


def pen_digit(digit, rng):
    """Generator 2: key points jittered, shaped and placed, followed by a simulated hand."""
    styles = KEYPOINTS[digit]
    style = styles[rng.integers(len(styles))]
    strokes = [np.asarray(st, float) + rng.normal(0, 0.035, (len(st), 2)) for st in style]
    strokes = place(warp(strokes, rng), rng, *digit_look(rng, digit))
    width = brush_size(rng)
    drawn = [hooks(pointer_samples(hand_path(st, rng), rng), rng) for st in strokes]
    return draw_strokes(drawn, width)


# ---------------------------------------------------------------- fonts

def fetch_fonts(cache):
    """{name: font file's bytes} for FONTS (``npm pack``) and DEBIAN_FONTS (``apt-get download``),
    fetched into ``cache`` unless there already."""
    cache.mkdir(parents=True, exist_ok=True)
    fonts = {}
    for name in FONTS:
        tgz = cache / f"fontsource-{name}-{FONT_VERSION}.tgz"
        if not tgz.exists():
            run(["npm", "pack", "--silent", f"@fontsource/{name}@{FONT_VERSION}"], cache)
        with tarfile.open(tgz) as tar:
            fonts[name] = tar.extractfile(f"package/files/{name}-latin-400-normal.woff").read()
    for name, (package, path) in DEBIAN_FONTS.items():
        folder = cache / package.replace("=", "_").replace(":", "%3a")
        if not folder.exists():
            run(["apt-get", "download", "-q", package], cache)
            deb = next(cache.glob(package.replace("=", "_").replace(":", "%3a") + "_*.deb"))
            run(["dpkg-deb", "-x", str(deb), str(folder)], cache)
        fonts[name] = (folder / path).read_bytes()
    return fonts


def run(command, cwd):
    """Run a fetching command in ``cwd``; a missing tool ends the script with one sentence."""
    if shutil.which(command[0]) is None:
        sys.exit(f"{command[0]} is needed to fetch the handwriting fonts ({' '.join(command)}): install it, or "
                 f"run this where it is (the fonts come from the npm registry and Debian's packages)")
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def font_digit(digit, font_bytes, rng):
    """A font's glyph at a random size, rotation and place, sometimes thickened."""
    font = ImageFont.truetype(io.BytesIO(font_bytes), 200)
    thick = int(rng.choice([0, 0, 0, 2, 4, 7]))
    glyph = Image.new("L", (400, 400), 0)
    ImageDraw.Draw(glyph).text((100, 50), str(digit), font=font, fill=255, stroke_width=thick, stroke_fill=255)
    glyph = glyph.crop(glyph.getbbox()).rotate(rng.normal(0, 5), Image.BICUBIC, expand=True, fillcolor=0)
    height = rng.uniform(90, 235)
    w, h = glyph.size
    scale = min(height / h, (CANVAS - 20) / w)
    glyph = glyph.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)
    x = int(rng.uniform(8, max(9, CANVAS - 8 - glyph.width)))
    y = int(rng.uniform(8, max(9, CANVAS - 8 - glyph.height)))
    canvas = Image.new("L", (CANVAS, CANVAS), 255)
    canvas.paste(0, (x, y), glyph)
    return canvas.resize((SEND, SEND), Image.LANCZOS)


# ---------------------------------------------------------------- UCI digits and photos

def uci_digits():
    """scikit-learn's load_digits: images (n, 8, 8) 0..16 (ink high) and labels (n,)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images, data.target


def uci_image(pixels):
    """An 8x8 UCI digit (0..16, ink high) upscaled smoothly to 64x64, dark ink on light paper,
    with a margin of paper (the 8x8 grid is the digit's own box: its ink reaches the edges)."""
    gray = (255 - np.asarray(pixels) / 16 * 255).clip(0, 255).astype(np.uint8)
    page = Image.new("L", (88, 88), 255)
    page.paste(Image.fromarray(gray).resize((64, 64), Image.BICUBIC), (12, 12))
    return page


INKS = {"blue pen": (30, 40, 120), "black pen": (25, 25, 30), "pencil": (90, 90, 95)}


def photograph(drawing, rng):
    """A drawing (L, dark ink on white) as a photo of it on paper: RGB, about 120 px."""
    side = int(rng.integers(100, 141))
    ink = 1 - np.asarray(drawing.resize((side, side), Image.BICUBIC), np.float32) / 255
    blur = ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2))
    ink = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).filter(blur), np.float32) / 255
    paper = np.array([rng.uniform(215, 250), rng.uniform(210, 245), rng.uniform(190, 235)])
    colour = np.array(INKS[rng.choice(list(INKS))]) + rng.uniform(-10, 10, 3)
    strength = rng.uniform(0.6, 1.0)
    y, x = np.mgrid[-1:1:side * 1j, -1:1:side * 1j]
    a = rng.uniform(0, 2 * np.pi)
    light = 1 + rng.uniform(0.05, 0.3) * (x * math.cos(a) + y * math.sin(a)) - rng.uniform(0, 0.2) * (x ** 2 + y ** 2)
    rgb = paper * (1 - strength * ink[..., None]) + colour * strength * ink[..., None]
    rgb = rgb * light[..., None] + rng.normal(0, rng.uniform(2, 7), (side, side, 3))
    photo = Image.fromarray(rgb.clip(0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=int(rng.integers(55, 90)))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


# ---------------------------------------------------------------- the set

def make(out, seed, cache):
    rng = np.random.default_rng(seed)
    fonts = fetch_fonts(cache)
    npm_names, deb_names = list(FONTS), list(DEBIAN_FONTS)
    rng.shuffle(npm_names)
    rng.shuffle(deb_names)
    # fonts split once, by font: half of each registry's in each half
    font_half = {half: npm_names[i::2] + deb_names[i::2] for i, half in enumerate(HALVES)}
    uci_images, uci_labels = uci_digits()
    uci_left = {d: list(rng.permutation(np.flatnonzero(uci_labels == d))) for d in range(10)}  # each used once

    if out.exists():
        for half in HALVES:
            shutil.rmtree(out / half, ignore_errors=True)
    counts = {}
    for half in HALVES:
        for digit in range(10):
            folder = out / half / str(digit)
            folder.mkdir(parents=True, exist_ok=True)
            chosen_fonts = rng.choice(font_half[half], SOURCES["fonts"], replace=False)  # one digit each
            for source, n in SOURCES.items():
                counts[source, half] = counts.get((source, half), 0) + n
                for i in range(n):
                    if source == "strokes-templates":
                        image = template_digit(digit, rng)
                    elif source == "strokes-pen":
                        image = pen_digit(digit, rng)
                    elif source == "fonts":
                        image = font_digit(digit, fonts[chosen_fonts[i]], rng)
                    elif source == "uci-8x8":
                        image = uci_image(uci_images[uci_left[digit].pop()])
                    else:
                        make_drawing = template_digit if rng.random() < 0.5 else pen_digit
                        image = photograph(make_drawing(digit, rng), rng)
                    image.save(folder / f"{source}-{i:02d}.png", optimize=True)
    return counts, font_half


README = """# own-digits: handwritten-looking digits that are not from MNIST

Written by `benchmarks/make_own_digits.py` (seed {seed}); run it again to make the same files.
{total} digits, PNG, dark ink on light paper, a folder per digit (the layout torchvision's
`ImageFolder` and Keras' `image_dataset_from_directory` read), each file named
`<source>-<number>.png`:

- `tuning/<digit>/`: to look at, tune and choose on.
- `final/<digit>/`: only for reporting. Nothing is tuned on it: the split was made once, by the
  script, with its fixed seed, before anything was measured.

Each half has the same number of digits of each source for each digit. None of it comes from MNIST,
EMNIST or anything else made from NIST Special Database 19.

| source | what it is | where it came from | license | tuning | final |
|---|---|---|---|---|---|
{table}

## The sources

**strokes-templates**: stroke paths drawn as the page's canvas draws them
(`web/static/js/drawing.js`: a 280x280 canvas, black on white, `lineCap` and `lineJoin` round, a
brush of 4 to 40 pixels, 20 by default), then shrunk to 140x140 as the page shrinks a drawing before
sending it. Each digit has two or three skeletons in different styles (a 1 with and without flag and
base, a 7 with and without bar, a 4 closed and open, a 2 with and without a loop, a 9 with a straight
or curved tail, an 8 in one stroke or two loops, ...); each drawing jitters the skeleton's points,
gives it a random aspect, slant and rotation, a random size (90 to 235 pixels tall) and place on
the canvas, a mouse hand's slow wobble, pointer-event sampling (2 to 9 pixels apart) and a brush
size around the slider's default. Made here; part of this repository's license.

**strokes-pen**: a second generator drawn the same way: a few key points per digit (shapes other
than the templates') followed by a simulated hand, a damped spring that turns to the next point
before reaching the one it is on, so corners round off and strokes overshoot, with its own
stiffness, damping and timing for each drawing. Made here; part of this repository's license.

**fonts**: the digits of 38 handwriting fonts, each made from a person's handwriting: 30 from the
npm registry's `@fontsource/<name>` packages, version {font_version} (the latin, weight 400 `.woff`
file), and 8 from Debian's packages `fonts-breip` 1:0.5.1-3 (Breip), `fonts-bwht` 0.1-3 (the six
"Because We ..." hands, Red Hat's Because We Had To project) and `fonts-humor-sans` 1.0-4 (Humor
Sans, after xkcd's hand). Each glyph at a random size (90 to 235 pixels tall on the 280 canvas),
rotation (about 5 degrees) and place, a third of them thickened, shrunk to 140x140. The fonts are
split by font (half of each registry's in each half), so the final half's hands are never seen
while tuning; each digit in a half takes 12 of its half's 19 fonts at random:

- tuning: {fonts_tuning}
- final: {fonts_final}

Licenses (each package's LICENSE or Debian copyright file): SIL Open Font License 1.1 for all but
homemade-apple, permanent-marker, rock-salt and schoolbell (Apache License 2.0) and Breip (SIL Open
Font License 1.0). These allow using the fonts to make images and sharing those images; the font
files themselves are not in this repository. (Other Debian handwriting fonts were left out because
their licenses are GPL or CC BY-SA, or their packages are large.)

**uci-8x8**: real handwriting, scanned: scikit-learn's `load_digits` (PyPI `scikit-learn` {sklearn};
the data itself is the UCI "Optical Recognition of Handwritten Digits" test set by E. Alpaydin and
C. Kaynak, 1998: digits from preprinted forms filled in by 13 people, each digit's 32x32 bitmap
counted in 4x4 blocks into 8x8 values 0..16). Licensed CC BY 4.0 (UCI Machine Learning Repository);
scikit-learn is BSD-3-Clause. Each is upscaled smoothly (bicubic) to 64x64, dark on light, with a
12-pixel margin of paper (88x88): scanned at low resolution, so blurry. No UCI digit is in both
halves.

**photographed**: fresh drawings from either stroke generator (not copies of the digits above),
made into photos of paper: 100 to 140 pixels square, tinted paper, a lighting gradient and
vignette, blue or black pen or pencil at random strength, a little blur, noise, and JPEG
compression (quality 55 to 90) before saving as PNG (RGB). Made here; part of this repository's
license.
"""

SOURCE_ROWS = {
    "strokes-templates": ("pen strokes from per-digit skeletons, canvas-style", "made by the script",
                          "this repository's"),
    "strokes-pen": ("pen strokes from a simulated hand, canvas-style", "made by the script", "this repository's"),
    "fonts": ("38 handwriting fonts' digits", "npm `@fontsource/*` " + FONT_VERSION + "; Debian `fonts-bwht`, "
              "`fonts-breip`, `fonts-humor-sans`", "OFL-1.1 / OFL-1.0 / Apache-2.0"),
    "uci-8x8": ("scanned handwriting, 8x8, upscaled", "PyPI `scikit-learn` (`load_digits`)", "CC BY 4.0"),
    "photographed": ("stroke digits as photos of paper", "made by the script", "this repository's"),
}


def write_readme(out, seed, counts, font_half):
    import sklearn

    rows = [(source, what, where, lic, counts[source, "tuning"], counts[source, "final"])
            for source, (what, where, lic) in SOURCE_ROWS.items()]
    rows.append(("all", "", "", "", sum(row[4] for row in rows), sum(row[5] for row in rows)))
    table = "\n".join("| " + " | ".join(map(str, row)) + " |" for row in rows)
    (out / "README.md").write_text(README.format(
        seed=seed, total=sum(counts.values()), table=table, font_version=FONT_VERSION, sklearn=sklearn.__version__,
        fonts_tuning=", ".join(sorted(font_half["tuning"])), fonts_final=", ".join(sorted(font_half["final"]))))


SAMPLE_README = """# drawn: a sample of digits that are not from MNIST

50 PNGs, 5 of each digit, one from each source of `own-digits/` at the top of the repository
(copied from its tuning half by `benchmarks/make_own_digits.py`): digits in a folder per digit.
digitnet ships them as a default sample of MNIST-unlike digits, for the preparation figure.

- `strokes-templates-*`, `strokes-pen-*`, `photographed-*`: made by that script (stroke paths drawn
  like the page's canvas; the photos are such drawings made to look photographed). digitnet's license.
- `fonts-*`: a handwriting font's digit (npm `@fontsource/*` 5.3.0 or Debian's `fonts-bwht`,
  `fonts-breip`, `fonts-humor-sans`): SIL Open Font License 1.1 or 1.0, or Apache License 2.0.
- `uci-8x8-*`: a digit of the UCI Optical Recognition of Handwritten Digits data (E. Alpaydin,
  C. Kaynak), as scikit-learn's `load_digits` ships it, upscaled from 8x8: CC BY 4.0.

See own-digits/README.md for how each was made.
"""


def write_sample(out, sample):
    """Copy the first digit of each source in each digit's tuning folder to ``sample``."""
    if sample.exists():
        shutil.rmtree(sample)
    for digit in range(10):
        (sample / str(digit)).mkdir(parents=True)
        for source in SOURCES:
            name = f"{source}-00.png"
            shutil.copyfile(out / "tuning" / str(digit) / name, sample / str(digit) / name)
    (sample / "README.md").write_text(SAMPLE_README)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "own-digits")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/digitnet-fonts"))
    parser.add_argument("--sample", type=Path, default=REPO / "src/digitnet/data/drawn",
                        help="where to copy 5 tuning digits of each digit, one of each source")
    args = parser.parse_args(argv)
    counts, font_half = make(args.out, args.seed, args.cache)
    write_readme(args.out, args.seed, counts, font_half)
    write_sample(args.out, args.sample)
    for (source, half), n in sorted(counts.items()):
        print(f"{source:18s} {half:7s} {n}")
    for half in HALVES:
        print(f"fonts in {half}: {', '.join(sorted(font_half[half]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
