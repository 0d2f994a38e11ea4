"""Placards: the capability token behind each QR, the QR itself, and the owner's PIN.

The token is the only secret in a placard link: ≥128 bits from `secrets`,
rotatable and revocable; unknown, old and revoked tokens all look the same (404).
The PIN is the password of a hidden enterprise user, so signing in with it makes
an ordinary server-side session scoped to that one premises.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import uuid as uuidlib
from datetime import datetime

import qrcode
import qrcode.image.svg
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.security import generate_password_hash

from . import audit, auth, scope
from .extensions import db
from .models import Enterprise, Grid, Street, User

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
PIN_USER_PREFIX = "pin-"
PIN_DIGITS = 6


def new_token() -> str:
    """A fresh placard token: 24 random bytes (192 bits), URL-safe."""
    return secrets.token_urlsafe(24)


def enterprise_for_token(token: str) -> int | None:
    """The premises a current token belongs to, or None (unknown, rotated or revoked)."""
    if not TOKEN_RE.match(token or ""):
        return None
    return db.session.scalar(
        select(Enterprise.id).where(Enterprise.public_token == token, Enterprise.active.is_(True))
    )


def premises(token: str) -> Enterprise:
    """The premises a placard token opens; 404 for an unknown, rotated or revoked one."""
    ent_id = enterprise_for_token(token)
    if ent_id is None:
        raise NotFound()
    return db.session.get(Enterprise, ent_id)


def for_sheet(actor, *, grid: str = "", street: str = "", limit: int = 400) -> list[Enterprise]:
    """The active premises with a placard in a grid (by code) or a street (by name), in scope."""
    stmt = scope.enterprises(actor).where(
        Enterprise.active.is_(True), Enterprise.public_token.is_not(None)
    )
    if grid:
        stmt = stmt.where(
            Enterprise.grid_id == select(Grid.id).where(Grid.code == grid).scalar_subquery()
        )
    else:
        stmt = stmt.where(
            Enterprise.street_id == select(Street.id).where(Street.name == street).scalar_subquery()
        )
    return list(db.session.scalars(stmt.order_by(Enterprise.grid_id, Enterprise.name).limit(limit)))


def change(ent: Enterprise, action: str, *, actor, now: datetime) -> str | None:
    """Rotate or revoke a placard's link or set a new PIN; return the PIN when one was set."""
    if action == "rotate":
        rotate(ent, actor=actor, now=now)
    elif action == "revoke":
        revoke(ent, actor=actor, now=now)
    elif action == "pin":
        return set_pin(ent, actor=actor, now=now)
    return None


def public_url(base_url: str, ent) -> str | None:
    return f"{base_url}/q/{ent.public_token}" if ent.public_token else None


def _record(ent: Enterprise, action: str, actor, now: datetime, token: str | None) -> None:
    # The chain keeps a hash of the token, never the token itself.
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="placard",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action=action,
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"token_sha256": hashlib.sha256(token.encode()).hexdigest() if token else None},
    )


def rotate(ent: Enterprise, *, actor, now: datetime) -> str:
    """Issue a new token; the old link stops working at once."""
    ent.public_token = new_token()
    ent.public_token_at = now
    _record(ent, "placard_rotate", actor, now, ent.public_token)
    return ent.public_token


def revoke(ent: Enterprise, *, actor, now: datetime) -> None:
    """Withdraw the placard link (e.g. the premises closed)."""
    ent.public_token = None
    ent.public_token_at = now
    _record(ent, "placard_revoke", actor, now, None)


def qr_svg(url: str) -> bytes:
    img = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def qr_png(url: str, box_size: int = 10) -> bytes:
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2
    )
    qr.add_data(url)
    buf = io.BytesIO()
    qr.make_image().save(buf, format="PNG")
    return buf.getvalue()


def pin_username(enterprise_id: int) -> str:
    return f"{PIN_USER_PREFIX}{enterprise_id}"


def set_pin(
    ent: Enterprise,
    *,
    actor,
    now: datetime,
    pin: str | None = None,
    hasher=generate_password_hash,
) -> str:
    """Set (or reset) the premises' PIN; return it once, to hand to the owner. Old PIN sessions end.

    The PIN is random unless given (the demo gives one it can print again). `hasher`
    is for the test suite's demo, which may not wait on the real key derivation.
    """
    if pin is not None and not re.fullmatch(rf"\d{{{PIN_DIGITS}}}", pin):
        raise ValueError(f"PIN 应为 {PIN_DIGITS} 位数字")
    pin = pin or "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    user = db.session.scalar(select(User).where(User.username == pin_username(ent.id)))
    if user is None:
        user = User(
            username=pin_username(ent.id),
            display_name=f"{ent.name}（扫码登录）",
            role="enterprise",
            enterprise_id=ent.id,
            active=True,
            created_at=now,
            password_hash="",
        )
        db.session.add(user)
        db.session.flush()
    else:
        auth.end_all_sessions(user)
    user.password_hash = hasher(pin)
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="placard",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action="pin_reset",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={},
    )
    return pin


def pin_login(
    enterprise_id: int, pin: str, *, ip: str, policy: auth.LoginPolicy, now: datetime
) -> auth.LoginResult:
    """Check a PIN, throttled per premises and per IP like a password."""
    if not re.fullmatch(r"\d{4,8}", pin or ""):
        pin = "x"  # still counted as a failure, same answer
    return auth.authenticate(
        pin_username(enterprise_id), pin, ip=ip, policy=policy, now=now, allow_pin_users=True
    )
