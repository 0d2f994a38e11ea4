"""Long jobs (bulk archive exports) whose state lives in the database, not on one server's disk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ExportJob(Base):
    """A bulk export built step by step; its pieces are objects in the configured store.

    Any app server may take the next step: a step first takes a short lease
    (`lease_until`) with one conditional UPDATE, so two steps never write together.
    """

    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_owner_created", "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default="archives")
    label: Mapped[str] = mapped_column(String(200))
    ids: Mapped[list] = mapped_column(JSON)  # enterprise ids, in export order
    created_at: Mapped[datetime]
    done: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    finished: Mapped[bool] = mapped_column(default=False)
    # [sha256, file name] per stored piece, in order; piece n is the object `<kind>/<id>/<n>`.
    sums: Mapped[list] = mapped_column(JSON, default=list)
    lease_until: Mapped[datetime | None]

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def percent(self) -> int:
        return 100 if not self.ids else self.done * 100 // len(self.ids)
