"""Photos kept as evidence, addressed by the SHA-256 of the bytes received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, text, true
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Photo(Base):
    __tablename__ = "photos"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(30))  # detected by decoding, never from the header
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    phash: Mapped[str] = mapped_column(String(16), index=True)  # 64-bit difference hash, hex
    display_bytes: Mapped[int] = mapped_column(Integer)
    thumb_bytes: Mapped[int] = mapped_column(Integer)
    # Declared by the phone (untrusted): capture time and the browser's geolocation.
    captured_at: Mapped[datetime | None]
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime]  # server time: authoritative
    # False for photos imported from a 一企一档 file: only the display copy came with it.
    original_held: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    # The dHash's four 16-bit bands, indexed for near-duplicate lookups (fieldapp.evidence).
    __table_args__ = tuple(
        Index(f"ix_photos_phash_b{n}", text(f"substr(phash, {1 + 4 * n}, 4)")) for n in range(4)
    )


class PhotoRef(Base):
    """Where a photo is used; the enterprise decides who may see it.

    A reference may exist before its photo arrives (offline sync sends the visit
    first and the photos one by one): that is what `missing_photos` reports.
    """

    __tablename__ = "photo_refs"
    __table_args__ = (Index("ix_photo_refs_sha_enterprise", "photo_sha256", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_sha256: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # answer / after / event / report / document / self / unit
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(40))  # visit, hazard or event uuid
    created_at: Mapped[datetime]


class PhotoUpload(Base):
    """Who has sent these exact bytes: they may cite the photo wherever they work (fieldapp.photos.citable).

    The first sender is also `Photo.uploaded_by`; a later sender of the same bytes
    gets 200 "already held", and a row here, since they plainly have the picture.
    """

    __tablename__ = "photo_uploads"

    photo_sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    received_at: Mapped[datetime]
