"""Session lookup per request: one fresh read, a throttled last-seen write, nothing cached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fieldapp import auth
from fieldapp.extensions import db
from fieldapp.models import AuthSession, User

from ..clock import NOW

IDLE = timedelta(days=3)
LIFETIME = timedelta(days=14)


@pytest.fixture
def token(ctx, world) -> str:
    user = db.session.get(User, world.users["street_a"])
    return auth.start_session(user, kind="web", lifetime=LIFETIME, now=NOW)


def last_seen(token: str):
    db.session.expire_all()
    return db.session.scalar(
        select(AuthSession.last_seen_at).where(AuthSession.token_hash == auth.token_digest(token))
    )


def look(token: str, at, idle=IDLE):
    return auth.load_session(token, kind="web", idle=idle, now=at)


def test_last_seen_is_written_at_most_every_five_minutes(token):
    assert look(token, NOW + timedelta(minutes=4)) is not None
    assert last_seen(token) == NOW
    assert look(token, NOW + timedelta(minutes=6)) is not None
    assert last_seen(token) == NOW + timedelta(minutes=6)


def test_a_session_in_use_outlives_the_idle_timeout_but_an_idle_one_is_ended(token):
    # Used once just before the idle limit: the throttled write still moves last-seen on.
    kept = NOW + IDLE - timedelta(minutes=1)
    assert look(token, kept) is not None
    assert look(token, kept + IDLE - timedelta(minutes=1)) is not None
    # Then left alone past the limit: refused, and the row is gone for good.
    gone = kept + IDLE - timedelta(minutes=1) + IDLE
    assert look(token, gone) is None
    assert last_seen(token) is None
    assert look(token, NOW) is None


def test_idle_limit_counts_from_the_last_write_not_the_last_read(token):
    # Reads within five minutes write nothing, so the idle clock may run up to five
    # minutes early: never late.
    assert look(token, NOW + timedelta(minutes=4)) is not None
    assert look(token, NOW + IDLE + timedelta(minutes=1)) is None


def test_an_expired_session_is_refused_even_when_in_use(token):
    at = NOW
    while at + timedelta(days=2) < NOW + LIFETIME:
        at += timedelta(days=2)
        assert look(token, at) is not None
    assert look(token, NOW + LIFETIME) is None


def test_a_user_disabled_behind_the_apps_back_is_refused_on_the_next_lookup(token, world):
    assert look(token, NOW + timedelta(minutes=1)) is not None
    # Not through auth.set_active: a flag changed directly must be enough.
    db.session.execute(update(User).where(User.id == world.users["street_a"]).values(active=False))
    db.session.commit()
    assert look(token, NOW + timedelta(minutes=2)) is None
    assert last_seen(token) is None


def test_an_api_token_is_not_a_web_session(token):
    assert auth.load_session(token, kind="api", idle=None, now=NOW) is None
    assert look(token, NOW) is not None
