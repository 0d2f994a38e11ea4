"""The one "today" of a test session: every fixture date derives from it.

Tests never name a calendar date unless the date is their subject (a quarter's
boundary, a log's age); those pass their own `now` to the domain code. Everything
else is an offset from the instant this module is first imported, so the suite
means the same thing on any day, and with the clock moved a year ahead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fieldapp.clock import LOCAL_TZ, local_today, utcnow

# Taken once, so a run that crosses midnight still sees a single day.
NOW: datetime = utcnow().replace(microsecond=0)
TODAY: date = local_today(NOW)
# The default visit finished an hour before the session began: never ahead of the
# server's clock, and well inside the 90-day window a visit is accepted in.
VISIT_FINISHED: datetime = NOW - timedelta(hours=1)
VISIT_STARTED: datetime = VISIT_FINISHED - timedelta(minutes=30)
VISIT_DAY: date = local_today(VISIT_FINISHED)


def local_iso(at: datetime) -> str:
    """Render an instant as the phone sends it: ISO 8601 in Asia/Shanghai."""
    return at.astimezone(LOCAL_TZ).isoformat()


def day(offset: int = 0, *, base: date | None = None) -> date:
    """Return the date `offset` days from the session's today (or from `base`)."""
    return (base or TODAY) + timedelta(days=offset)
