"""Counts the office figures read, kept in step with hazards and visits by database triggers (fieldapp.summaries).

Nothing in Python writes these tables: the triggers of migration 0022 do, in the same
transaction as the hazard or visit row that changes them, whatever path wrote it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# The hazard tallies' key, in index order: fieldapp.summaries upserts on it.
TALLY_KEY = (
    "kind",
    "day",
    "enterprise_id",
    "state",
    "level",
    "category",
    "user_id",
    "due",
    "supervised",
)


class HazardTally(Base):
    """How many hazards of one premises fall on one key; `kind` says which stamp `day` is (see fieldapp.summaries)."""

    __tablename__ = "hazard_tallies"
    # SQLite keeps the rows in key order (WITHOUT ROWID): a day range is one contiguous read,
    # counts included. PostgreSQL keeps a heap: the key's index carries the count (INCLUDE,
    # migration 0025) so a read is index-only instead of one heap page per row.
    __table_args__ = (
        PrimaryKeyConstraint(
            *TALLY_KEY,
            name="pk_hazard_tallies",
            postgresql_include=["n"],
        ),
        Index("ix_hazard_tallies_enterprise", "enterprise_id", "kind", "day"),
        {"sqlite_with_rowid": False},
    )

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: nobody
    due: Mapped[date] = mapped_column(Date, primary_key=True)
    supervised: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class VisitTally(Base):
    """Visits finished per premises, local day and inspector."""

    __tablename__ = "visit_tallies"
    __table_args__ = (
        PrimaryKeyConstraint(
            "day",
            "enterprise_id",
            "inspector_id",
            name="pk_visit_tallies",
            postgresql_include=["n"],
        ),
        # The count rides in the premises' index (migration 0028): a scoped count reads the
        # index alone instead of looking each key up in the table.
        Index("ix_visit_tallies_enterprise", "enterprise_id", "day", "n"),
        {"sqlite_with_rowid": False},
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspector_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class PremisesVisit(Base):
    """Each visited premises' latest visit (the visit coverage figure)."""

    __tablename__ = "premises_visits"

    enterprise_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_at: Mapped[datetime]
