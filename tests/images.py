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
    coarse.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(12 * 9)]
    )
    im = coarse.resize((width, height), Image.Resampling.BILINEAR)
    # Seeded grain (Pillow's effect_noise is not reproducible): the same seed gives the same bytes.
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    return Image.blend(im, grain, 0.15)


def jpeg(
    width=640,
    height=480,
    *,
    orientation: int | None = None,
    gps: bool = False,
    seed: int = 1,
    quality=85,
) -> bytes:
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


def png(width=480, height=320, seed=2, alpha=True) -> bytes:
    im = noisy(width, height, seed).convert("RGBA" if alpha else "RGB")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def webp(width=480, height=320, seed=3) -> bytes:
    buf = io.BytesIO()
    noisy(width, height, seed).save(buf, "WEBP", quality=80)
    return buf.getvalue()


def heic(width=480, height=360, seed=4) -> bytes:
    buf = io.BytesIO()
    noisy(width, height, seed).save(buf, "HEIF", quality=80)
    return buf.getvalue()


def huge_header_jpeg(width=30000, height=30000) -> bytes:
    """A tiny JPEG whose frame header claims a huge size (a decompression bomb)."""
    data = bytearray(jpeg(16, 16))
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC2):  # SOF0 / SOF2: height then width after the precision byte
            data[i + 5 : i + 7] = height.to_bytes(2, "big")
            data[i + 7 : i + 9] = width.to_bytes(2, "big")
            return bytes(data)
        i += 2 + length
    raise AssertionError("no SOF marker")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def webp_bomb(width: int, height: int) -> bytes:
    """A valid WebP of one flat colour at any size up to 16384², in 38 bytes.

    A lossless WebP with a one-colour palette spends no bits per pixel, so a tiny
    file's header can claim any size and still decode (to the full canvas).
    """
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 200, 200)).save(buf, "WEBP", lossless=True, method=0)
    data = bytearray(buf.getvalue())
    assert data[12:16] == b"VP8L" and data[20] == 0x2F
    bits = int.from_bytes(data[21:25], "little") & ~((1 << 28) - 1)
    data[21:25] = (bits | (width - 1) | ((height - 1) << 14)).to_bytes(4, "little")
    return bytes(data)


def png_bomb(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A valid PNG of one flat colour: rows compressed as they are made, so it costs no memory to build."""
    import struct
    import zlib

    color_type, channels = {"RGBA": (6, 4), "RGB": (2, 3), "L": (0, 1), "P": (3, 1)}[mode]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    z = zlib.compressobj(6)
    row = b"\x00" + b"\x7f" * (width * channels)  # filter byte, then the pixels
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    head = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    palette = chunk(b"PLTE", bytes(range(256)) * 3) if mode == "P" else b""
    return b"\x89PNG\r\n\x1a\n" + head + palette + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def progressive_jpeg_claiming(width: int, height: int) -> bytes:
    """A small progressive 4:4:4 JPEG whose frame header claims `width`×`height` (refused from the header)."""
    buf = io.BytesIO()
    noisy(64, 64).save(buf, "JPEG", quality=90, progressive=True, subsampling=0)
    data = bytearray(buf.getvalue())
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker == 0xC2:
            data[i + 5 : i + 7] = height.to_bytes(2, "big")
            data[i + 7 : i + 9] = width.to_bytes(2, "big")
            return bytes(data)
        i += 2 + length
    raise AssertionError("no SOF2 marker")


def tiny(width: int = 1, height: int = 1, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    noisy(width, height).save(buf, fmt)
    return buf.getvalue()
