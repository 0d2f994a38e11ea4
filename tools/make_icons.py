"""Draw the app's PNG icons (a shield with a check) with Pillow; run once, commit the PNGs."""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "img"
BLUE, WHITE, GREEN = (11, 92, 173), (255, 255, 255), (30, 123, 52)


def icon(size: int, *, maskable: bool = False) -> Image.Image:
    scale = 4  # draw large, shrink: smooth edges without antialiasing support in ImageDraw
    s = size * scale
    im = Image.new("RGB", (s, s), BLUE)
    d = ImageDraw.Draw(im)
    if not maskable:
        im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=s // 5, fill=BLUE)
    inset = 0.2 if maskable else 0.12  # maskable icons keep content in the safe circle
    left, right, top, bottom = (
        s * (0.5 - (0.5 - inset) * 0.72),
        s * (0.5 + (0.5 - inset) * 0.72),
        s * inset,
        s * (1 - inset),
    )
    mid = s / 2
    d.polygon(
        [
            (mid, top),
            (right, top + (bottom - top) * 0.12),
            (right, top + (bottom - top) * 0.5),
            (mid, bottom),
            (left, top + (bottom - top) * 0.5),
            (left, top + (bottom - top) * 0.12),
        ],
        fill=WHITE,
    )
    w = max(2, int(s * 0.07))
    d.line(
        [(mid - s * 0.14, mid), (mid - s * 0.03, mid + s * 0.11), (mid + s * 0.16, mid - s * 0.1)],
        fill=GREEN,
        width=w,
        joint="curve",
    )
    return im.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    icon(180, maskable=True).save(OUT / "apple-touch-icon.png", optimize=True)
    print("icons written to", OUT)
