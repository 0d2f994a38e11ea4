"""How the product names a person in histories and records: 洪晓东（网格员）, never an account id.

An account id (inspector-jl-01, pin-167) means nothing to an owner reading a hazard's
history and is not for them to see. A person is named by the name on their account
and what they act as; an account without a name by what it acts as alone. Public
pages name no one (they do not call this).
"""

from __future__ import annotations

from sqlalchemy import select

from . import vocab
from .extensions import db
from .models import Street, User
from .placards import PIN_USER_PREFIX

NOBODY = "系统"
CONSOLE = "命令行"  # an export run on the server (fieldapp archive export), not by an account


def office(user: User) -> str:
    """What the account acts as: 网格员, 金龙街道安办, 区安委办, 餐饮行业主管部门, 企业."""
    if user.role == "street":
        street = db.session.get(Street, user.street_id) if user.street_id else None
        return f"{street.name}安办" if street else "街道安办"
    if user.role == "department":
        return f"{user.industry}行业主管部门" if user.industry else "行业主管部门"
    return vocab.ROLES.get(user.role, "工作人员")


def label(user: User | None) -> str:
    """A person as histories name them."""
    if user is None:
        return NOBODY
    if user.username.startswith(PIN_USER_PREFIX):
        return "企业（扫码登录）"
    return _named(user.display_name, user.username, office(user))


def labels(user_ids) -> dict[int, str]:
    """Labels for many accounts in one query."""
    ids = {i for i in user_ids if i is not None}
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    return {u.id: label(u) for u in users}


def from_record(person: dict | None, username: str | None) -> str:
    """The same label from an archive's people entry (username, display_name, role); no street there."""
    if not username:
        return "—"
    if username.startswith(PIN_USER_PREFIX):
        return "企业（扫码登录）"
    if person is None and username in (NOBODY, CONSOLE, "公众"):
        return username  # an event no account made (the system, the public), labelled as such
    p = person or {}
    return _named(p.get("display_name"), username, vocab.ROLES.get(p.get("role") or "", "工作人员"))


def _named(display_name: str | None, username: str, where: str) -> str:
    """名字（身份）, or the office alone when the account carries no name of its own."""
    name = (display_name or "").strip()
    return f"{name}（{where}）" if name and name != username else where
