"""The demo district of annex 1."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldapp import creditcode, demo, vocab
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Grid, Street, User

ANNEX_1 = {"开元街道": 52, "鲤中街道": 39, "海滨街道": 41, "临江街道": 12,
           "金龙街道": 239, "江南街道": 190, "浮桥街道": 123, "常泰街道": 395}


def cheap_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt:1024:8:1")


def test_demo_matches_annex_1_and_covers_every_kind(ctx):
    logins = demo.build(now=utcnow(), password_hasher=cheap_hash)
    counts = dict(db.session.execute(
        select(Street.name, func.count(Enterprise.id)).join(Enterprise, Enterprise.street_id == Street.id).group_by(Street.name)
    ).all())
    assert counts == ANNEX_1 and sum(counts.values()) == 1091
    venue_types = set(db.session.scalars(select(Enterprise.venue_type).distinct()))
    assert set(vocab.VENUE_TYPES) <= venue_types
    assert set(db.session.scalars(select(Enterprise.size_class).distinct())) == set(vocab.SIZE_CLASSES)
    assert set(db.session.scalars(select(Enterprise.risk_color).distinct())) == set(vocab.RISK_COLORS)
    assert all(creditcode.is_valid(c) for c in db.session.scalars(select(Enterprise.credit_code)))
    assert db.session.scalar(select(func.count()).select_from(Grid)) >= 16
    assert db.session.scalar(select(func.count()).where(Enterprise.hosts_tenants.is_(True))) >= 1
    assert {login.role for login in logins} == set(vocab.ROLES)
    # Every grid has an inspector and every street a street user.
    inspectors = db.session.scalars(select(User).where(User.role == "inspector")).all()
    assert {g.id for u in inspectors for g in u.grids} == set(db.session.scalars(select(Grid.id)))


def test_demo_is_deterministic_for_a_seed(ctx):
    demo.build(enterprises=40, seed=7, now=utcnow(), password_hasher=cheap_hash)
    names = db.session.scalars(select(Enterprise.name).order_by(Enterprise.id)).all()
    assert demo.plan_logins(enterprises=40, seed=7) == demo.plan_logins(enterprises=40, seed=7)
    assert demo.plan_logins(enterprises=40, seed=7) != demo.plan_logins(enterprises=40, seed=8)
    assert len(names) == 40 and len(set(names)) == 40


def test_demo_scales_to_other_sizes(ctx):
    demo.build(enterprises=200, now=utcnow(), password_hasher=cheap_hash)
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 200


def test_demo_logins_work(app, client):
    with app.app_context():
        logins = demo.build(enterprises=40, now=utcnow(), password_hasher=cheap_hash)
    street = next(lg for lg in logins if lg.role == "street")
    assert client.login(street.username, street.password).status_code == 303


def test_history_is_realistic_and_its_audit_chain_valid(ctx):
    from fieldapp import audit
    from fieldapp.demo_history import build_history
    from fieldapp.models import Hazard, Visit

    demo.build(enterprises=60, now=utcnow(), password_hasher=cheap_hash)
    made = build_history(visits=1500, seed=1, now=utcnow())
    # The test checklists have 5 items: ~1.5% of ~4.8 answers per visit fail.
    assert made["visits"] == 1500 and 50 <= made["hazards"] <= 250
    states = dict(db.session.execute(select(Hazard.state, func.count()).group_by(Hazard.state)).all())
    assert set(states) == {"open", "rectified", "closed"} and states["closed"] > states["open"]
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1500
    assert audit.verify().ok
