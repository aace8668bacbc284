"""prepare_image: a user's picture of a digit becomes an MNIST-like row of 784 values.

The MNIST recipe centres a digit by its centre of mass rounded to whole pixels, so a tiny
change can move the result by one pixel; ``similarity`` therefore takes the best
correlation over shifts of at most one pixel wherever two preparations are compared.
"""

import gzip
import io
import os
import re
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from digitnet.data.image import ImageError, prepare_image

MNIST_TEST = Path(__file__).resolve().parents[1] / "src/digitnet/data/mnist/t10k-images-idx3-ubyte.gz"
PAPER, BLUE_INK = (236, 229, 212), (30, 40, 110)


@pytest.fixture(scope="module")
def digits():
    """The first 200 MNIST test digits, (200, 28, 28) uint8."""
    with gzip.open(MNIST_TEST) as file:
        file.read(16)  # magic number, count, rows, columns
        return np.frombuffer(file.read(200 * 28 * 28), np.uint8).reshape(200, 28, 28)


def correlation(a, b):
    a, b = np.ravel(a) - np.mean(a), np.ravel(b) - np.mean(b)
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def similarity(a, b):
    """The best correlation of two 28x28 images over shifts of b by at most one pixel."""
    a, b = np.reshape(a, (28, 28)), np.reshape(b, (28, 28))
    return max(correlation(a, np.roll(b, (dy, dx), (0, 1))) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def ink_on_canvas(digit, scale, height, width, top, left):
    """Ink coverage 0..1 (height, width): the digit upscaled ``scale`` times at (top, left)."""
    side = round(28 * scale)
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.BICUBIC), np.float32) / 255
    canvas = np.zeros((height, width), np.float32)
    canvas[top : top + side, left : left + side] = np.clip(big, 0, 1)
    return canvas


def paper_photo(ink, paper=PAPER, colour=BLUE_INK):
    """An RGB uint8 image (H, W, 3) of ink coverage (H, W) in ``colour`` on ``paper``."""
    rgb = np.array(paper) * (1 - ink[..., None]) + np.array(colour) * ink[..., None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def centre_of_mass(x):
    image = np.reshape(x, (28, 28))
    return (image.sum(1) @ np.arange(28) / image.sum(), image.sum(0) @ np.arange(28) / image.sum())


def test_the_result_is_784_float32_values_from_0_to_1_with_a_background_of_0(digits):
    x = prepare_image(paper_photo(ink_on_canvas(digits[0], 5, 300, 300, 10, 80)))
    assert x.shape == (784,) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == pytest.approx(1.0)
    assert np.median(x) == 0.0


def test_an_mnist_digit_passed_through_comes_back_nearly_the_same(digits):
    results = [prepare_image(digit) for digit in digits]
    scores = [similarity(digit / 255, x) for digit, x in zip(digits, results)]
    exact = [correlation(digit / 255, x) for digit, x in zip(digits, results)]
    assert min(scores) > 0.95
    assert np.median(exact) > 0.98
    assert np.mean([np.abs(digit / 255 - x.reshape(28, 28)).mean() for digit, x in zip(digits, results)]) < 0.03


def test_a_digit_shifted_and_scaled_on_a_large_canvas_gives_nearly_the_same_input(digits):
    for index, (top, left) in enumerate([(0, 0), (140, 260), (20, 200), (130, 10)]):
        canvas = ink_on_canvas(digits[index], 5, 280, 400, top, left)
        assert similarity(digits[index] / 255, prepare_image(canvas)) > 0.9


def test_dark_ink_on_light_paper_and_light_ink_on_a_dark_board_give_the_same_input(digits):
    ink = ink_on_canvas(digits[1], 6, 320, 260, 60, 30)
    dark_on_light = prepare_image(paper_photo(ink, PAPER, (20, 20, 20)))
    light_on_dark = prepare_image(paper_photo(ink, (20, 20, 20), PAPER))
    assert correlation(dark_on_light, light_on_dark) > 0.99
    assert similarity(digits[1] / 255, light_on_dark) > 0.9


def rgba_strokes(ink, stroke):
    """A canvas drawing (H, W, 4): strokes of colour ``stroke`` whose alpha is the ink, elsewhere
    fully transparent black (the RGB under transparent pixels means nothing)."""
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., :3] = np.where(ink[..., None] > 0, np.array(stroke, np.uint8), 0)
    rgba[..., 3] = np.round(ink * 255)
    return rgba


def save(image, path, **options):
    image.save(path, **options)
    return path


def palette_image(ink):
    """A palette ("P") image of ink coverage (H, W): 16 grays, index 15 the white paper."""
    image = Image.fromarray(np.uint8(np.round(15 * (1 - ink))), "P")
    image.putpalette([17 * (i // 3) for i in range(48)])
    return image


def la_strokes(ink):
    """A gray + alpha ("LA") drawing: black strokes whose alpha is the ink, elsewhere transparent."""
    return Image.fromarray(np.stack([np.zeros_like(ink, np.uint8), np.uint8(np.round(255 * ink))], -1), "LA")


def animated(ink, other_ink, path, **options):
    """An animation whose first frame is ``ink`` and second ``other_ink``, of a different digit."""
    frames = [palette_image(ink), palette_image(other_ink)]
    return save(frames[0], path, save_all=True, append_images=frames[1:], duration=200, loop=0, **options)


FORMATS = {
    "gray array": lambda ink, tmp: np.round(255 * (1 - ink)).astype(np.uint8),
    "float array": lambda ink, tmp: 1 - ink,
    "RGB array": lambda ink, tmp: paper_photo(ink),
    "black strokes on a transparent canvas": lambda ink, tmp: rgba_strokes(ink, (0, 0, 0)),
    "white strokes on a transparent canvas": lambda ink, tmp: rgba_strokes(ink, (255, 255, 255)),
    "RGBA PNG file": lambda ink, tmp: save(Image.fromarray(rgba_strokes(ink, (10, 10, 60))), tmp / "d.png"),
    "JPEG file": lambda ink, tmp: save(Image.fromarray(paper_photo(ink)), tmp / "d.jpg", quality=70),
    "JPEG file as a str": lambda ink, tmp: str(save(Image.fromarray(paper_photo(ink)), tmp / "d.jpg")),
    "16-bit PNG file": lambda ink, tmp: save(Image.fromarray(np.uint16(np.round(65535 * (1 - ink)))), tmp / "d.png"),
    "palette PNG file": lambda ink, tmp: save(Image.fromarray(paper_photo(ink)).convert("P"), tmp / "d.png"),
    "PIL image": lambda ink, tmp: Image.fromarray(paper_photo(ink)),
    "file's bytes": lambda ink, tmp: save(Image.fromarray(paper_photo(ink)), tmp / "d.png").read_bytes(),
    "1-bit PNG file": lambda ink, tmp: save(Image.fromarray(ink < 0.5), tmp / "d.png"),
    "CMYK JPEG file": lambda ink, tmp: save(Image.fromarray(paper_photo(ink)).convert("CMYK"), tmp / "d.jpg"),
    "gray and alpha PNG file, the paper transparent": lambda ink, tmp: save(la_strokes(ink), tmp / "d.png"),
    "palette PNG file, the paper transparent": lambda ink, tmp: save(palette_image(ink), tmp / "d.png",
                                                                     transparency=15),
    "GIF file, the paper transparent": lambda ink, tmp: save(palette_image(ink), tmp / "d.gif", transparency=15),
    "animated GIF file (its first frame)": lambda ink, tmp: animated(ink, ink[::-1, ::-1], tmp / "d.gif"),
    "animated PNG file (its first frame)": lambda ink, tmp: animated(ink, ink[::-1, ::-1], tmp / "d.png"),
    "32-bit integer TIFF file": lambda ink, tmp: save(Image.fromarray(np.int32(np.round(65535 * (1 - ink)))),
                                                     tmp / "d.tif"),
    "floating-point TIFF file": lambda ink, tmp: save(Image.fromarray(np.float32(1 - ink)), tmp / "d.tif"),
    "BMP file": lambda ink, tmp: save(Image.fromarray(paper_photo(ink)), tmp / "d.bmp"),
    "WebP file": lambda ink, tmp: save(Image.fromarray(paper_photo(ink)), tmp / "d.webp", quality=90),
}


@pytest.mark.parametrize("kind", FORMATS)
def test_every_kind_of_image_of_a_digit_gives_nearly_the_same_input(digits, tmp_path, kind):
    ink = ink_on_canvas(digits[2], 5, 260, 330, 90, 150)
    assert similarity(digits[2] / 255, prepare_image(FORMATS[kind](ink, tmp_path))) > 0.9


def test_a_jpeg_is_turned_upright_by_its_exif_orientation(digits, tmp_path):
    upright = Image.fromarray(paper_photo(ink_on_canvas(digits[3], 5, 300, 300, 10, 10)))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90 degrees clockwise to view
    path = save(upright.transpose(Image.ROTATE_90), tmp_path / "turned.jpg", exif=exif.tobytes())
    assert similarity(digits[3] / 255, prepare_image(path)) > 0.9
    assert similarity(digits[3] / 255, prepare_image(Image.open(path).convert("RGB"))) < 0.8


def test_the_centre_of_mass_is_at_the_centre_and_the_digit_fits_a_20x20_box(digits):
    for index in range(10):
        ink = ink_on_canvas(digits[index], 3 + index, 300 + 40 * index, 400 + 30 * index, 5, 9 * index)
        x = prepare_image(ink).reshape(28, 28)
        row, column = centre_of_mass(x)
        assert abs(row - 14) <= 1 and abs(column - 14) <= 1
        rows, columns = np.flatnonzero(x.any(1)), np.flatnonzero(x.any(0))
        height, width = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
        assert max(height, width) == 20 and min(height, width) <= 20


def test_strokes_reach_full_strength_like_mnist_even_in_faint_pencil(digits):
    faint = paper_photo(ink_on_canvas(digits[4], 8, 400, 400, 100, 100), colour=(170, 165, 155))
    x = prepare_image(faint)
    assert np.mean(x[x > 0.1] > 0.9) > 0.3


def test_a_thin_pen_line_is_thickened_toward_mnist_strokes(digits):
    coverage = ink_on_canvas(digits[5], 20, 1000, 800, 200, 120)
    thin = (np.asarray(Image.fromarray(np.uint8(255 * coverage)).filter(ImageFilter.MinFilter(25))) > 128)
    assert thin.sum() < 0.5 * (coverage > 0.5).sum()
    x = prepare_image(paper_photo(thin.astype(np.float32)))
    assert x.sum() > 0.75 * (digits[5] / 255).sum()
    assert similarity(digits[5] / 255, x) > 0.85


def lit_unevenly(photo, rng):
    """The photo under a lighting gradient and a vignette, with Gaussian noise."""
    h, w = photo.shape[:2]
    y, x = np.mgrid[-1 : 1 : h * 1j, -1 : 1 : w * 1j]
    light = (1 + 0.15 * (x + 0.5 * y)) * (1 - 0.12 * (x**2 + y**2))
    return np.clip(photo * light[..., None] + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8)


def test_uneven_lighting_paper_noise_and_jpeg_artefacts_are_removed(digits, tmp_path):
    rng = np.random.default_rng(0)
    for index in range(6, 10):
        photo = lit_unevenly(paper_photo(ink_on_canvas(digits[index], 7, 600, 800, 250, 500)), rng)
        path = save(Image.fromarray(photo), tmp_path / f"photo{index}.jpg", quality=65)
        assert similarity(digits[index] / 255, prepare_image(path)) > 0.9


def test_specks_far_from_the_digit_do_not_change_the_result_much(digits):
    ink = ink_on_canvas(digits[6], 6, 400, 500, 120, 150)
    clean = prepare_image(paper_photo(ink))
    for y, x in [(5, 5), (380, 480), (10, 450), (390, 20), (200, 470), (20, 250)]:
        ink[y : y + 4, x : x + 5] = 1.0
    assert correlation(clean, prepare_image(paper_photo(ink))) > 0.98


def test_a_big_phone_photo_is_prepared_quickly_and_well(digits, tmp_path):
    ink = ink_on_canvas(digits[7], 25, 3000, 4000, 1900, 2900)
    path = save(Image.fromarray(lit_unevenly(paper_photo(ink), np.random.default_rng(1))), tmp_path / "phone.jpg")
    prepare_image(path)
    start = time.perf_counter()
    x = prepare_image(path)
    assert time.perf_counter() - start < 1.0  # about 0.05 s on a laptop; generous for slow machines
    assert similarity(digits[7] / 255, x) > 0.9


def test_a_bold_digit_drawn_edge_to_edge_on_a_canvas_is_still_found(digits):
    for digit in digits[:10]:
        rows, columns = np.flatnonzero(digit.any(1)), np.flatnonzero(digit.any(0))
        crop = Image.fromarray(digit[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1])
        scale = 280 / max(crop.size)
        big = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.BICUBIC)
        canvas = Image.new("L", (280, 280))
        canvas.paste(big, ((280 - big.width) // 2, (280 - big.height) // 2))
        assert similarity(digit / 255, prepare_image(255 - np.asarray(canvas))) > 0.85


def test_a_page_with_only_specks_of_dirt_raises_no_digit_found():
    page = np.full((400, 500, 3), PAPER, np.uint8)
    for y, x in [(30, 40), (300, 420), (200, 250), (380, 60), (90, 470)]:
        page[y : y + 4, x : x + 5] = 40
    with pytest.raises(ImageError, match="no digit found: the only ink is specks, too small to be a digit"):
        prepare_image(page)


def test_a_blank_image_raises_no_digit_found(tmp_path):
    rng = np.random.default_rng(2)
    paper = lit_unevenly(np.full((300, 400, 3), PAPER, np.float64), rng)
    path = save(Image.fromarray(paper), tmp_path / "blank.jpg", quality=70)
    with pytest.raises(ImageError, match=r"no digit found in .*blank\.jpg: the image is empty"):
        prepare_image(path)
    faint = np.full((60, 60), 0.5) + 0.01 * np.eye(60)  # a line with essentially no contrast
    for blank in (np.full((28, 28), 255, np.uint8), np.zeros((50, 40)), faint):
        with pytest.raises(ImageError, match="no digit found"):
            prepare_image(blank)


def test_a_fully_transparent_image_raises_no_digit_found():
    with pytest.raises(ImageError, match="no digit found: the image is fully transparent"):
        prepare_image(Image.new("RGBA", (40, 40)))


def test_a_file_that_is_not_an_image_raises_an_error_naming_it(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("seven")
    with pytest.raises(ImageError, match=r"notes\.txt is not a PNG, JPEG, GIF, BMP, TIFF or WebP image; "
                                         r"save it as PNG or JPEG"):
        prepare_image(path)


def test_a_missing_file_or_a_folder_raises_an_error_naming_it(tmp_path):
    with pytest.raises(ImageError, match=r"missing\.png does not exist"):
        prepare_image(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="is a folder, not an image file"):
        prepare_image(str(tmp_path))


@pytest.mark.parametrize("suffix, fmt", [(".png", "PNG"), (".jpg", "JPEG"), (".gif", "GIF"), (".webp", "WEBP")])
def test_a_truncated_file_raises_an_error_saying_so(digits, tmp_path, suffix, fmt):
    buffer = io.BytesIO()
    Image.fromarray(paper_photo(ink_on_canvas(digits[8], 5, 200, 200, 30, 30))).save(buffer, fmt)
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError, match=rf"cut\{suffix} is truncated or damaged"):
        prepare_image(path)


@pytest.mark.parametrize("source, message", [
    (np.zeros(784), r"flat row of 784; reshape it to \(28, 28\)"),
    (np.zeros((28, 28, 5)), r"2-D gray or 3-D RGB/RGBA image array, got shape \(28, 28, 5\)"),
    (np.zeros((0, 28)), "non-empty array of numbers"),
    (np.full((28, 28), np.nan), "NaN or infinite"),
    (Image.new("L", (0, 0)), r"the image is empty \(0x0 pixels\)"),
    ([[0, 1], [1, 0]], "expected a file path, an image file's bytes, a PIL image or a NumPy array, not list"),
    (Image.new("La", (8, 8)), "Pillow's La images are not supported; save it as PNG or JPEG"),
    (Image.fromarray(np.full((8, 8), np.nan, np.float32)), "the image holds NaN or infinite values"),
])
def test_a_bad_array_or_object_raises_an_error_saying_what_is_wrong(source, message):
    with pytest.raises(ImageError, match=message):
        prepare_image(source)


def test_an_animation_gives_its_first_frame_not_a_later_one(digits, tmp_path):
    first, second = ink_on_canvas(digits[2], 5, 200, 200, 30, 30), ink_on_canvas(digits[3], 5, 200, 200, 30, 30)
    for suffix in (".gif", ".png", ".webp"):
        x = prepare_image(animated(first, second, tmp_path / f"moving{suffix}"))
        assert similarity(digits[2] / 255, x) > 0.9 and similarity(digits[3] / 255, x) < 0.8


def test_a_jpeg_with_damaged_exif_data_is_read_as_it_is_without_warnings(digits, tmp_path, recwarn):
    photo = Image.fromarray(paper_photo(ink_on_canvas(digits[3], 5, 300, 300, 10, 10)))
    # an IFD that claims 300 entries and holds one, whose text lies beyond the end of the data
    ifd = (300).to_bytes(2, "big") + bytes.fromhex("010f 0002 00000064 0000ffff")
    path = save(photo, tmp_path / "odd.jpg", exif=b"Exif\0\0MM\0*" + (8).to_bytes(4, "big") + ifd)
    assert similarity(digits[3] / 255, prepare_image(path)) > 0.9
    assert not [str(warning.message) for warning in recwarn]  # Pillow's "Corrupt EXIF data" is not shown


def gif_of_size(width, height):
    """The bytes of a GIF whose header claims width x height pixels, with the data of a 2x2 image."""
    buffer = io.BytesIO()
    Image.new("L", (2, 2)).save(buffer, "GIF")
    data = bytearray(buffer.getvalue())
    data[6:10] = width.to_bytes(2, "little") + height.to_bytes(2, "little")
    return bytes(data)


def png_of_size(width, height):
    """The bytes of a PNG whose header claims width x height gray pixels, and holds no pixel data at all."""
    chunks = [(b"IHDR", width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])),
              (b"IDAT", b""), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(len(data).to_bytes(4, "big") + kind + data
                                            + zlib.crc32(kind + data).to_bytes(4, "big") for kind, data in chunks)


@pytest.mark.parametrize("data, message", [
    (png_of_size(10000, 6000), "the image is 10000x6000 pixels, more than the 50,000,000 a photo of a digit needs; "
                               "resize it first"),
    (gif_of_size(60000, 1000), "the image is 60000x1000 pixels, more than the 50,000,000"),
    (png_of_size(20000, 20000), "the image has more than 178,956,970 pixels, far more than a photo of a digit needs; "
                                "resize it first"),
])
def test_an_image_with_too_many_pixels_is_refused_from_its_header_before_it_is_decoded(data, message):
    # decoded, these would fail as truncated (they hold no pixel data): the size is checked first
    with pytest.raises(ImageError, match=re.escape(message)):
        prepare_image(data)


def test_a_file_too_big_for_a_photo_is_refused_before_it_is_decoded(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(51_000_000))
    with pytest.raises(ImageError, match=r"huge\.png is 51\.0 MB, more than the 50 MB a photo of a digit needs; "
                                         r"resize it or save it as JPEG"):
        prepare_image(path)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_file_whose_start_is_that_of_an_image_but_is_damaged_says_so(digits, fmt):
    buffer = io.BytesIO()
    Image.fromarray(paper_photo(ink_on_canvas(digits[8], 3, 100, 100, 10, 10))).save(buffer, fmt)
    data = bytearray(buffer.getvalue())
    data[12:40] = bytes(28)
    with pytest.raises(ImageError, match="the image is truncated or damaged and cannot be decoded; save or copy it"):
        prepare_image(bytes(data))


@pytest.mark.parametrize("fmt", ["ICO", "PCX", "TGA"])
def test_an_image_of_a_format_not_read_is_named_as_such(digits, fmt):
    buffer = io.BytesIO()
    Image.fromarray(paper_photo(ink_on_canvas(digits[8], 3, 100, 100, 10, 10))).save(buffer, fmt)
    with pytest.raises(ImageError, match="the image is not a PNG, JPEG, GIF, BMP, TIFF or WebP image"):
        prepare_image(buffer.getvalue())


def test_an_image_file_that_cannot_be_read_is_named(tmp_path):
    path = tmp_path / "locked.png"
    path.write_bytes(b"\x89PNG")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who can read any file")
    with pytest.raises(ImageError, match=r"locked\.png cannot be read: permission denied"):
        prepare_image(path)


def _flood_fill_labels(mask):
    """8-connected components by breadth-first search, each labelled by its last cell in reading order + 1."""
    labels = np.zeros(mask.shape, int)
    seen = np.zeros(mask.shape, bool)
    h, w = mask.shape
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        cells, queue = [start], [start]
        seen[start] = True
        while queue:
            y, x = queue.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        cells.append((ny, nx))
                        queue.append((ny, nx))
        last = max(y * w + x for y, x in cells)
        for cell in cells:
            labels[cell] = last + 1
    return labels


def test_connected_pieces_of_ink_are_found_as_a_flood_fill_finds_them():
    from digitnet.data.grid import components

    rng = np.random.default_rng(0)
    for _ in range(300):
        mask = rng.random(rng.integers(1, 30, 2)) < rng.random()
        np.testing.assert_array_equal(components(mask), _flood_fill_labels(mask))
    snake = np.zeros((128, 128), bool)  # one piece whose path winds through every row: 8,000 cells long
    snake[::2] = True
    snake[1::4, -1] = snake[3::4, 0] = True
    labels = components(snake)
    assert set(np.unique(labels)) == {0, int(np.flatnonzero(snake).max()) + 1}
    np.testing.assert_array_equal(labels, _flood_fill_labels(snake))


def on_ruled_paper(ink, spacing, squared=False, offset=7):
    """A JPEG-like RGB photo (H, W, 3) of ink coverage (H, W) in black on paper ruled every
    ``spacing`` pixels with 2-pixel pale blue lines (and columns too if ``squared``)."""
    paper = np.ones(ink.shape + (3,)) * np.array(PAPER, float)
    blue = np.array((120, 160, 210), float)
    for y in range(offset, ink.shape[0], spacing):
        paper[y : y + 2] = 0.35 * paper[y : y + 2] + 0.65 * blue
    for x in range(offset, ink.shape[1], spacing) if squared else ():
        paper[:, x : x + 2] = 0.35 * paper[:, x : x + 2] + 0.65 * blue
    return np.clip(paper * (1 - ink[..., None]) + 20 * ink[..., None], 0, 255)


def photographed(photo, rng, shadow=None):
    """A photo (H, W, 3) lit unevenly with noise, ``shadow`` (depth) casting a hard-edged shadow
    over the lower left, saved and read back as a JPEG (quality 85): RGB uint8 (H, W, 3)."""
    h, w = photo.shape[:2]
    y, x = np.mgrid[-1 : 1 : h * 1j, -1 : 1 : w * 1j]
    light = (1 + 0.1 * x) * (1 - 0.1 * (x**2 + y**2))
    if shadow:
        light = light * np.where(0.6 * y - x > 0.3, 1 - shadow, 1.0)
    noisy = np.clip(photo * light[..., None] + rng.normal(0, 3, photo.shape), 0, 255).astype(np.uint8)
    data = io.BytesIO()
    Image.fromarray(noisy).save(data, "JPEG", quality=85)
    return np.asarray(Image.open(data).convert("RGB"))


def on_a_table(photo, margin=(50, 30, 40, 60), table=(70, 48, 35)):
    """The sheet (H, W, 3) lying on a dark wooden table that shows ``margin`` pixels wide
    (top, right, bottom, left) around it: (H + top + bottom, W + left + right, 3)."""
    top, right, bottom, left = margin
    h, w = photo.shape[:2]
    framed = np.ones((h + top + bottom, w + left + right, 3)) * np.array(table, float)
    framed[top : top + h, left : left + w] = photo
    return framed


PAPER_KINDS = {
    "lined paper": lambda ink, rng: photographed(on_ruled_paper(ink, 36), rng),
    "squared paper": lambda ink, rng: photographed(on_ruled_paper(ink, 30, squared=True), rng),
    "a sheet on a darker table": lambda ink, rng: photographed(on_a_table(paper_photo(ink, colour=(20, 20, 20))), rng),
    "a hard-edged shadow": lambda ink, rng: photographed(paper_photo(ink, colour=(20, 20, 20)), rng, shadow=0.4),
}


@pytest.mark.parametrize("kind", PAPER_KINDS)
def test_a_digit_on_ruled_paper_on_a_table_or_under_a_hard_shadow_gives_nearly_the_same_input(digits, kind):
    rng = np.random.default_rng(5)
    for index in (11, 12, 13):  # a 6, a 5 and a 0 (MNIST test digits)
        ink = ink_on_canvas(digits[index], 8, 420, 480, 100, 140)
        assert similarity(digits[index] / 255, prepare_image(PAPER_KINDS[kind](ink, rng))) > 0.92


@pytest.mark.parametrize("kind", PAPER_KINDS)
def test_a_blank_sheet_of_ruled_paper_on_a_table_or_under_a_hard_shadow_raises_no_digit_found(kind):
    blank = PAPER_KINDS[kind](np.zeros((420, 480), np.float32), np.random.default_rng(6))
    with pytest.raises(ImageError, match="no digit found"):
        prepare_image(blank)


@pytest.mark.parametrize("brush", [4, 6])
def test_a_thin_digit_drawn_edge_to_edge_is_not_taken_for_ruled_lines(brush):
    """A 1 from top to bottom and a 7 whose bar spans the canvas, drawn with a fine brush on the page's
    140x140 canvas: one or two long thin strokes are a digit, not ruled paper (which has many lines)."""
    from PIL import ImageDraw

    def drawn(lines):
        picture = Image.new("L", (280, 280), 0)
        for line in lines:
            ImageDraw.Draw(picture).line(line, fill=255, width=brush)
        return np.asarray(picture.resize((140, 140), Image.BOX), np.float32) / 255

    one = prepare_image(drawn([[(140, 4), (140, 276)]])).reshape(28, 28)
    assert (one.max(1) > 0.5).sum() == 20  # the stroke fills the 20-pixel box from top to bottom
    seven = prepare_image(drawn([[(6, 20), (274, 20)], [(274, 20), (120, 270)]])).reshape(28, 28)
    top = np.flatnonzero(seven.max(1) > 0.5)[0]
    assert (seven[top : top + 2].max(0) > 0.5).sum() >= 15  # the bar is kept, across the box


def test_an_image_with_no_digit_says_so_by_its_type_as_well_as_its_words():
    from digitnet.data.picture import NoDigitError

    for blank in (np.zeros((60, 60), np.float32), np.full((60, 60, 4), 255, np.uint8) * [1, 1, 1, 0]):
        with pytest.raises(NoDigitError, match="^no digit found"):
            prepare_image(blank.astype(np.uint8) if blank.ndim == 3 else blank)
