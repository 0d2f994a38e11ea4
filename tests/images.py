"""Real image bytes for tests: made with Pillow, never mocked."""

from __future__ import annotations

import hashlib
import io
import random

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()


def noisy(width: int, height: int, seed: int = 1) -> Image.Image:
    """A picture with real structure: coarse random blocks (which differ by seed) plus fine noise."""
    rng = random.Random(seed)
    coarse = Image.new("RGB", (12, 9))
    coarse.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(12 * 9)])
    im = coarse.resize((width, height), Image.Resampling.BILINEAR)
    # Seeded grain (Pillow's effect_noise is not reproducible): the same seed gives the same bytes.
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    return Image.blend(im, grain, 0.15)


def jpeg(width=640, height=480, *, orientation: int | None = None, gps: bool = False, seed: int = 1, quality=85) -> bytes:
    im = noisy(width, height, seed)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (24.0, 54.0, 31.0), 3: "E", 4: (118.0, 35.0, 10.0)}
    exif[0x010F] = "TestPhone"  # Make
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def png(width=300, height=200, seed=2, alpha=True) -> bytes:
    im = noisy(width, height, seed).convert("RGBA" if alpha else "RGB")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def webp(width=300, height=200, seed=3) -> bytes:
    buf = io.BytesIO()
    noisy(width, height, seed).save(buf, "WEBP", quality=80)
    return buf.getvalue()


def heic(width=400, height=300, seed=4) -> bytes:
    buf = io.BytesIO()
    noisy(width, height, seed).save(buf, "HEIF", quality=80)
    return buf.getvalue()


def huge_header_jpeg(width=30000, height=30000) -> bytes:
    """A tiny JPEG whose frame header claims a huge size (a decompression bomb)."""
    data = bytearray(jpeg(16, 16))
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC2):  # SOF0 / SOF2: height then width after the precision byte
            data[i + 5:i + 7] = height.to_bytes(2, "big")
            data[i + 7:i + 9] = width.to_bytes(2, "big")
            return bytes(data)
        i += 2 + length
    raise AssertionError("no SOF marker")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
