"""What the health check asks of the database."""

from __future__ import annotations

from sqlalchemy import text

from .extensions import db


def check() -> None:
    """Run one trivial query: raises when the database cannot be reached."""
    db.session.execute(text("SELECT 1"))
