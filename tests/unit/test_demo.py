"""The demo district of annex 1."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from fieldapp import creditcode, demo, vocab
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Grid, Street, User

from ..clock import NOW

ANNEX_1 = {
    "开元街道": 52,
    "鲤中街道": 39,
    "海滨街道": 41,
    "临江街道": 12,
    "金龙街道": 239,
    "江南街道": 190,
    "浮桥街道": 123,
    "常泰街道": 395,
}


def cheap_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt:1024:8:1")


def test_demo_matches_annex_1_and_covers_every_kind(ctx):
    logins = demo.build(now=utcnow(), password_hasher=cheap_hash)
    counts = dict(
        db.session.execute(
            select(Street.name, func.count(Enterprise.id))
            .join(Enterprise, Enterprise.street_id == Street.id)
            .group_by(Street.name)
        ).all()
    )
    assert counts == ANNEX_1 and sum(counts.values()) == 1091
    venue_types = set(db.session.scalars(select(Enterprise.venue_type).distinct()))
    assert set(vocab.VENUE_TYPES) <= venue_types
    assert set(db.session.scalars(select(Enterprise.size_class).distinct())) == set(
        vocab.SIZE_CLASSES
    )
    assert set(db.session.scalars(select(Enterprise.risk_color).distinct())) == set(
        vocab.RISK_COLORS
    )
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


def test_history_is_realistic_and_its_audit_chain_valid(demo_app):
    """The default demo: visits over the whole history, hazards in every state, a chain that verifies."""
    from fieldapp import audit
    from fieldapp.models import Hazard, Visit

    with demo_app.app_context():
        # A premises that closes down is not visited any more: a few planned visits do not happen.
        # Not corrections; field_samples adds a few examples (督导帮扶, a found unit's visit) beside the planned ones.
        visits = db.session.scalar(
            select(func.count()).select_from(Visit).where(Visit.amends.is_(None))
        )
        assert demo.default_visits(1091) * 0.98 <= visits <= demo.default_visits(1091) + 5
        states = dict(
            db.session.execute(select(Hazard.state, func.count()).group_by(Hazard.state)).all()
        )
        assert (
            set(states) == {"open", "rectified", "closed"}
            and states["closed"] > states["open"] + states["rectified"]
        )
        # Inspections find about two hazards in three visits; self-inspection adds its own on top.
        found = db.session.scalar(
            select(func.count()).select_from(Hazard).where(Hazard.source == "inspection")
        )
        assert 0.3 * visits <= found <= 0.9 * visits
        assert audit.verify().ok


def _records() -> dict:
    """What a demo made, apart from what is random by design (placard tokens, PIN hashes)."""
    from fieldapp.models import (
        Answer,
        AuditEvent,
        CampaignLetter,
        Hazard,
        Photo,
        RiskAssessment,
        StandardizationRecord,
        StarRating,
        Visit,
    )

    def rows(*cols, order):
        return db.session.execute(select(*cols).order_by(*order)).all()

    return {
        "visits": rows(
            Visit.uuid,
            Visit.enterprise_id,
            Visit.finished_at,
            Visit.received_at,
            Visit.body_hash,
            order=[Visit.uuid],
        ),
        "answers": db.session.scalar(select(func.count()).select_from(Answer)),
        "hazards": rows(
            Hazard.uuid,
            Hazard.state,
            Hazard.version,
            Hazard.deadline,
            Hazard.after_photos,
            Hazard.evidence_flags,
            order=[Hazard.uuid],
        ),
        "photos": rows(Photo.sha256, Photo.received_at, order=[Photo.sha256]),
        "letters": rows(
            CampaignLetter.enterprise_id,
            CampaignLetter.kind,
            CampaignLetter.done_on,
            order=[CampaignLetter.id],
        ),
        "reviews": rows(
            StandardizationRecord.enterprise_id,
            StandardizationRecord.on,
            order=[StandardizationRecord.id],
        ),
        "stars": rows(StarRating.enterprise_id, StarRating.stars, order=[StarRating.id]),
        "colours": rows(
            RiskAssessment.enterprise_id, RiskAssessment.color, order=[RiskAssessment.id]
        ),
        "events": rows(AuditEvent.uuid, AuditEvent.action, AuditEvent.at, order=[AuditEvent.seq]),
    }


def test_the_same_seed_makes_the_same_history(app, database, tmp_path):
    from fieldapp import create_app
    from fieldapp.demo_history import build_history

    from ..conftest import base_config

    made = []
    (tmp_path / "again").mkdir()
    for n in range(2):
        other = (
            app
            if n == 0
            else create_app(base_config(database.fresh(tmp_path / "again"), tmp_path / "again"))
        )
        with other.app_context():
            demo.build(enterprises=40, seed=5, now=NOW, password_hasher=cheap_hash)
            build_history(visits=200, seed=5, now=NOW, pin_hasher=cheap_hash)
            made.append(_records())
            db.session.remove()
            if n:
                db.engine.dispose()
    assert made[0] == made[1]
    assert made[0]["visits"] and made[0]["hazards"] and made[0]["photos"] and made[0]["letters"]


def test_history_goes_through_the_domain_functions(demo_app):
    """Every row of the default demo is one real use makes: received visits, decoded photos, declared events."""
    import io

    from PIL import Image

    from fieldapp import audit, audit_shapes, photos
    from fieldapp.demo_history import history_start
    from fieldapp.models import AuditEvent, Hazard, Photo, Visit

    with demo_app.app_context():
        start = history_start(NOW)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            audit_shapes.check(e.object_type, e.action, audit.payload(e))
            assert start <= e.at.replace(tzinfo=start.tzinfo) <= NOW
        visits = db.session.scalars(select(Visit)).all()
        # Received minutes or hours after the walk, each with its receipt event, located ones with coordinates.
        assert all(v.started_at < v.finished_at < v.received_at for v in visits)
        assert all((v.lat is not None) == (v.location_status == "ok") for v in visits)
        receipts = set(
            db.session.scalars(
                select(AuditEvent.object_id).where(AuditEvent.action == "visit_received")
            )
        )
        assert receipts == {v.uuid for v in visits}
        # Every hazard's latest event says the state it is in.
        latest = {}
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "hazard").order_by(AuditEvent.seq)
        ):
            latest[e.object_id] = audit.view(e)["to"]
        assert latest == dict(db.session.execute(select(Hazard.uuid, Hazard.state)).all())
        # Real pictures of at least 480×360, each its own: none is taken for another premises' photo.
        for p in db.session.scalars(select(Photo).order_by(Photo.sha256).limit(30)):
            im = Image.open(io.BytesIO(photos.store().get(photos.key("original", p.sha256))))
            assert im.size == (480, 360) and (p.width, p.height) == im.size
        flagged = [f for flags in db.session.scalars(select(Hazard.evidence_flags)) for f in flags]
        assert "other_enterprise" not in flagged
        # Some premises send the before photo again as evidence. Whether one is still flagged at the
        # end depends on the day (a rejection clears the flags), so the history is checked, not today's flags.
        before = dict(db.session.execute(select(Hazard.uuid, Hazard.before_photos)).all())
        assert any(
            set(audit.view(e)["photos"]) & set(before.get(e.object_id) or [])
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "submit_rectification")
            )
        )


def test_the_demo_does_the_plan_s_work_through_main_s_functions(demo_app):
    """The plan entered and filed for, quarters filed and rolled up, self-inspection, phone reports, corrections."""
    from fieldapp import plan, quarterly
    from fieldapp.clock import local_today
    from fieldapp.models import (
        Alert,
        AuditEvent,
        CampaignLetter,
        Hazard,
        PlanFiling,
        QuarterFiling,
        Street,
        User,
        Visit,
    )

    with demo_app.app_context():
        today = local_today(NOW)
        actions = dict(
            db.session.execute(
                select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
            ).all()
        )
        # The plan of every year up to today's, each filed for by streets and departments.
        assert set(range(2025, today.year + 1)) <= set(plan.years())
        assert actions["plan_loaded"] == len(plan.years()) and actions[
            "plan_filed"
        ] == db.session.scalar(select(func.count()).select_from(PlanFiling))
        # Dated campaign records follow the plan's phase dates: the letters by the end of 动员部署.
        mobilise = {
            p.year: p.ends_on for y in plan.years() for p in plan.phases(y) if p.key == "mobilize"
        }
        assert all(
            done <= mobilise[year]
            for year, done in db.session.execute(
                select(CampaignLetter.year, CampaignLetter.done_on)
            ).all()
        )
        # Every quarter ended since 2025 Q1 is filed by every street and rolled up by the district.
        units = {quarterly.street_unit(s).code for s in db.session.scalars(select(Street))} | {
            quarterly.DISTRICT.code
        }
        filed = set(
            db.session.execute(
                select(QuarterFiling.unit, QuarterFiling.year, QuarterFiling.quarter)
            ).all()
        )
        ended = [
            (y, q)
            for y in range(2025, today.year + 1)
            for q in range(1, 5)
            if quarterly.period(y, q).end + timedelta(days=25) <= NOW
        ]
        assert ended and {(u, y, q) for u in units for y, q in ended} <= filed
        # Departments decide colours too; enterprises inspect themselves and inspectors confirm it.
        deciders = set(
            db.session.scalars(
                select(User.role)
                .join(AuditEvent, AuditEvent.actor_id == User.id)
                .where(AuditEvent.action == "risk_decided")
            )
        )
        assert {"department", "street"} <= deciders
        assert (
            db.session.scalar(
                select(func.count()).select_from(Hazard).where(Hazard.source == "self")
            )
            > 0
        )
        assert actions["self_close"] > 0 and actions["confirm_self"] > 0
        # The phone's same-day reports of major hazards, taken in hand; corrections of synced visits.
        assert actions["alert_received"] == db.session.scalar(
            select(func.count()).select_from(Alert)
        )
        assert 0 < actions["alert_acknowledged"] < actions["alert_received"]
        assert (
            db.session.scalar(
                select(func.count()).select_from(Visit).where(Visit.amends.is_not(None))
            )
            > 0
        )
        # Checklist defects name the hazards; a combined fire judgement raised one; a flagged major closed by two.
        assert not db.session.scalar(
            select(func.count())
            .select_from(Hazard)
            .where(Hazard.source == "inspection", Hazard.defect.is_(None))
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(Hazard).where(Hazard.item_key == "fire_combined")
            )
            > 0
        )
        assert actions["confirm_closure"] > 0


def test_the_demo_s_register_search_index_is_in_step(demo_app):
    """Every premises' search grams are those of its name and address as the history left them."""
    from fieldapp import search
    from fieldapp.models import EnterpriseGram

    with demo_app.app_context():
        held: dict[int, set[str]] = {}
        for eid, gram in db.session.execute(
            select(EnterpriseGram.enterprise_id, EnterpriseGram.gram)
        ):
            held.setdefault(eid, set()).add(gram)
        want = {
            eid: search.grams(name, address)
            for eid, name, address in db.session.execute(
                select(Enterprise.id, Enterprise.name, Enterprise.address)
            )
        }
        assert held == {eid: g for eid, g in want.items() if g}
