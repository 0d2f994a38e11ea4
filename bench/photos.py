"""The server photo pipeline on a 12 MP photo (PRODUCT.md §12).

Budgets: JPEG ≤ 120 ms (validate, orient, re-encode, thumbnail, hashes), HEIC ≤ 1 s,
display copy ≤ 300 KB. The baseline, measured in the same run, is the naive
pipeline: full decode, exif_transpose, thumbnail, save — without DCT scaling.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import time

import pillow_heif
from PIL import Image, ImageOps

from fieldapp import photos

from .common import save, table

pillow_heif.register_heif_opener()
BUDGET_JPEG_MS, BUDGET_HEIC_MS, BUDGET_DISPLAY_KB = 120, 1000, 300


def camera_like(width: int = 4000, height: int = 3000) -> Image.Image:
    """A 12 MP picture with photo-like detail: smooth regions, edges and sensor noise."""
    coarse = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    tiles = (
        Image.effect_mandelbrot((width // 4, height // 4), (-2.0, -1.2, 1.0, 1.2), 80)
        .resize((width, height))
        .convert("RGB")
    )
    noise = Image.effect_noise((width, height), 28).convert("RGB")
    return Image.blend(Image.blend(coarse, tiles, 0.5), noise, 0.2)


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken in portrait: the pipeline must rotate it
    im.save(
        buf, fmt, exif=exif.tobytes() if fmt == "JPEG" else None, **kw
    ) if fmt == "JPEG" else im.save(buf, fmt, **kw)
    return buf.getvalue()


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def naive(data: bytes) -> None:
    im = Image.open(io.BytesIO(data))
    im.load()
    im = ImageOps.exif_transpose(im)
    hashlib.sha256(data).hexdigest()
    for side in (1600, 320):
        copy = im.copy()
        copy.thumbnail((side, side))
        copy.save(io.BytesIO(), "JPEG", quality=80)


def run(runs: int = 15) -> dict:
    picture = camera_like()
    jpeg = encode(picture, "JPEG", quality=92)
    heic = encode(picture, "HEIF", quality=85)

    def pipeline(data):
        return hashlib.sha256(data).hexdigest(), photos.process(data, max_pixels=64_000_000)

    results = {
        "jpeg_bytes": len(jpeg),
        "heic_bytes": len(heic),
        "jpeg_ms": timed(lambda: pipeline(jpeg), runs),
        "baseline_ms": timed(lambda: naive(jpeg), runs),
        "heic_ms": timed(lambda: pipeline(heic), max(3, runs // 5)),
    }
    done = photos.process(jpeg, max_pixels=64_000_000)
    results.update(
        display_kb=len(done.display) / 1024,
        thumb_kb=len(done.thumb) / 1024,
        oriented=(done.width, done.height),
    )
    med = {k: statistics.median(results[k]) for k in ("jpeg_ms", "baseline_ms", "heic_ms")}
    p95 = {
        k: sorted(results[k])[max(0, int(len(results[k]) * 0.95) - 1)]
        for k in ("jpeg_ms", "baseline_ms", "heic_ms")
    }
    rows = [
        [
            "12 MP JPEG, fieldapp pipeline",
            f"{med['jpeg_ms']:.0f}",
            f"{p95['jpeg_ms']:.0f}",
            f"≤ {BUDGET_JPEG_MS}",
            "OK" if p95["jpeg_ms"] <= BUDGET_JPEG_MS else "OVER",
        ],
        [
            "12 MP JPEG, naive full decode (baseline)",
            f"{med['baseline_ms']:.0f}",
            f"{p95['baseline_ms']:.0f}",
            "—",
            f"fieldapp = {med['jpeg_ms'] / med['baseline_ms']:.2f} × baseline",
        ],
        [
            "12 MP HEIC, fieldapp pipeline",
            f"{med['heic_ms']:.0f}",
            f"{p95['heic_ms']:.0f}",
            f"≤ {BUDGET_HEIC_MS}",
            "OK" if p95["heic_ms"] <= BUDGET_HEIC_MS else "OVER",
        ],
    ]
    print(
        f"\ninput: JPEG {len(jpeg) / 1e6:.1f} MB, HEIC {len(heic) / 1e6:.1f} MB, 4000×3000, EXIF orientation 6 → stored as {done.width}×{done.height}\n"
    )
    print(table(rows, ["case", "median ms", "p95 ms", "budget", "verdict"]))
    print(
        f"\ndisplay copy {results['display_kb']:.0f} KB (budget ≤ {BUDGET_DISPLAY_KB} KB: "
        f"{'OK' if results['display_kb'] <= BUDGET_DISPLAY_KB else 'OVER'}), thumbnail {results['thumb_kb']:.0f} KB"
    )
    save("photos", results)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    run(parser.parse_args(argv).runs)


if __name__ == "__main__":
    main()
