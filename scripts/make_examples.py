"""Make the example images in examples/ from MNIST test digits (run once; the images are committed).

digit-*.png: test digits as dark ink on white, at 4x to 8x their size, off-centre.
photo-7.jpg: a test digit drawn like a phone photo of ink on paper: tinted paper, uneven
light, blue ink, noise, JPEG compression.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from digitnet.data.mnist import load_mnist

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _ink(digit, scale):
    image = Image.fromarray((digit.reshape(28, 28) * 255).astype(np.uint8))
    image = image.resize((28 * scale, 28 * scale), Image.BICUBIC).filter(ImageFilter.GaussianBlur(scale / 3))
    return np.asarray(image, dtype=np.float32) / 255


def main():
    _, test = load_mnist()
    rng = np.random.default_rng(0)
    for index, scale, canvas in [(1, 4, (160, 200)), (2, 6, (300, 220)), (4, 8, (260, 400))]:
        ink = _ink(test.X[index], scale)
        page = np.ones(canvas, dtype=np.float32)
        top = rng.integers(0, canvas[0] - ink.shape[0])
        left = rng.integers(0, canvas[1] - ink.shape[1])
        page[top:top + ink.shape[0], left:left + ink.shape[1]] -= ink
        Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8)).save(EXAMPLES / f"digit-{test.labels[index]}.png")
    ink = _ink(test.X[0], 10)
    height, width = 600, 800
    rows, cols = np.mgrid[0:height, 0:width]
    light = 0.8 + 0.2 * (cols / width) - 0.1 * ((rows - 200) / height) ** 2
    paper = np.array([238, 232, 214], dtype=np.float32)[None, None, :] * light[..., None]
    blue_ink = np.array([40, 50, 110], dtype=np.float32)
    alpha = np.zeros((height, width), dtype=np.float32)
    alpha[150:150 + ink.shape[0], 420:420 + ink.shape[1]] = ink
    photo = paper * (1 - alpha[..., None]) + blue_ink * alpha[..., None]
    photo += rng.normal(0, 4, photo.shape)
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(EXAMPLES / "photo-7.jpg", quality=80)


if __name__ == "__main__":
    main()
