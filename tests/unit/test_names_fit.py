"""Every audit action name the code writes fits its column (SQLite would not say; PostgreSQL would)."""

from __future__ import annotations

import re
from pathlib import Path

from fieldapp.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2] / "fieldapp"


def test_action_names_fit_the_audit_column():
    limit = AuditEvent.__table__.c.action.type.length
    names = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'action="([a-z_]+)"', text))
        names |= set(
            re.findall(
                r'"(std_[a-z_]+|letter_[a-z_]+|case_[a-z_]+|report_[a-z_]+|placard_[a-z_]+)"', text
            )
        )
    from fieldapp import campaign, hazards

    names |= (
        set(hazards.TRANSITIONS)
        | {f"letter_{k}" for k in campaign.LETTER_KINDS}
        | {f"case_{k}" for k in campaign.CASE_KINDS}
    )
    too_long = sorted(n for n in names if len(n) > limit)
    assert names and not too_long, too_long
