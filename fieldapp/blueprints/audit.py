"""The audit chain for district users: its head, to note outside the system, and a check."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import audit
from ..access import roles_required
from ..roles import Role

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
@roles_required(Role.DISTRICT)
def index():
    seq, head = audit.head()
    return render_template("audit/index.html", seq=seq, head=head, recent=audit.recent(30))


@bp.get("/verify")
@roles_required(Role.DISTRICT)
def verify():
    return render_template("audit/_verify.html", result=audit.verify())
