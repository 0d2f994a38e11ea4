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


@pytest.mark.parametrize(
    "maker,mime",
    [(images.png, "image/png"), (images.webp, "image/webp"), (images.heic, "image/heic")],
)
def test_png_webp_and_heic_are_accepted(maker, mime):
    done = photos.process(maker(), max_pixels=MAX)
    assert done.mime == mime and open_jpeg(done.display).mode == "RGB"


@pytest.mark.parametrize(
    "data,status",
    [
        (b"<?php system($_GET['c']); ?>", 415),
        (b"<html><script>alert(1)</script></html>", 415),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>',
            415,
        ),
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


# --- Memory is bounded (issue 16): refuse from the header what would not fit ----------

LIMITS = dict(max_pixels=50_000_000, min_short_side=320)


def test_the_measured_webp_bomb_is_refused_by_its_pixel_count():
    """Measured on main: a 2.5 KB WebP of 16383×3900 (under the old 64 MP cap) took a worker to 1.06 GB."""
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(images.webp_bomb(16383, 3900), **LIMITS)
    assert info.value.status == 422 and "像素过多（16383×3900）" in info.value.message


@pytest.mark.parametrize(
    "maker",
    [
        lambda: images.webp_bomb(8000, 6000),
        lambda: images.png_bomb(7000, 7000, "P"),
        lambda: images.png_bomb(5000, 5000, "RGBA"),
        lambda: images.png_bomb(7000, 7000, "RGB"),
        lambda: images.progressive_jpeg_claiming(8000, 6000),
    ],
    ids=["webp-48MP", "png-palette-49MP", "png-rgba-25MP", "png-rgb-49MP", "progressive-jpeg-48MP"],
)
def test_bombs_under_the_pixel_cap_are_refused_by_their_decoding_cost(maker):
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(maker(), **LIMITS)
    assert (
        info.value.status == 422
        and "解码约需" in info.value.message
        and "MB 内存" in info.value.message
    )


@pytest.mark.parametrize(
    "fmt,mode,size",
    [
        ("JPEG", "RGB", (2040, 1530)),  # a 50 MP baseline JPEG, decoded at 1/4 scale
        ("HEIF", "RGB", (4032, 3024)),  # a 12 MP iPhone photo
        ("PNG", "RGBA", (1080, 2400)),  # a phone screenshot
        ("PNG", "RGB", (4000, 3000)),
        ("WEBP", "RGB", (2048, 1536)),  # what a browser sends after downscaling
    ],
)
def test_real_phone_photos_fit_the_decoding_budget(fmt, mode, size):
    assert photos.decode_cost(fmt, mode, size) <= photos.DECODE_BUDGET


def test_a_12mp_baseline_jpeg_is_decoded_at_reduced_scale():
    big = photos.decode_cost("JPEG", "RGB", (4000, 3000))
    drafted = photos.decode_cost("JPEG", "RGB", (2000, 1500), full_size=(4000, 3000))
    assert drafted * 3 < big


CHILD = """
import sys
sys.path.insert(0, {repo!r})
from fieldapp import photos
from tests import images

def hwm():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) // 1024

bombs = [images.webp_bomb(16383, 3900), images.webp_bomb(8000, 6000), images.png_bomb(6000, 6000, "RGBA")]
before = hwm()
for data in bombs:
    try:
        photos.process(data, max_pixels=50_000_000)
    except Exception:
        pass
print(hwm() - before)
"""


def test_bombs_do_not_raise_a_process_peak_memory():
    """Peak RSS (VmHWM) of a fresh interpreter decoding three bombs: they must be refused before decoding."""
    import subprocess
    import sys
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[2])
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(repo=repo)],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo,
    )
    # Refused from the header, they cost a few MB at most; decoded, the first alone took a gigabyte.
    assert int(out.stdout.strip()) < 40, out.stdout


@pytest.mark.parametrize(
    "size,accepted", [((1, 1), False), ((319, 480), False), ((480, 319), False), ((320, 320), True)]
)
def test_evidence_photos_below_the_size_floor_are_refused_in_chinese(size, accepted):
    data = images.tiny(*size)
    if accepted:
        assert photos.process(data, **LIMITS).width == size[0]
        return
    with pytest.raises(photos.PhotoRejected) as info:
        photos.process(data, **LIMITS)
    assert info.value.status == 422 and "短边至少 320 像素" in info.value.message
