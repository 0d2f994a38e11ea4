"""Four-colour rules, visit due dates, standardization and stars, letters, tenancy agreements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp import campaign, risk, settings, standardization
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, EnterpriseChange, RiskAssessment, User

from .. import images
from ..clock import TODAY, day
from ..factories import make_hazard

YEAR = TODAY.year


def ent(world, key="a2") -> Enterprise:
    return db.session.get(Enterprise, world.ents[key])


def user(name) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.mark.parametrize(
    "setup,color,reason",
    [
        ([], "blue", "近期无明显风险因素"),
        ([{"level": "major"}], "red", "存在未销号的重大隐患"),
        (
            [{"deadline_days": -10}, {"deadline_days": -3}],
            "orange",
            "近 12 个月逾期隐患 2 条（≥2）",
        ),
        ([{"level": "major", "state": "closed"}], "orange", "近 6 个月发生过重大隐患"),
        ([{}, {}, {}], "yellow", "未销号隐患 3 条（≥3）"),
        ([{"deadline_days": -5}], "blue", "近期无明显风险因素"),
    ],
)
def test_colour_rule_table(ctx, world, setup, color, reason):
    now = utcnow()
    for spec in map(dict, setup):  # copies: the table is shared by both databases' runs
        days = spec.pop("deadline_days", 7)
        make_hazard(world.ents["a2"], deadline=(now + timedelta(days=days)).date(), **spec)
    suggested, reasons = risk.suggest(ent(world), now)
    assert suggested == color and reasons[0] == reason


def test_unstandardized_larger_firms_are_yellow(ctx, world):
    e = ent(world)
    e.size_class, e.standardization = "medium", "none"
    assert risk.suggest(e, utcnow()) == ("yellow", ["规上或中等企业尚未创建安全生产标准化"])


def test_district_can_retune_the_rules(ctx, world):
    make_hazard(world.ents["a2"])
    assert risk.suggest(ent(world), utcnow())[0] == "blue"
    rules = settings.get("risk_rules")
    rules["open_many"]["threshold"] = 1
    rules["open_many"]["color"] = "orange"
    settings.put("risk_rules", rules, actor=user("district"), now=utcnow())
    assert risk.suggest(ent(world), utcnow()) == ("orange", ["未销号隐患 1 条（≥1）"])


def test_deciding_keeps_history_and_an_override_needs_a_reason(ctx, world):
    e = ent(world)
    with pytest.raises(risk.RiskError, match="须说明理由"):
        risk.decide(e, color="red", reason="", actor=user("street_a"), now=utcnow())
    risk.decide(e, color="blue", reason="", actor=user("street_a"), now=utcnow())
    risk.decide(e, color="red", reason="仓库堆放大量易燃物", actor=user("street_a"), now=utcnow())
    rows = db.session.scalars(select(RiskAssessment).order_by(RiskAssessment.id)).all()
    assert [(r.suggested, r.color, r.override_reason) for r in rows] == [
        ("blue", "blue", ""),
        ("blue", "red", "仓库堆放大量易燃物"),
    ]
    assert e.risk_color == "red"
    change = db.session.scalars(
        select(EnterpriseChange).where(EnterpriseChange.enterprise_id == e.id)
    ).all()[-1]
    assert change.changes["risk_color"] == ["blue", "red"]


@pytest.mark.parametrize(
    "color,std,last_days_ago,due_in",
    [
        ("red", "none", 10, 20),
        ("orange", "none", 10, 50),
        ("yellow", "none", 100, -10),
        ("blue", "none", 0, 180),
        ("red", "level3", 10, 35),
        ("blue", "micro_pass", 0, 270),
        ("yellow", "self_assessed", 0, 90),
    ],
)
def test_next_visit_due_date(ctx, color, std, last_days_ago, due_in):
    now = datetime(2026, 6, 15, 4, tzinfo=UTC)
    due = risk.next_due(color, std, now - timedelta(days=last_days_ago), now - timedelta(days=999))
    assert (due - date(2026, 6, 15)).days == due_in


def test_never_visited_is_due_at_once(ctx):
    created = datetime(2026, 3, 1, 4, tzinfo=UTC)
    assert risk.next_due("blue", "none", None, created) == date(2026, 3, 1)


def test_intervals_follow_settings(ctx, world):
    iv = settings.get("visit_intervals")
    iv["red"], iv["standardized_factor"] = 14, 2.0
    settings.put("visit_intervals", iv, actor=user("district"), now=utcnow())
    assert risk.interval_days("red", "none") == 14 and risk.interval_days("red", "level1") == 28


def test_standardization_status_follows_the_records(ctx, world):
    # Validity windows are this test's subject: it runs on its own clock.
    e, actor, now = ent(world), user("street_a"), datetime(2026, 10, 15, 4, tzinfo=UTC)
    standardization.record(
        e,
        kind="self_assessment",
        level=None,
        result="pass",
        on=date(2026, 9, 1),
        valid_until=None,
        organizer=None,
        note="",
        actor=actor,
        now=now,
    )
    assert e.standardization == "self_assessed"
    standardization.record(
        e,
        kind="review",
        level="level3",
        result="pass",
        on=date(2026, 10, 1),
        valid_until=None,
        organizer="district",
        note="",
        actor=actor,
        now=now,
    )
    assert e.standardization == "level3"
    assert standardization.records(e.id)[0].valid_until == date(
        2029, 10, 1
    )  # three years by default
    # An expired review falls back to a recent self-assessment.
    assert standardization.current_status(e.id, date(2029, 10, 2)) == "none"
    assert standardization.current_status(e.id, date(2027, 1, 1)) == "level3"


def test_a_lapsed_review_or_self_assessment_is_lapsed_by_the_daily_refresh(app, ctx, world):
    actor, now = user("street_a"), utcnow()
    reviewed, assessed, imported = ent(world, "a2"), ent(world, "b1"), ent(world, "b2")
    standardization.record(
        reviewed,
        kind="review",
        level="level3",
        result="pass",
        on=day(-1430),
        valid_until=day(-335),
        organizer="district",
        note="",
        actor=actor,
        now=now - timedelta(days=700),
    )
    standardization.record(
        assessed,
        kind="self_assessment",
        level=None,
        result="pass",
        on=day(-553),
        valid_until=None,
        organizer=None,
        note="",
        actor=actor,
        now=now - timedelta(days=500),
    )
    reviewed.standardization, assessed.standardization = (
        "level3",
        "self_assessed",
    )  # as they were when recorded
    imported.standardization = "level2"  # from the register, no records
    db.session.commit()
    interval_before = risk.interval_days(reviewed.risk_color, reviewed.standardization)
    result = app.test_cli_runner().invoke(args=["campaign", "refresh"])
    assert result.exit_code == 0 and "2 家" in result.output, result.output
    db.session.expire_all()
    assert (
        ent(world, "a2").standardization,
        ent(world, "b1").standardization,
        ent(world, "b2").standardization,
    ) == ("none", "none", "level2")
    assert (
        risk.interval_days(ent(world, "a2").risk_color, "none") < interval_before
    )  # visited more often again
    change = db.session.scalars(
        select(EnterpriseChange)
        .where(EnterpriseChange.enterprise_id == world.ents["a2"])
        .order_by(EnterpriseChange.id.desc())
    ).first()
    assert (
        change.changes["standardization"] == ["level3", "none"]
        and "有效期届满" in change.actor_label
    )
    assert "0 家" in app.test_cli_runner().invoke(args=["campaign", "refresh"]).output  # idempotent


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"kind": "review", "level": None, "organizer": "city"}, "评审等级"),
        ({"kind": "review", "level": "level2", "organizer": None}, "层级"),
        ({"kind": "review", "level": "level2", "organizer": "city", "on": day(2)}, "不能晚于今天"),
        ({"kind": "audit", "level": None, "organizer": None}, "定级评审或自评"),
    ],
)
def test_bad_standardization_records(ctx, world, kwargs, message):
    args = {"result": "pass", "on": day(-30), "valid_until": None, "note": "", **kwargs}
    with pytest.raises(standardization.StandardizationError, match=message):
        standardization.record(ent(world), actor=user("street_a"), now=utcnow(), **args)


def test_stars_follow_the_configurable_ladder(ctx, world):
    e = ent(world)
    e.standardization = "micro_pass"
    assert standardization.suggested_stars("micro_pass") == 3
    with pytest.raises(standardization.StandardizationError, match="须说明理由"):
        standardization.rate(e, stars=5, reason="", actor=user("street_a"), now=utcnow())
    standardization.rate(e, stars=3, reason="", actor=user("street_a"), now=utcnow())
    assert e.stars == 3 and standardization.star_history(e.id)[0].suggested == 3
    ladder = settings.get("star_ladder")
    ladder["micro_pass"] = 4
    settings.put("star_ladder", ladder, actor=user("district"), now=utcnow())
    assert standardization.suggested_stars("micro_pass") == 4


def test_letters_once_per_year_and_the_missing_list(ctx, world):
    actor, now = user("street_a"), utcnow()
    campaign.record_letter(
        ent(world, "a1"),
        kind="notice",
        year=YEAR,
        done_on=day(-20),
        deadline=day(150),
        signer="",
        photo=None,
        note="",
        actor=actor,
        now=now,
    )
    with pytest.raises(campaign.CampaignError, match="已登记"):
        campaign.record_letter(
            ent(world, "a1"),
            kind="notice",
            year=YEAR,
            done_on=day(-19),
            deadline=None,
            signer="",
            photo=None,
            note="",
            actor=actor,
            now=now,
        )
    with pytest.raises(campaign.CampaignError, match="签字人"):
        campaign.record_letter(
            ent(world, "a1"),
            kind="commitment",
            year=YEAR,
            done_on=day(-19),
            deadline=None,
            signer="",
            photo=None,
            note="",
            actor=actor,
            now=now,
        )
    missing = {e.name for e in campaign.missing_letters(actor, kind="notice", year=YEAR)}
    assert missing == {"甲二机械厂"}  # street A's other premises; street B is out of scope
    assert {e.name for e in campaign.missing_letters(actor, kind="commitment", year=YEAR)} == {
        "甲一小吃店",
        "甲二机械厂",
    }


def test_a_signed_commitment_keeps_its_photo_as_evidence(ctx, world):
    from fieldapp.models import PhotoRef

    row = campaign.record_letter(
        ent(world, "a1"),
        kind="commitment",
        year=YEAR,
        done_on=day(-10),
        deadline=None,
        signer="张三",
        photo=images.jpeg(seed=121),
        note="",
        actor=user("street_a"),
        now=utcnow(),
    )
    assert row.photo_sha256 == images.sha(images.jpeg(seed=121))
    assert (
        db.session.scalar(select(PhotoRef.kind).where(PhotoRef.photo_sha256 == row.photo_sha256))
        == "document"
    )


def test_tenancy_agreements_only_with_own_tenants(ctx, world):
    landlord, tenant, stranger = ent(world, "a1"), ent(world, "a2"), ent(world, "b1")
    landlord.hosts_tenants, tenant.landlord_id = True, landlord.id
    db.session.flush()
    campaign.record_agreement(
        landlord,
        tenant,
        signed_on=day(-5),
        photo=None,
        note="",
        actor=user("street_a"),
        now=utcnow(),
    )
    assert set(campaign.agreements(landlord.id)) == {tenant.id}
    with pytest.raises(campaign.CampaignError, match="不是本出租方"):
        campaign.record_agreement(
            landlord,
            stranger,
            signed_on=day(-5),
            photo=None,
            note="",
            actor=user("street_a"),
            now=utcnow(),
        )


@pytest.mark.parametrize(
    "level,organizer,ok",
    [
        ("level1", "national", True),
        ("level1", "city", False),
        ("level2", "province", True),
        ("level2", "district", False),
        ("level3", "city", True),
        ("level3", "district", True),
        ("level3", "street", False),  # a street grades no one
        ("micro_pass", "street", True),
        ("micro_pass", "district", True),
        ("micro_pass", "province", False),
    ],
)
def test_a_review_is_organised_by_the_level_that_organises_it(ctx, world, level, organizer, ok):
    ent = db.session.get(Enterprise, world.ents["a1"])
    actor = db.session.get(User, world.users["district"])
    now = utcnow()
    kw = dict(
        kind="review",
        level=level,
        result="pass",
        on=TODAY,
        valid_until=None,
        organizer=organizer,
        note="",
        actor=actor,
        now=now,
    )
    if ok:
        assert standardization.record(ent, **kw).organizer == organizer
    else:
        with pytest.raises(standardization.StandardizationError, match="组织评审.*请重新选择"):
            standardization.record(ent, **kw)
