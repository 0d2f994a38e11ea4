"""Major hazards governed to the law (issue 20 point 3): confirmation, 治理方案, 挂牌督办, 销号 acceptance.

Work Safety Law Art. 41; 原国家安全生产监督管理总局令第16号 Arts. 14, 15, 18. Every step goes
through hazards.transition and writes one audit event; a major hazard cannot close
without an accepted plan and an acceptance record.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import audit, hazard_major, hazards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, EnforcementCase, Hazard, HazardAcceptance, HazardPlan, User

from .. import images
from ..clock import TODAY, day
from ..factories import make_hazard, store_photo
from .test_hazards import PLAN


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def act(h, action, username, **kw):
    fresh = db.session.get(Hazard, h if isinstance(h, str) else h.uuid)
    out = hazards.transition(
        fresh.uuid, action, actor=user(username), now=utcnow(), version=fresh.version, **kw
    )
    db.session.commit()
    return out


def refused(h, action, username, **kw):
    fresh = db.session.get(Hazard, h.uuid)
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(
            fresh.uuid, action, actor=user(username), now=utcnow(), version=fresh.version, **kw
        )
    db.session.rollback()
    return info.value


def photo(world, seed: int, who: str = "owner_a1") -> str:
    return store_photo(images.jpeg(seed=seed), uploader_id=world.users[who], received_at=utcnow())


def proposed_major(world):
    """A major hazard an inspector raised: 待确认 until the office or the department confirms it."""
    h = make_hazard(world.ents["a1"], level="major", raised_by=world.users["inspector_a1"])
    db.session.commit()
    return h


ACCEPTANCE = {"accepted_by": "街道安办 张三、市安全生产专家 李四", "accepted_on": TODAY.isoformat()}


def test_a_major_hazard_closes_only_after_its_plan_is_accepted_and_its_acceptance_recorded(
    ctx, world
):
    h = proposed_major(world)
    assert (
        hazard_major.pending(h)
        and hazards.level_label(h) == "待确认重大隐患"
        and h.level == "major"
    )
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    act(h, "confirm_major", "dept_catering", note="属 GB 35181 直接判定情形")
    act(h, "submit_plan", "owner_a1", data={"plan": PLAN})
    act(h, "accept_plan", "street_a", note="方案可行")
    act(
        h,
        "supervise",
        "street_a",
        data={"supervision_level": "street", "supervisor": "街道办副主任 王五"},
    )
    act(h, "submit_rectification", "owner_a1", note="已更换管道", photos=[photo(world, 1)])
    # Treated and rectified, but no acceptance on record: it does not close.
    error = refused(h, "verify", "street_a")
    assert (
        error.status == 409 and "销号验收记录" in error.message and "治理方案" not in error.message
    )
    act(h, "record_acceptance", "street_a", photos=[photo(world, 2, "street_a")], data=ACCEPTANCE)
    out = act(h, "verify", "district")
    assert out.hazard.state == "closed"

    events = audit.events_for("hazard", h.uuid)
    assert [e.action for e in events] == [
        "confirm_major",
        "submit_plan",
        "accept_plan",
        "supervise",
        "submit_rectification",
        "record_acceptance",
        "verify",
    ]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 7
    closed = db.session.get(Hazard, h.uuid)
    assert (closed.supervision_level, closed.supervisor, closed.plan_status) == (
        "street",
        "街道办副主任 王五",
        "accepted",
    )
    acceptance = db.session.get(HazardAcceptance, closed.acceptance_uuid)
    assert acceptance.accepted_by == ACCEPTANCE["accepted_by"] and acceptance.accepted_on == TODAY
    assert acceptance.photos and acceptance.recorded_by == world.users["street_a"]
    plan = db.session.scalar(select(HazardPlan).where(HazardPlan.hazard_uuid == h.uuid))
    assert (
        plan.status == "accepted"
        and plan.goal == PLAN["goal"]
        and plan.emergency_plan == PLAN["emergency_plan"]
    )
    assert audit.payload(events[1])["data"]["plan"]["safety_measures"] == PLAN["safety_measures"]
    assert audit.verify().ok


# What is missing → the words the refusal names. Each row builds a rectified major hazard lacking it.
MISSING = [
    ({"major_confirmed_at": None}, "确认为重大隐患"),
    ({"plan_status": None}, "治理方案审查通过"),
    ({"plan_status": "submitted"}, "治理方案审查通过"),
    ({"plan_status": "returned"}, "治理方案审查通过"),
    ({"acceptance_uuid": None}, "销号验收记录"),
]


@pytest.mark.parametrize("lacking,words", MISSING)
def test_closure_of_a_major_hazard_is_refused_for_each_missing_piece(ctx, world, lacking, words):
    governed = {
        "major_confirmed_at": utcnow(),
        "plan_status": "accepted",
        "acceptance_uuid": str(uuid.uuid4()),
    }
    after = photo(world, 3)
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        level="major",
        submitted_by=world.users["owner_a1"],
        after_photos=[after],
        **{**governed, **lacking},
    )
    db.session.commit()
    error = refused(h, "verify", "street_a")
    assert error.status == 409 and words in error.message
    assert db.session.get(Hazard, h.uuid).state == "rectified"


def test_the_same_major_hazard_closes_once_nothing_is_missing(ctx, world):
    """The control row of the table above: everything present, the office closes it."""
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        level="major",
        submitted_by=world.users["owner_a1"],
        after_photos=[photo(world, 4)],
        major_confirmed_at=utcnow(),
        plan_status="accepted",
        acceptance_uuid=str(uuid.uuid4()),
    )
    db.session.commit()
    assert act(h, "verify", "street_a").hazard.state == "closed"


def test_a_rejected_rectification_needs_a_new_acceptance(ctx, world):
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        level="major",
        submitted_by=world.users["owner_a1"],
        after_photos=[photo(world, 5)],
        major_confirmed_at=utcnow(),
        plan_status="accepted",
    )
    db.session.commit()
    act(h, "record_acceptance", "street_a", photos=[photo(world, 6, "street_a")], data=ACCEPTANCE)
    assert (
        refused(
            h,
            "record_acceptance",
            "street_a",
            photos=[photo(world, 7, "street_a")],
            data=ACCEPTANCE,
        ).status
        == 409
    )
    act(h, "reject", "street_a", note="复查发现管道接口仍漏气")
    assert db.session.get(Hazard, h.uuid).acceptance_uuid is None
    act(h, "submit_rectification", "owner_a1", note="重新更换接口", photos=[photo(world, 8)])
    assert "销号验收记录" in refused(h, "verify", "street_a").message


def test_an_inspector_proposes_major_and_only_office_or_department_confirm(ctx, world):
    h = proposed_major(world)
    assert refused(h, "confirm_major", "inspector_a1").status == 403
    assert refused(h, "confirm_major", "owner_a1").status == 403
    assert (
        refused(
            h, "supervise", "street_a", data={"supervision_level": "street", "supervisor": "王五"}
        ).status
        == 409
    )
    out = act(h, "confirm_major", "street_a")
    assert (
        out.hazard.major_confirmed_by == world.users["street_a"]
        and hazards.level_label(out.hazard) == "重大隐患"
    )
    assert refused(h, "confirm_major", "dept_catering").status == 409  # already confirmed


def test_a_department_out_of_its_industry_does_not_see_the_hazard(ctx, world):
    from fieldapp.models import User as U

    db.session.add(
        U(
            username="dept_machine",
            role="department",
            industry="机械",
            password_hash="x",
            created_at=utcnow(),
            active=True,
        )
    )
    h = proposed_major(world)
    assert refused(h, "confirm_major", "dept_machine").status == 404


def test_raising_a_major_hazard_confirms_it_only_when_an_office_user_raises_it(ctx, world):
    def raise_as(username):
        new = hazards.NewHazard(
            uuid=str(uuid.uuid4()),
            enterprise_id=world.ents["a1"],
            item_text="燃气管道老化",
            level="major",
            deadline=day(30),
            raised_at=utcnow(),
        )
        h = hazards.raise_hazard(new, actor=user(username), now=utcnow())
        db.session.commit()
        return h

    assert hazard_major.pending(raise_as("inspector_a1"))
    by_office = raise_as("street_a")
    assert (
        not hazard_major.pending(by_office)
        and by_office.major_confirmed_by == world.users["street_a"]
    )
    raised = audit.events_for("hazard", by_office.uuid)[0]
    assert audit.payload(raised)["data"]["major_confirmed"] is True


def test_a_downgrade_needs_a_reason_and_is_recorded(ctx, world):
    h = proposed_major(world)
    assert "须说明理由" in refused(h, "downgrade_major", "dept_catering").message
    out = act(h, "downgrade_major", "dept_catering", note="经核实仅为个别软管老化，可立即更换")
    assert out.hazard.level == "general" and out.hazard.level_reason.startswith("经核实")
    assert audit.payload(out.event)["data"] == {
        "old": "major",
        "new": "general",
        "was_confirmed": False,
    }
    assert audit.payload(out.event)["level"] == "general"


def test_a_supervised_major_hazard_is_not_downgraded(ctx, world):
    h = make_hazard(
        world.ents["a1"],
        level="major",
        major_confirmed_at=utcnow(),
        supervised=True,
        supervision_level="district",
        supervisor="区应急局 赵六",
    )
    db.session.commit()
    assert refused(h, "downgrade_major", "street_a", note="理由").status == 409


@pytest.mark.parametrize(
    "username,level,ok",
    [
        ("street_a", "street", True),
        ("street_a", "district", False),
        ("dept_catering", "district", True),
        ("dept_catering", "street", False),
        ("district", "district", True),
        ("district", "street", True),
    ],
)
def test_supervision_names_its_level_and_supervisor(ctx, world, username, level, ok):
    h = make_hazard(world.ents["a1"], level="major", major_confirmed_at=utcnow())
    db.session.commit()
    data = {"supervision_level": level, "supervisor": "督办人 王五"}
    if ok:
        out = act(h, "supervise", username, data=data)
        assert (out.hazard.supervised, out.hazard.supervision_level, out.hazard.supervisor) == (
            True,
            level,
            "督办人 王五",
        )
        assert audit.payload(out.event)["data"] == {"level": level, "supervisor": "督办人 王五"}
    else:
        error = refused(h, "supervise", username, data=data)
        assert error.status == 422 and "级挂牌督办" in error.message


def test_supervision_without_a_supervisor_is_refused(ctx, world):
    h = make_hazard(world.ents["a1"], level="major", major_confirmed_at=utcnow())
    db.session.commit()
    error = refused(h, "supervise", "street_a", data={"supervision_level": "street"})
    assert error.status == 422 and "督办人" in error.message


def test_a_plan_needs_all_seven_elements(ctx, world):
    h = proposed_major(world)
    partial = {k: v for k, v in PLAN.items() if k not in ("funds", "emergency_plan")}
    error = refused(h, "submit_plan", "owner_a1", data={"plan": partial})
    assert error.status == 422 and error.errors == ["请填写经费物资", "请填写应急预案"]
    assert (
        refused(h, "submit_plan", "street_a", data={"plan": PLAN}).status == 403
    )  # the enterprise's own duty


def test_a_returned_plan_is_submitted_again_and_only_a_submitted_one_is_decided(ctx, world):
    h = proposed_major(world)
    assert refused(h, "accept_plan", "street_a").status == 409
    act(h, "submit_plan", "owner_a1", data={"plan": PLAN})
    assert refused(h, "submit_plan", "owner_a1", data={"plan": PLAN}).status == 409
    assert "须说明理由" in refused(h, "return_plan", "street_a").message
    act(h, "return_plan", "street_a", note="经费未落实")
    assert db.session.get(Hazard, h.uuid).plan_status == "returned"
    act(h, "submit_plan", "owner_a1", data={"plan": {**PLAN, "funds": "已申请贷款 5 万元，到账"}})
    act(h, "accept_plan", "district")
    plans = hazard_major.plans(db.session.get(Hazard, h.uuid))
    assert [p.status for p in plans] == ["accepted", "returned"] and plans[
        1
    ].decision_note == "经费未落实"


def test_an_acceptance_needs_who_when_and_evidence(ctx, world):
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        level="major",
        major_confirmed_at=utcnow(),
        plan_status="accepted",
        submitted_by=world.users["owner_a1"],
    )
    db.session.commit()
    error = refused(
        h,
        "record_acceptance",
        "street_a",
        data={"accepted_on": (TODAY + timedelta(days=1)).isoformat()},
    )
    assert error.status == 422
    assert error.errors == [
        "请填写验收人员",
        "验收日期应在隐患发现之后、今天或以前",
        "销号验收须附证据：验收照片或验收报告等文件",
    ]


def test_a_referral_opens_an_enforcement_case(ctx, world):
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    out = act(h, "refer", "street_a", note="拒不整改，移交执法")
    case = db.session.scalar(select(EnforcementCase).where(EnforcementCase.hazard_uuid == h.uuid))
    assert (
        case.uuid == out.event.uuid and case.status == "open" and case.note == "拒不整改，移交执法"
    )


def test_a_flagged_major_hazard_needs_its_governance_and_a_second_office_user(ctx, world):
    """Issue 20's closure rules and the second confirmation of doubtful evidence hold together."""
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        level="major",
        submitted_by=world.users["owner_a1"],
        after_photos=[photo(world, 9)],
        evidence_flags=["far_from_premises"],
        major_confirmed_at=utcnow(),
        plan_status="accepted",
    )
    db.session.commit()
    assert "销号验收记录" in refused(h, "verify", "street_a", note="现场核实").message
    act(h, "record_acceptance", "street_a", photos=[photo(world, 10, "street_a")], data=ACCEPTANCE)
    first = act(h, "verify", "street_a", note="现场核实，照片位置偏差系定位误差")
    assert first.hazard.state == "rectified" and hazards.awaiting_confirmation(first.hazard)
    assert refused(h, "confirm_closure", "street_a", note="同上").status == 403
    assert act(h, "confirm_closure", "district", note="同意").hazard.state == "closed"
