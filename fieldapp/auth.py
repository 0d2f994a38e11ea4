"""Passwords, server-side sessions, bearer tokens and login throttling."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from . import throttle
from .extensions import db
from .models import AuthSession, User

MIN_PASSWORD_LENGTH = 8
# Checked against when the username is unknown, so both paths cost one scrypt.
_DUMMY_HASH = generate_password_hash("fieldapp-dummy-password")
# last_seen_at is written at most this often, to keep reads from writing.
_TOUCH_EVERY = timedelta(minutes=5)


class PasswordError(ValueError):
    """Raised for a password that does not meet the policy."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user as every request sees it: immutable, loaded in one query.

    Domain code takes an Actor (or a User: they share these attributes).
    """

    id: int
    username: str
    display_name: str
    role: str
    street_id: int | None
    industry: str | None
    enterprise_id: int | None
    active: bool = True

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(
            user.id,
            user.username,
            user.display_name,
            user.role,
            user.street_id,
            user.industry,
            user.enterprise_id,
            user.active,
        )


_ACTOR_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.street_id,
    User.industry,
    User.enterprise_id,
    User.active,
)
# One indexed lookup per request, on the Core path (the ORM would cost ~4x here).
_SESSION_QUERY = (
    select(AuthSession.id, AuthSession.expires_at, AuthSession.last_seen_at, *_ACTOR_COLUMNS)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("digest"), AuthSession.kind == bindparam("kind"))
)


@dataclass(frozen=True)
class LoginPolicy:
    per_account: int
    per_ip: int
    window_s: int


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False
    retry_after: int = 0  # seconds, when throttled


def hash_password(password: str) -> str:
    """Hash a password after checking the minimum policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    return generate_password_hash(password)


def token_digest(raw: str) -> str:
    """Return the stored form of a session or API token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def authenticate(
    username: str,
    password: str,
    *,
    ip: str,
    policy: LoginPolicy,
    now: datetime,
    allow_pin_users: bool = False,
) -> LoginResult:
    """Check credentials with per-account and per-IP throttling.

    Every attempt is counted first, by one atomic increment per key committed before
    the password is checked, and refused when the count passes the limit: parallel
    attempts (several workers) each get their own number, so no more than the limit
    are ever checked. A successful sign-in takes its attempt back.
    Unknown users, wrong passwords and disabled accounts look the same to the caller.
    PIN users (placard sign-in) can only sign in from their premises' placard page.
    """
    username = username.strip()
    # PIN users exist only for placard sign-in; elsewhere they look like any unknown user.
    hidden = username.startswith("pin-") and not allow_pin_users
    account_key = f"login:user:{username.lower()}"
    ip_key = f"login:ip:{ip}"
    on_account = throttle.hit(account_key, policy.window_s, now)
    on_ip = throttle.hit(ip_key, policy.window_s, now)
    db.session.commit()  # the counts are settled before the (slow) password check
    if on_account > policy.per_account or on_ip > policy.per_ip:
        return LoginResult(
            None, throttled=True, retry_after=throttle.retry_after(policy.window_s, now)
        )
    user = None if hidden else db.session.scalar(select(User).where(User.username == username))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        return LoginResult(None)
    throttle.reset(account_key, policy.window_s, now)
    throttle.unhit(ip_key, policy.window_s, now)
    return LoginResult(user)


def start_session(user: User | Actor, *, kind: str, lifetime: timedelta, now: datetime) -> str:
    """Create a session row and return the raw token (shown once, stored hashed)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthSession(
            token_hash=token_digest(raw),
            user_id=user.id,
            kind=kind,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.commit()
    return raw


def load_session(raw: str, *, kind: str, idle: timedelta | None, now: datetime) -> Actor | None:
    """Return the active user behind a token, or None when it is no longer valid."""
    # A pooled connection of its own rather than the ORM session's: beginning and
    # closing an ORM transaction cost more than the lookup itself, and a request that
    # does no other database work (a redirect, a refusal) then pays none. The row is
    # read fresh on every request, so a disabled user or an ended session is refused
    # on the very next one, by any worker.
    with db.engine.connect() as conn:
        row = conn.execute(_SESSION_QUERY, {"digest": token_digest(raw), "kind": kind}).first()
        if row is None:
            return None
        session_id, expires_at, last_seen_at, *user = row
        actor = Actor(*user)
        expired = expires_at <= now or (idle is not None and last_seen_at + idle <= now)
        if expired or not actor.active:
            conn.execute(delete(AuthSession).where(AuthSession.id == session_id))
            conn.commit()
            return None
        if now - last_seen_at > _TOUCH_EVERY:
            conn.execute(
                update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
            )
            conn.commit()
    return actor


def end_session(raw: str) -> None:
    """Delete the session behind a token (logout)."""
    db.session.execute(delete(AuthSession).where(AuthSession.token_hash == token_digest(raw)))
    db.session.commit()


def end_all_sessions(user: User) -> None:
    """Delete every session of a user (account disabled, password changed)."""
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.commit()
