"""The server's photo pipeline on real image bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fieldapp import photos

from .. import images

MAX = 64_000_000


def open_jpeg(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_exif_orientation_is_applied_and_metadata_dropped():
    data = images.jpeg(640, 480, orientation=6, gps=True)
    done = photos.process(data, max_pixels=MAX)
    assert (done.width, done.height) == (480, 640)  # a quarter turn: portrait
    display = open_jpeg(done.display)
    assert display.size[0] < display.size[1]
    assert not display.getexif(), "display copy must carry no EXIF (no GPS, no make)"
    assert display.info.get("exif") is None and "xmp" not in display.info


def test_display_copy_is_bounded_and_thumbnail_small():
    done = photos.process(images.jpeg(4000, 3000, quality=95), max_pixels=MAX)
    display = open_jpeg(done.display)
    assert max(display.size) == 1600 and len(done.display) <= 300 * 1024
    assert max(open_jpeg(done.thumb).size) == 320
    assert (done.width, done.height) == (4000, 3000) and done.mime == "image/jpeg"


@pytest.mark.parametrize("maker,mime", [(images.png, "image/png"), (images.webp, "image/webp"), (images.heic, "image/heic")])
def test_png_webp_and_heic_are_accepted(maker, mime):
    done = photos.process(maker(), max_pixels=MAX)
    assert done.mime == mime and open_jpeg(done.display).mode == "RGB"


@pytest.mark.parametrize(
    "data,status",
    [
        (b"<?php system($_GET['c']); ?>", 415),
        (b"<html><script>alert(1)</script></html>", 415),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>', 415),
        (b"GIF89a" + b"\x00" * 40, 415),
        (b"", 400),
    ],
    ids=["php", "html", "svg", "gif", "empty"],
)
def test_non_images_are_refused(data, status):
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(data, max_pixels=MAX)
    assert info.value.status == status


def test_huge_header_refused_without_decoding():
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(images.huge_header_jpeg(), max_pixels=MAX)
    assert info.value.status == 422 and "像素过多" in info.value.message


def test_pixel_limit_below_pillows_own():
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(images.huge_header_jpeg(9000, 8000), max_pixels=MAX)
    assert info.value.status == 422


def test_truncated_jpeg_is_refused_cleanly():
    data = images.jpeg(800, 600)
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(data[: len(data) // 2], max_pixels=MAX)
    assert info.value.status == 422


def test_dhash_is_stable_under_reencoding_and_differs_between_pictures():
    a = photos.process(images.jpeg(800, 600, seed=7, quality=95), max_pixels=MAX).phash
    b = photos.process(images.jpeg(800, 600, seed=7, quality=60), max_pixels=MAX).phash
    c = photos.process(images.jpeg(800, 600, seed=8), max_pixels=MAX).phash
    assert photos.hamming(a, b) <= 6 < photos.hamming(a, c)
