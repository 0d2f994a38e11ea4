"""The closed loop: every allowed and forbidden transition, versions, concurrency and evidence."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import audit, hazards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Hazard, HazardPlan, User

from .. import images
from ..clock import TODAY
from ..factories import make_hazard, make_user, store_photo

# Who may do what from which state (PRODUCT.md §4). Anything not listed is refused.
ALLOWED = {
    ("submit_rectification", "open"): {"owner_a1", "inspector_a1", "street_a", "district"},
    ("verify", "rectified"): {"inspector_a1", "street_a", "district"},
    ("reject", "rectified"): {"inspector_a1", "street_a", "district"},
    ("request_extension", "open"): {"owner_a1", "inspector_a1"},
    ("approve_extension", "open"): {"street_a", "district"},
    ("refuse_extension", "open"): {"street_a", "district"},
    # The department confirms and supervises major hazards of its industry (a1 is 餐饮), issue 19 point 1.
    ("supervise", "open"): {"street_a", "district", "dept_catering"},
    ("supervise", "rectified"): {"street_a", "district", "dept_catering"},
    ("refer", "open"): {"street_a", "district"},
    ("refer", "rectified"): {"street_a", "district"},
    ("reopen", "closed"): {"street_a", "district"},
    # Major hazards governed to the law (issue 20 point 3).
    ("confirm_major", "open"): {"street_a", "district", "dept_catering"},
    ("confirm_major", "rectified"): {"street_a", "district", "dept_catering"},
    ("downgrade_major", "open"): {"street_a", "district", "dept_catering"},
    ("downgrade_major", "rectified"): {"street_a", "district", "dept_catering"},
    ("submit_plan", "open"): {"owner_a1"},
    ("accept_plan", "open"): {"street_a", "district"},
    ("accept_plan", "rectified"): {"street_a", "district"},
    ("return_plan", "open"): {"street_a", "district"},
    ("return_plan", "rectified"): {"street_a", "district"},
    ("record_acceptance", "rectified"): {"street_a", "district", "dept_catering"},
}
MAJOR_ACTIONS = {
    "supervise",
    "confirm_major",
    "downgrade_major",
    "submit_plan",
    "accept_plan",
    "return_plan",
    "record_acceptance",
}
ACTORS = ["owner_a1", "inspector_a1", "street_a", "district", "dept_catering"]
ACTIONS = sorted({a for a, _ in ALLOWED})
STATES = ["open", "rectified", "closed"]
CASES = [(a, s, r) for a in ACTIONS for s in STATES for r in ACTORS]


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def setup_hazard(world, action: str, state: str):
    """A hazard in `state`, prepared so the action's own preconditions hold."""
    after = (
        [
            store_photo(
                images.jpeg(seed=hash((action, state)) % 1000),
                uploader_id=world.users["owner_a1"],
                received_at=utcnow(),
            )
        ]
        if state in ("rectified", "closed")
        else []
    )
    h = make_hazard(
        world.ents["a1"],
        state=state,
        level="major" if action in MAJOR_ACTIONS else "general",
        submitted_by=world.users["owner_a1"] if state != "open" else None,
        after_photos=after,
        extension_requested_to=(utcnow() + timedelta(days=30)).date()
        if action in ("approve_extension", "refuse_extension")
        else None,
        # Only a confirmed major hazard is supervised; one to confirm or downgrade is still 待确认.
        major_confirmed_at=utcnow()
        if action in MAJOR_ACTIONS - {"confirm_major", "downgrade_major"}
        else None,
        plan_status="submitted" if action in ("accept_plan", "return_plan") else None,
    )
    if action in ("accept_plan", "return_plan"):
        db.session.add(
            HazardPlan(
                uuid=str(uuid.uuid4()),
                hazard_uuid=h.uuid,
                submitted_at=utcnow(),
                status="submitted",
                submitted_by=world.users["owner_a1"],
                **PLAN,
            )
        )
    return h


PLAN = {
    "goal": "一个月内消除隐患",
    "method": "更换燃气管道并加装报警器",
    "funds": "企业自筹 3 万元，材料已采购",
    "organization": "由店长负责，维修公司施工",
    "timeline": "30 日内完成",
    "safety_measures": "施工期间停用燃气",
    "emergency_plan": "现场配置灭火器，发生泄漏立即关阀撤人",
}
LEVEL_OF = {"street_a": "street", "district": "district", "dept_catering": "district"}


def inputs(action: str, photo: str, username: str = "street_a") -> dict:
    return {
        "note": "整改完成，已更换灭火器",
        "photos": [photo] if action in ("submit_rectification", "record_acceptance") else [],
        "data": {
            "deadline": (utcnow() + timedelta(days=30)).date().isoformat(),
            "plan": PLAN,
            "supervision_level": LEVEL_OF.get(username, "street"),
            "supervisor": "街道办副主任 王五",
            "accepted_by": "街道安办 张三、专家 李四",
            "accepted_on": TODAY.isoformat(),
        },
    }


@pytest.mark.parametrize("action,state,username", CASES)
def test_transition_table(ctx, world, action, state, username):
    h = setup_hazard(world, action, state)
    photo = store_photo(images.jpeg(seed=77), uploader_id=world.users[username])
    db.session.commit()
    allowed = username in ALLOWED.get((action, state), set())
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    if allowed:
        out = hazards.transition(
            h.uuid,
            action,
            actor=user(username),
            now=utcnow(),
            version=1,
            **inputs(action, photo, username),
        )
        db.session.commit()
        rule = hazards.TRANSITIONS[action]
        assert out.hazard.state == (rule.to_state or state)
        assert out.hazard.version == 2 and out.event.action == action
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
    else:
        with pytest.raises(hazards.TransitionError) as info:
            hazards.transition(
                h.uuid,
                action,
                actor=user(username),
                now=utcnow(),
                version=1,
                **inputs(action, photo, username),
            )
        db.session.rollback()
        assert info.value.status in (403, 409), info.value.message
        assert db.session.get(Hazard, h.uuid).version == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_out_of_scope_is_404(ctx, world):
    other = make_user("inspector_x", "inspector")
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(
            h.uuid,
            "request_extension",
            actor=other,
            now=utcnow(),
            version=1,
            note="x",
            data={"deadline": "2099-01-01"},
        )
    assert info.value.status == 404


def test_stale_version_is_409_first_and_writes_nothing(ctx, world):
    h = make_hazard(world.ents["a1"], state="closed")
    db.session.commit()
    # Stale AND an action the role may never take: the version is checked first.
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(h.uuid, "verify", actor=user("owner_a1"), now=utcnow(), version=7)
    assert info.value.status == 409 and "已被他人更新" in info.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize(
    "action,kwargs,message",
    [
        ("submit_rectification", {"note": "好了"}, "须附整改后照片"),
        ("submit_rectification", {"photos": ["a" * 64]}, "须填写整改说明"),
        (
            "request_extension",
            {"note": "材料未到", "data": {"deadline": "2000-01-01"}},
            "晚于现期限",
        ),
        ("request_extension", {"data": {"deadline": "2099-01-01"}}, "须说明理由"),
    ],
)
def test_missing_inputs_are_422(ctx, world, action, kwargs, message):
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(
            h.uuid, action, actor=user("owner_a1"), now=utcnow(), version=1, **kwargs
        )
    assert info.value.status == 422 and message in info.value.message


def test_submitter_can_never_verify_their_own_rectification(ctx, world):
    h = setup_hazard(world, "verify", "rectified")
    h.submitted_by = world.users["inspector_a1"]
    db.session.commit()
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(h.uuid, "verify", actor=user("inspector_a1"), now=utcnow(), version=1)
    assert info.value.status == 403 and "不能复查自己" in info.value.message


def test_major_hazard_is_closed_only_by_office_users(ctx, world):
    h = setup_hazard(world, "verify", "rectified")
    # Governed to the law (test_major_hazards): confirmed, plan accepted, acceptance on record.
    h.level, h.major_confirmed_at, h.plan_status, h.acceptance_uuid = (
        "major",
        utcnow(),
        "accepted",
        str(uuid.uuid4()),
    )
    db.session.commit()
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(h.uuid, "verify", actor=user("inspector_a1"), now=utcnow(), version=1)
    assert info.value.status == 403
    out = hazards.transition(h.uuid, "verify", actor=user("street_a"), now=utcnow(), version=1)
    assert out.hazard.state == "closed"


def test_closing_needs_an_after_photo_received_after_the_hazard_was_raised(ctx, world):
    old = store_photo(
        images.jpeg(seed=88),
        uploader_id=world.users["owner_a1"],
        received_at=utcnow() - timedelta(days=5),
    )
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        submitted_by=world.users["owner_a1"],
        after_photos=[old],
    )
    db.session.commit()
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(h.uuid, "verify", actor=user("street_a"), now=utcnow(), version=1)
    assert info.value.status == 422 and "早于隐患发现时间" in info.value.message
    h.after_photos = ["f" * 64]  # referenced, not yet uploaded
    db.session.commit()
    with pytest.raises(hazards.TransitionError) as info:
        hazards.transition(h.uuid, "verify", actor=user("street_a"), now=utcnow(), version=1)
    assert "尚未上传" in info.value.message


def test_extension_approved_moves_the_deadline(ctx, world):
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    wanted = (utcnow() + timedelta(days=40)).date()
    hazards.transition(
        h.uuid,
        "request_extension",
        actor=user("owner_a1"),
        now=utcnow(),
        version=1,
        note="设备到货需要时间",
        data={"deadline": wanted.isoformat()},
    )
    out = hazards.transition(
        h.uuid, "approve_extension", actor=user("street_a"), now=utcnow(), version=2
    )
    assert out.hazard.deadline == wanted and out.hazard.extension_requested_to is None
    assert audit.payload(out.event)["data"] == {
        "old": (utcnow() + timedelta(days=7)).date().isoformat(),
        "new": wanted.isoformat(),
    }


def test_replaying_an_event_uuid_answers_the_same_and_writes_once(ctx, world):
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    event = str(uuid.uuid4())
    first = hazards.transition(
        h.uuid,
        "request_extension",
        actor=user("owner_a1"),
        now=utcnow(),
        version=1,
        event_uuid=event,
        note="等货",
        data={"deadline": "2099-01-01"},
    )
    db.session.commit()
    again = hazards.transition(
        h.uuid,
        "request_extension",
        actor=user("owner_a1"),
        now=utcnow(),
        version=1,
        event_uuid=event,
        note="等货",
        data={"deadline": "2099-01-01"},
    )
    assert again.replayed and again.event.seq == first.event.seq
    with pytest.raises(hazards.TransitionError):
        hazards.transition(
            h.uuid, "refer", actor=user("street_a"), now=utcnow(), version=2, event_uuid=event
        )


def test_two_concurrent_verifications_one_wins_one_gets_409(app, world):
    with app.app_context():
        h = setup_hazard(world, "verify", "rectified")
        db.session.commit()
        hid = h.uuid
    barrier = threading.Barrier(2)
    results = []

    def verify(username):
        with app.app_context():
            actor = user(username)
            barrier.wait()
            try:
                hazards.transition(hid, "verify", actor=actor, now=utcnow(), version=1)
                db.session.commit()
                results.append(200)
            except hazards.TransitionError as exc:
                db.session.rollback()
                results.append(exc.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=verify, args=(u,)) for u in ("street_a", "district")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "verify")) == 1
        assert audit.verify().ok


# --- evidence flags --------------------------------------------------------


def submit(world, h, photo):
    return hazards.transition(
        h.uuid,
        "submit_rectification",
        actor=user("owner_a1"),
        now=utcnow(),
        version=h.version,
        note="已整改",
        photos=[photo],
    ).flags


def test_flag_after_photo_same_as_before(ctx, world):
    before = store_photo(images.jpeg(seed=90), uploader_id=world.users["inspector_a1"])
    reencoded = store_photo(images.jpeg(seed=90, quality=60), uploader_id=world.users["owner_a1"])
    h = make_hazard(world.ents["a1"], before_photos=[before])
    assert "same_as_before" in submit(world, h, reencoded)


def test_flag_after_photo_of_another_enterprise(ctx, world):
    from fieldapp.models import PhotoRef

    theirs = store_photo(images.jpeg(seed=91), uploader_id=world.users["inspector_b1"])
    db.session.add(
        PhotoRef(
            photo_sha256=theirs,
            enterprise_id=world.ents["b1"],
            kind="answer",
            object_id="x",
            created_at=utcnow(),
        )
    )
    # The owner has the very file (sent it again): it may be cited, and the reviewer is warned.
    store_photo(images.jpeg(seed=91), uploader_id=world.users["owner_a1"])
    h = make_hazard(world.ents["a1"])
    assert submit(world, h, theirs) == ["other_enterprise"]


def test_flag_a_resaved_and_cropped_copy_of_another_enterprises_photo(ctx, world):
    import io

    from PIL import Image, ImageEnhance

    from fieldapp.models import PhotoRef

    original = images.jpeg(1200, 900, seed=91)
    theirs = store_photo(original, uploader_id=world.users["inspector_b1"])
    db.session.add(
        PhotoRef(
            photo_sha256=theirs,
            enterprise_id=world.ents["b1"],
            kind="answer",
            object_id="x",
            created_at=utcnow(),
        )
    )
    buf = io.BytesIO()  # cropped at the edges, brighter, saved again: other bytes, same picture
    ImageEnhance.Brightness(Image.open(io.BytesIO(original)).crop((30, 20, 1170, 880))).enhance(
        1.1
    ).save(buf, "JPEG", quality=70)
    copy = store_photo(buf.getvalue(), uploader_id=world.users["owner_a1"])
    assert copy != theirs
    assert submit(world, make_hazard(world.ents["a1"]), copy) == ["other_enterprise"]
    unrelated = store_photo(images.jpeg(1200, 900, seed=7), uploader_id=world.users["owner_a1"])
    assert submit(world, make_hazard(world.ents["a1"]), unrelated) == []


def test_flag_far_from_premises(ctx, world):
    from fieldapp.models import Enterprise

    ent = db.session.get(Enterprise, world.ents["a1"])
    ent.lat, ent.lng = 24.9087, 118.5861
    far = store_photo(
        images.jpeg(seed=92),
        uploader_id=world.users["owner_a1"],
        lat=24.95,
        lng=118.62,
        accuracy_m=10,
    )
    near = store_photo(
        images.jpeg(seed=93),
        uploader_id=world.users["owner_a1"],
        lat=24.9088,
        lng=118.5862,
        accuracy_m=10,
    )
    assert submit(world, make_hazard(world.ents["a1"]), far) == ["far_from_premises"]
    assert submit(world, make_hazard(world.ents["a1"]), near) == []


def test_flag_captured_before_the_hazard_was_raised(ctx, world):
    early = store_photo(
        images.jpeg(seed=94),
        uploader_id=world.users["owner_a1"],
        captured_at=utcnow() - timedelta(days=3),
    )
    h = make_hazard(world.ents["a1"], raised_at=utcnow() - timedelta(hours=1))
    assert submit(world, h, early) == ["captured_before_raised"]


def test_flags_do_not_block_a_general_closure(ctx, world):
    before = store_photo(images.jpeg(seed=95), uploader_id=world.users["inspector_a1"])
    h = make_hazard(
        world.ents["a1"], before_photos=[before], raised_at=utcnow() - timedelta(days=1)
    )
    after = store_photo(images.jpeg(seed=95, quality=70), uploader_id=world.users["owner_a1"])
    assert submit(world, h, after) == ["same_as_before"]
    with pytest.raises(hazards.TransitionError) as info:  # a reason is asked for, nothing more
        hazards.transition(h.uuid, "verify", actor=user("street_a"), now=utcnow(), version=2)
    assert info.value.status == 422 and "须写明理由" in info.value.message
    out = hazards.transition(
        h.uuid,
        "verify",
        actor=user("street_a"),
        now=utcnow(),
        version=2,
        note="现场核实，已更换新灭火器",
    )
    assert out.hazard.state == "closed" and out.hazard.evidence_flags == ["same_as_before"]


def test_flags_refresh_when_a_late_photo_arrives(ctx, world):
    before_bytes = images.jpeg(seed=96)
    before = store_photo(before_bytes, uploader_id=world.users["inspector_a1"])
    h = make_hazard(world.ents["a1"], before_photos=[before])
    late_bytes = images.jpeg(seed=96, quality=65)
    late_sha = images.sha(late_bytes)
    assert submit(world, h, late_sha) == ["missing_photo"]
    store_photo(late_bytes, uploader_id=world.users["owner_a1"])
    assert db.session.get(Hazard, h.uuid).evidence_flags == ["same_as_before"]
