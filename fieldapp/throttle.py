"""Fixed-window counters in the database, so every worker sees the same counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db
from .models import RateCounter


def _window(now: datetime, window_s: int) -> int:
    return int(now.timestamp()) // window_s * window_s


def count(key: str, window_s: int, now: datetime) -> int:
    """Return how many hits `key` has in the current window (to show; a limit is decided on `hit`'s answer)."""
    row = db.session.get(RateCounter, (key, _window(now, window_s)))
    return row.count if row else 0


def hit(key: str, window_s: int, now: datetime) -> int:
    """Count one hit for `key` and return the window's total, atomically."""
    start = _window(now, window_s)
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(RateCounter).values(key=key, window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[RateCounter.key, RateCounter.window_start],
        set_={"count": RateCounter.count + 1},
    ).returning(RateCounter.count)
    total = db.session.execute(stmt).scalar_one()
    # Keep the table small: old windows of this key are no longer read.
    db.session.execute(
        delete(RateCounter).where(RateCounter.key == key, RateCounter.window_start < start)
    )
    return total


def unhit(key: str, window_s: int, now: datetime) -> None:
    """Take back one hit counted in the current window (an attempt that turned out not to count)."""
    db.session.execute(
        update(RateCounter)
        .where(
            RateCounter.key == key,
            RateCounter.window_start == _window(now, window_s),
            RateCounter.count > 0,
        )
        .values(count=RateCounter.count - 1)
    )


def retry_after(window_s: int, now: datetime) -> int:
    """Seconds until the current window ends (a 429's Retry-After)."""
    return max(1, _window(now, window_s) + window_s - int(now.timestamp()))


def reset(key: str, window_s: int, now: datetime) -> None:
    """Forget the current window's hits for `key`."""
    db.session.execute(
        delete(RateCounter).where(
            RateCounter.key == key, RateCounter.window_start == _window(now, window_s)
        )
    )


__all__ = ["count", "hit", "reset", "retry_after", "unhit"]
