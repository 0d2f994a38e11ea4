"""Pictures for the demo history: real images, each one distinct, sent through the real photo pipeline."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
from datetime import datetime

from flask import current_app
from PIL import Image, ImageDraw

from . import photos, storage

# At least 320 px on the short side is what evidence photos may be held to; a phone sends more.
SIZE = (480, 360)


def picture(rng: random.Random) -> bytes:
    """A JPEG no other call makes: a 9×8 grid of random colours under a few random shapes.

    The grid is the geometry of the perceptual hash (fieldapp.photos.dhash), so each
    picture's hash is its own: the evidence checks never take one premises' photo for
    another's.
    """
    im = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(im)
    cols, rows = 9, 8
    for r in range(rows):
        for c in range(cols):
            box = [
                c * SIZE[0] // cols,
                r * SIZE[1] // rows,
                (c + 1) * SIZE[0] // cols,
                (r + 1) * SIZE[1] // rows,
            ]
            draw.rectangle(box, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(rng.randrange(3, 7)):
        x, y = rng.randrange(SIZE[0] - 40), rng.randrange(SIZE[1] - 40)
        box = [x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 45)]
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.4 else draw.rectangle)(box, fill=colour)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=82)
    return buf.getvalue()


def upload(
    data: bytes,
    *,
    actor,
    now: datetime,
    captured_at: datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    accuracy_m: float | None = None,
) -> str:
    """PUT one photo as the phone does (bytes addressed by SHA-256, capture metadata alongside); return its hash."""
    sha = hashlib.sha256(data).hexdigest()
    photos.ingest(
        sha,
        data,
        photos.Meta(captured_at=captured_at, lat=lat, lng=lng, accuracy_m=accuracy_m),
        actor=actor,
        now=now,
    )
    return sha


class _Unsynced(storage.FilesystemStorage):
    """The filesystem store without an fsync per file: the build syncs once at the end."""

    def put(self, key: str, data: bytes) -> None:
        path = self.root / storage.check_key(
            key
        )  # keys come from photos.key(): no links to resolve
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{path.name}")
        tmp.write_bytes(data)
        os.replace(tmp, path)


@contextlib.contextmanager
def batched_writes():
    """Write photo files without a sync each (three per photo), then sync them all once.

    A demo build that stops half-way is rebuilt anyway; waiting for the disk thousands
    of times is most of what photos would cost it. Other stores (S3) are left as they are.
    """
    ext = current_app.extensions
    before = photos.store()
    if type(before) is not storage.FilesystemStorage:
        yield
        return
    ext["photo_storage"] = _Unsynced(before.root)
    try:
        yield
    finally:
        ext["photo_storage"] = before
        os.sync()
