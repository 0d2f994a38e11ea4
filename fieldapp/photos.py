"""The photo pipeline: validate by decoding, orient, re-encode without metadata, thumbnail, hash.

The received bytes are kept as evidence under their SHA-256 and never shown to
the public; people see a re-encoded display copy (no EXIF, no GPS) and a thumbnail.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from datetime import datetime

import pillow_heif
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import scope
from . import storage as storage_mod
from .errors import DomainError
from .extensions import db
from .models import Enterprise, Photo, PhotoRef, PhotoUpload

pillow_heif.register_heif_opener()

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
DISPLAY_LONG = 1600
DISPLAY_MAX_BYTES = 300 * 1024
THUMB_LONG = 320
# Photos one form may carry (a hazard action, a self-check finding).
MAX_UPLOADS = 6
# The most a worker may hold while decoding one upload (PRODUCT.md §12: a worker stays
# under about 300 MB, and an idle one holds about 120 MB).
DECODE_BUDGET = 150 * 2**20


class PhotoRejected(DomainError):
    """A refused upload: `status` is the HTTP answer, `message` the Chinese reason."""


@dataclass
class Processed:
    mime: str
    width: int
    height: int
    display: bytes
    thumb: bytes
    phash: str


def dhash(im: Image.Image) -> str:
    """A 64-bit difference hash: near-identical pictures get near-identical hashes."""
    small = im.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = small.load()
    bits = 0
    for y in range(8):
        for x in range(8):
            bits = (bits << 1) | (px[x, y] > px[x + 1, y])
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _encode(im: Image.Image, max_bytes: int | None, quality: int = 80) -> bytes:
    while True:
        buf = io.BytesIO()
        # No exif= argument: the copy carries no metadata at all (EXIF, GPS, XMP).
        im.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
        if max_bytes is None or buf.tell() <= max_bytes or quality <= 45:
            return buf.getvalue()
        quality -= 10


def webp_size(data: bytes) -> tuple[int, int] | None:
    """Read a WebP's canvas size from its first bytes (VP8X, VP8L or VP8), without decoding.

    Pillow's WebP decoder allocates the whole canvas when the file is opened, so
    the size must be known before Image.open.
    """
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(
            data[28:30], "little"
        ) & 0x3FFF
    return None


# Bytes per pixel Pillow keeps for an image of each mode (RGB is stored as four bytes).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# What the decoder itself holds at its peak, per pixel, beyond Pillow's own image
# (measured with bench/memory.py): libwebp keeps two RGBA canvases and hands
# over a third copy; libheif keeps its YCbCr planes and an RGB buffer.
_DECODER_EXTRA = {"WEBP": 12, "HEIF": 5}


def decode_cost(
    fmt: str,
    mode: str,
    size: tuple[int, int],
    *,
    full_size: tuple[int, int] | None = None,
    progressive_layers: list[tuple[int, int]] | None = None,
    alpha: bool = False,
) -> int:
    """Estimate the peak bytes that decoding an image and shrinking it to the display size will hold.

    `size` is what the decoder will produce (after a JPEG draft: 1/8 scale costs
    1/64 of the pixels); a progressive JPEG also keeps every DCT coefficient of
    the full image (2 bytes each, per component at its sampling `(h, v)`) however
    small the output. Modes that cannot be shrunk directly (palette, 1-bit,
    16-bit) are converted first, alpha is premultiplied into a full-size copy,
    and resampling holds an intermediate of up to half the pixels.
    """
    width, height = size
    pixels = width * height
    cost = pixels * (_MODE_BYTES.get(mode, 4) + _DECODER_EXTRA.get(fmt, 0))
    if progressive_layers:
        full_w, full_h = full_size or size
        h_max = max(h for h, _ in progressive_layers) or 1
        v_max = max(v for _, v in progressive_layers) or 1
        cost += sum(
            2 * (full_w * h // h_max) * (full_h * v // v_max) for h, v in progressive_layers
        )
    shrink = max(width, height) > DISPLAY_LONG
    if mode in ("P", "PA", "1", "I", "F") or mode.startswith("I;16"):
        cost += pixels * 4
    if shrink:
        cost += pixels * 2
        if alpha or mode in ("LA", "RGBA", "PA"):
            cost += pixels * 4
    return cost


def _cost_of(im: Image.Image, header_size: tuple[int, int]) -> int:
    layers = None
    if im.format == "JPEG" and im.info.get("progressive"):
        layers = [(h, v) for _, h, v, _ in getattr(im, "layer", None) or []] or [(1, 1)] * 3
    return decode_cost(
        im.format,
        im.mode,
        im.size,
        full_size=header_size,
        progressive_layers=layers,
        alpha="transparency" in im.info,
    )


def _refuse_size(width: int, height: int, *, max_pixels: int, min_short_side: int) -> None:
    if width * height > max_pixels:
        raise PhotoRejected(
            f"图片像素过多（{width}×{height}），最多 {max_pixels / 1_000_000:g} 百万像素。",
            status=422,
        )
    if min(width, height) < min_short_side:
        raise PhotoRejected(
            f"照片太小（{width}×{height} 像素），看不清现场：证据照片的短边至少 {min_short_side} 像素，请用相机重新拍摄后上传。",
            status=422,
        )


def _refuse_cost(fmt: str, size: tuple[int, int], cost: int, budget: int) -> None:
    if cost > budget:
        fits = (
            int(size[0] * size[1] * budget / cost / 100_000) / 10
        )  # megapixels that would fit, rounded down
        raise PhotoRejected(
            f"图片过大（{size[0]}×{size[1]}，{fmt}），解码约需 {cost // 2**20} MB 内存，超过上限 {budget // 2**20} MB："
            f"请缩小到约 {fits:g} 百万像素以内，或改用 JPEG 上传。",
            status=422,
        )


def process(
    data: bytes, *, max_pixels: int, min_short_side: int = 0, decode_budget: int = DECODE_BUDGET
) -> Processed:
    """Decode, check and re-encode one image within a memory budget; raise PhotoRejected with a Chinese reason.

    Everything that bounds memory is decided from the header, before decoding:
    the pixel count, the short side, and the estimated peak of decoding
    (`decode_cost`). JPEGs are decoded at a reduced scale (DCT scaling); other
    formats are decoded whole and shrunk at once, before any mode conversion.
    """
    if not data:
        raise PhotoRejected("上传的内容为空。", status=400)
    if (size := webp_size(data)) is not None:
        # libwebp allocates its canvases when the file is opened: check before that.
        _refuse_size(*size, max_pixels=max_pixels, min_short_side=0)
        _refuse_cost("WEBP", size, decode_cost("WEBP", "RGB", size), decode_budget)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (
        UnidentifiedImageError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise PhotoRejected(
                "不是支持的图片格式：请上传 JPEG、PNG、WebP 或 HEIC 照片。", status=415
            ) from None
        raise PhotoRejected("图片像素过多，拒绝处理。", status=422) from None
    except Exception:  # any decoder error on hostile input is a refusal, not a 500
        raise PhotoRejected("无法识别该图片文件。", status=415) from None
    fmt = im.format
    width, height = header_size = im.size
    # Checked from the header, before anything is decoded.
    _refuse_size(width, height, max_pixels=max_pixels, min_short_side=min_short_side)
    if fmt == "JPEG":
        # DCT scaling: decode at 1/2, 1/4 or 1/8 size when that still covers the
        # display copy (both requested sides must fit, so ask by aspect ratio).
        w, h = im.size
        scale = DISPLAY_LONG / max(w, h)
        if scale < 1:
            im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
    _refuse_cost(fmt, header_size, _cost_of(im, header_size), decode_budget)
    try:
        # After the budget check: a PNG's EXIF may follow its pixels, so reading it decodes them.
        orientation = im.getexif().get(0x0112, 1)
    except Exception:
        orientation = 1
    if orientation in (5, 6, 7, 8):  # the picture stands rotated by a quarter turn
        width, height = height, width
    try:
        im.load()
        if im.mode in ("P", "PA", "1", "I", "F") or im.mode.startswith("I;16"):
            im = im.convert(
                "RGBA"
                if im.mode in ("P", "PA") and ("transparency" in im.info or im.mode == "PA")
                else ("L" if im.mode in ("1", "I", "F") or im.mode.startswith("I;16") else "RGB")
            )
        # Shrink in place first (integer reduction, then resampling): the full-size
        # pixels are released before any other copy is made.
        im.thumbnail((DISPLAY_LONG, DISPLAY_LONG), Image.Resampling.HAMMING, reducing_gap=2.0)
        im = ImageOps.exif_transpose(im)
        if im.mode not in ("RGB", "L"):
            rgba = im.convert("RGBA")
            im = Image.new("RGB", rgba.size, (255, 255, 255))
            im.paste(rgba, mask=rgba.getchannel("A"))
        elif im.mode == "L":
            im = im.convert("RGB")
    except PhotoRejected:
        raise
    except Exception:
        raise PhotoRejected("图片已损坏或不完整，无法解码。", status=422) from None
    display = im
    thumb = display.copy()
    thumb.thumbnail((THUMB_LONG, THUMB_LONG), Image.Resampling.HAMMING)
    return Processed(
        mime=FORMATS[fmt],
        width=width,
        height=height,
        display=_encode(display, DISPLAY_MAX_BYTES),
        thumb=_encode(thumb, None, quality=75),
        phash=dhash(thumb),
    )


def store() -> storage_mod.Storage:
    ext = current_app.extensions
    if "photo_storage" not in ext:
        ext["photo_storage"] = storage_mod.from_config(current_app.config)
    return ext["photo_storage"]


def key(kind: str, sha: str) -> str:
    suffix = "" if kind == "original" else ".jpg"
    return f"{kind}/{sha[:2]}/{sha}{suffix}"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PhotoRejected("captured_at 应为 ISO 8601 时间。", status=400) from exc
    if parsed.tzinfo is None:
        raise PhotoRejected("captured_at 须带时区。", status=400)
    return parsed


def _parse_float(value: str | None, lo: float, hi: float, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        num = float(value)
    except ValueError as exc:
        raise PhotoRejected(f"{name} 应为数字。", status=400) from exc
    if not lo <= num <= hi:
        raise PhotoRejected(f"{name} 超出范围。", status=400)
    return num


@dataclass
class Meta:
    captured_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None

    @classmethod
    def from_args(cls, args) -> Meta:
        return cls(
            captured_at=_parse_time(args.get("captured_at")),
            lat=_parse_float(args.get("lat"), -90, 90, "lat"),
            lng=_parse_float(args.get("lng"), -180, 180, "lng"),
            accuracy_m=_parse_float(args.get("accuracy_m"), 0, 100_000, "accuracy_m"),
        )


def ingest(sha: str, data: bytes, meta: Meta, *, actor, now: datetime) -> bool:
    """Store a photo addressed by its SHA-256; return True if new, False if already held."""
    if not SHA_RE.match(sha):
        raise PhotoRejected("照片地址应为 64 位小写十六进制 SHA-256。", status=400)
    if hashlib.sha256(data).hexdigest() != sha:
        raise PhotoRejected(
            "照片内容与地址中的 SHA-256 不符（传输不完整或被改动），未保存。", status=400
        )
    if db.session.get(Photo, sha) is not None:
        _record_sender(sha, actor, now)  # they sent the bytes: they have the picture
        return False
    cfg = current_app.config
    done = process(
        data,
        max_pixels=cfg["PHOTO_MAX_PIXELS"],
        min_short_side=cfg["PHOTO_MIN_SHORT_SIDE"],
        decode_budget=int(cfg["PHOTO_DECODE_BUDGET_MB"] * 2**20),
    )
    files = store()
    files.put(key("original", sha), data)
    files.put(key("display", sha), done.display)
    files.put(key("thumb", sha), done.thumb)
    values = dict(
        sha256=sha,
        size_bytes=len(data),
        mime=done.mime,
        width=done.width,
        height=done.height,
        phash=done.phash,
        display_bytes=len(done.display),
        thumb_bytes=len(done.thumb),
        captured_at=meta.captured_at,
        lat=meta.lat,
        lng=meta.lng,
        accuracy_m=meta.accuracy_m,
        uploaded_by=actor.id,
        received_at=now,
    )
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = db.session.execute(
        insert(Photo)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(Photo.sha256)
    ).first()
    _record_sender(sha, actor, now)
    if inserted is not None:
        from .evidence import refresh_for_photo

        refresh_for_photo(sha, now)
    return inserted is not None


def ingest_uploads(files, meta_fields, *, actor, now: datetime) -> list[str]:
    """Store the photos of a multipart form with the form's photo fields; return their hashes in order."""
    from . import contract  # contract.api imports hazards, which imports this module
    from .contract.api import PhotoMeta

    files = [f for f in files if f and f.filename]
    if len(files) > MAX_UPLOADS:
        raise PhotoRejected(f"一次最多上传 {MAX_UPLOADS} 张照片。", status=422)
    meta = Meta(**contract.query(PhotoMeta, meta_fields).model_dump())
    shas = []
    for f in files:
        data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        ingest(sha, data, meta, actor=actor, now=now)
        shas.append(sha)
    return shas


def _record_sender(sha: str, actor, now: datetime) -> None:
    if getattr(actor, "id", None) is None:  # the public: anonymous senders cite nothing
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(PhotoUpload)
        .values(photo_sha256=sha, user_id=actor.id, received_at=now)
        .on_conflict_do_nothing(index_elements=["photo_sha256", "user_id"])
    )


def visible_clause(actor):
    """SQL on Photo: the actor sent these bytes, or a premises in the actor's scope uses the photo."""
    used_in_scope = (
        select(PhotoRef.id)
        .join(Enterprise, Enterprise.id == PhotoRef.enterprise_id)
        .where(PhotoRef.photo_sha256 == Photo.sha256, scope.enterprise_clause(actor))
        .exists()
    )
    sent = exists().where(PhotoUpload.photo_sha256 == Photo.sha256, PhotoUpload.user_id == actor.id)
    return or_(Photo.uploaded_by == actor.id, sent, used_in_scope)


def visible(actor, sha: str) -> Photo | None:
    """The photo if a premises in the actor's scope uses it (or the actor sent its bytes)."""
    return db.session.scalar(select(Photo).where(Photo.sha256 == sha, visible_clause(actor)))


def citable(actor, shas: list[str]) -> list[str]:
    """The cited photos the actor may use, in order: the one rule for citing a photo by its hash.

    A photo not held yet may be cited (it follows from the phone). A held one
    only by someone who sent its bytes or who already sees it in their scope:
    knowing a hash is not enough. Anything else is treated as if it were absent —
    no reference is made, so it can be neither seen nor counted as evidence.
    """
    shas = list(dict.fromkeys(shas))
    if not shas:
        return []
    held = set(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(shas))))
    allowed = (
        set(
            db.session.scalars(
                select(Photo.sha256).where(Photo.sha256.in_(held), visible_clause(actor))
            )
        )
        if held
        else set()
    )
    return [s for s in shas if s not in held or s in allowed]


def missing(shas: list[str], *, enterprise_id: int | None = None) -> list[str]:
    """Return the hashes the server does not hold yet, in the order given.

    With `enterprise_id`, a photo held but never cited for that premises (its
    citer could not cite it) counts as missing too.
    """
    if not shas:
        return []
    stmt = select(Photo.sha256).where(Photo.sha256.in_(set(shas)))
    if enterprise_id is not None:
        stmt = stmt.where(
            select(PhotoRef.id)
            .where(PhotoRef.photo_sha256 == Photo.sha256, PhotoRef.enterprise_id == enterprise_id)
            .exists()
        )
    held = set(db.session.scalars(stmt))
    return [s for s in dict.fromkeys(shas) if s not in held]


def ref(enterprise_id: int, kind: str, object_id: str, shas: list[str], now: datetime) -> None:
    """Record where these photos are used for a premises (once each): what makes them its evidence."""
    for sha in dict.fromkeys(shas):
        db.session.add(
            PhotoRef(
                photo_sha256=sha,
                enterprise_id=enterprise_id,
                kind=kind,
                object_id=object_id,
                created_at=now,
            )
        )
