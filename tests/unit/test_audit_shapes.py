"""One declared shape per audit action: payloads are checked when written, read back whatever their shape."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from fieldapp import audit, audit_shapes
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent

H = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
SHA = "a" * 64
HAZARD = {
    "hazard": H,
    "from": "open",
    "to": "rectified",
    "version": 2,
    "note": "已整改",
    "photos": [SHA],
    "level": "general",
    "deadline": "2025-03-01",
    "supervised": False,
    "referred": False,
    "data": {},
}
# A payload of the declared shape for every action the code writes.
VALID = {
    "raise": (
        "hazard",
        {
            **HAZARD,
            "from": None,
            "to": "open",
            "data": {
                "item": "exits",
                "checklist": "general",
                "visit": None,
                "defect": "安全出口堵塞",
            },
        },
    ),
    "submit_rectification": ("hazard", HAZARD),
    "verify": ("hazard", {**HAZARD, "from": "rectified", "to": "closed", "photos": []}),
    "confirm_closure": (
        "hazard",
        {**HAZARD, "from": "rectified", "to": "closed", "level": "major"},
    ),
    "self_close": ("hazard", {**HAZARD, "from": "open", "to": "closed"}),
    "confirm_self": ("hazard", {**HAZARD, "from": "closed", "to": "closed"}),
    "reject": ("hazard", {**HAZARD, "from": "rectified", "to": "open"}),
    "request_extension": ("hazard", {**HAZARD, "to": "open", "data": {"requested": "2025-03-15"}}),
    "approve_extension": (
        "hazard",
        {**HAZARD, "to": "open", "data": {"old": "2025-03-01", "new": "2025-03-15"}},
    ),
    "refuse_extension": ("hazard", {**HAZARD, "to": "open", "data": {"requested": "2025-03-15"}}),
    "supervise": (
        "hazard",
        {
            **HAZARD,
            "level": "major",
            "supervised": True,
            "data": {"level": "street", "supervisor": "街道办副主任"},
        },
    ),
    "confirm_major": ("hazard", {**HAZARD, "level": "major"}),
    "downgrade_major": (
        "hazard",
        {**HAZARD, "data": {"old": "major", "new": "general", "was_confirmed": False}},
    ),
    "submit_plan": (
        "hazard",
        {**HAZARD, "level": "major", "data": {"plan": {"goal": "按期消除"}, "attachments": []}},
    ),
    "accept_plan": ("hazard", {**HAZARD, "level": "major", "data": {"plan": H}}),
    "return_plan": ("hazard", {**HAZARD, "level": "major", "data": {"plan": H}}),
    "record_acceptance": (
        "hazard",
        {
            **HAZARD,
            "from": "rectified",
            "to": "rectified",
            "level": "major",
            "data": {"accepted_by": "街道安办", "accepted_on": "2025-03-15", "attachments": []},
        },
    ),
    "unit_proposed": (
        "unit",
        {
            "body_sha256": SHA,
            "name": "新发现小店",
            "credit_code": None,
            "no_licence": True,
            "street": 1,
            "grid": 1,
            "photos": [],
        },
    ),
    "unit_approved": (
        "unit",
        {
            "enterprise": 1,
            "name": "新发现小店",
            "credit_code": None,
            "four_categories": [],
            "visits": [],
        },
    ),
    "unit_merged": ("unit", {"enterprise": 1, "filled": [], "note": "", "visits": []}),
    "unit_rejected": ("unit", {"reason": "已停业", "visits": []}),
    "unit_visit_held": (
        "visit",
        {"unit": H, "body_sha256": SHA, "hazards": [], "unit_status": "proposed"},
    ),
    "enforcement_recorded": (
        "enforcement",
        {
            "kind": "notice",
            "doc_number": "1",
            "decided_on": "2025-03-15",
            "measures": [],
            "fine_wan": None,
            "dual_penalty": False,
            "person_name": None,
            "person_role": None,
            "person_fine_wan": None,
            "persons": None,
            "hazards": [],
            "attachments": [],
            "case": None,
            "filer": {},
            "note": "",
        },
    ),
    "enforcement_voided": ("enforcement", {"reason": "录入错误", "case": None}),
    "case_closed": ("case", {"hazard": H, "outcome": "已责令改正"}),
    "cadre_assigned": ("cadre", {"enterprise": 1, "grid": None, "name": "王某", "title": "科长"}),
    "cadre_ended": ("cadre", {"enterprise": 1, "grid": None, "name": "王某"}),
    "refer": ("hazard", {**HAZARD, "referred": True}),
    "reopen": ("hazard", {**HAZARD, "from": "closed", "to": "open"}),
    "fix_on_spot": ("hazard", {**HAZARD, "to": "closed"}),
    "visit_received": (
        "visit",
        {
            "body_sha256": SHA,
            "answers": 30,
            "fails": 2,
            "checklists": [["general", 1]],
            "fire_combined": None,
        },
    ),
    "report_received": ("report", {"description_sha256": SHA, "photo": None}),
    "report_confirmed": ("report", {"hazard": H}),
    "report_dismissed": ("report", {"reason": "现场核实无此情况"}),
    "placard_rotate": ("placard", {"token_sha256": SHA}),
    "placard_revoke": ("placard", {"token_sha256": None}),
    "pin_reset": ("placard", {}),
    "letter_notice": ("campaign", {"year": 2025, "on": "2025-01-20", "photo": None}),
    "letter_commitment": ("campaign", {"year": 2025, "on": "2025-01-22", "photo": SHA}),
    "tenancy_agreement": ("campaign", {"tenant": 7, "on": "2025-03-01", "photo": None}),
    "case_sample_street": ("campaign", {"level": "district", "on": "2025-12-05"}),
    "case_benchmark": ("campaign", {"level": "city", "on": "2025-08-01"}),
    "case_excellent_venue": ("campaign", {"level": "street", "on": "2025-08-01"}),
    "std_review": (
        "campaign",
        {"level": "level3", "result": "pass", "on": "2025-05-01", "organizer": "district"},
    ),
    "std_self_assessment": (
        "campaign",
        {"level": "self_assessed", "result": "pass", "on": "2025-03-01", "organizer": None},
    ),
    "stars_rated": ("campaign", {"stars": 3, "suggested": 3, "reason": ""}),
    "risk_decided": (
        "campaign",
        {
            "suggested": "blue",
            "color": "yellow",
            "reasons": ["近期无明显风险因素"],
            "override": "评估报告",
        },
    ),
    "archive_import": (
        "enterprise",
        {
            "file_sha256": SHA,
            "data_sha256": SHA,
            "source_enterprise_id": 3,
            "source_chain_head": {"seq": 9, "hash": SHA},
            "generated_at": "2025-06-01T00:00:00+00:00",
            "events": 9,
            "events_sha256": SHA,
        },
    ),
    "file_quarter": (
        "quarter_filing",
        {
            "seal": SHA,
            "unit": "street:3",
            "unit_name": "开元街道",
            "year": 2025,
            "quarter": 3,
            "version": 1,
            "reason": "",
        },
    ),
    "plan_filed": (
        "plan_filing",
        {
            "requirement": "2025/scheme",
            "filer": "street:3",
            "kind": "document",
            "sha256": SHA,
            "size": 2048,
            "file_type": "pdf",
            "snapshot": None,
            "due_on": "2025-01-25",
            "on_time": True,
        },
    ),
    "plan_phase_saved": (
        "plan",
        {
            "year": 2025,
            "key": "mobilise",
            "title": "动员部署",
            "starts_on": None,
            "ends_on": "2025-01-25",
        },
    ),
    "plan_requirement_saved": (
        "plan",
        {
            "year": 2025,
            "key": "scheme",
            "title": "方案",
            "due_on": "2025-01-25",
            "filers": ["street"],
            "forms": ["document"],
            "phase": "mobilise",
        },
    ),
    "plan_requirement_deleted": ("plan", {"year": 2025, "key": "scheme", "title": "方案"}),
    "plan_loaded": (
        "plan",
        {"year": 2025, "phases": 5, "requirements": 9, "source": "district-plan-2025"},
    ),
    "proposal_submitted": (
        "checklist_proposal",
        {"checklist": "catering", "base_version": 2, "changes": [{"key": "x"}], "reason": "新规"},
    ),
    "proposal_refused": (
        "checklist_proposal",
        {"checklist": "catering", "base_version": 2, "reason": "不采纳"},
    ),
    "proposal_accepted": (
        "checklist_proposal",
        {
            "checklist": "catering",
            "base_version": 2,
            "reason": "",
            "new_version": 3,
            "toml_sha256": SHA,
            "content_hash": SHA,
        },
    ),
    "proposal_installed": (
        "checklist_proposal",
        {
            "checklist": "catering",
            "base_version": 2,
            "new_version": 3,
            "toml_sha256": SHA,
            "file": "checklists/catering.toml",
        },
    ),
    "alert_received": (
        "alert",
        {"kind": "major_hazard", "hazard": H, "record": None, "body_sha256": SHA},
    ),
    "offline_loss_noticed": (
        "alert",
        {"kind": "lost_record", "record": H, "type": "visit", "device": "ab12cd34"},
    ),
    "alert_acknowledged": ("alert", {"kind": "major_hazard"}),
    "evidence_checked": ("hazard", {"photo": SHA, "flags": ["far_from_premises"], "before": []}),
}


def test_every_declared_action_has_an_example():
    assert set(VALID) == set(audit_shapes.SHAPES)


@pytest.mark.parametrize("action", sorted(VALID))
def test_a_payload_of_the_declared_shape_passes(action):
    object_type, payload = VALID[action]
    audit_shapes.check(object_type, action, payload)


def test_an_optional_key_may_be_absent_or_present():
    raise_ = VALID["raise"][1]
    audit_shapes.check("hazard", "raise", {**raise_, "data": {**raise_["data"], "source": "self"}})
    audit_shapes.check("visit", "visit_received", {**VALID["visit_received"][1], "amends": H})
    audit_shapes.check(
        "visit",
        "visit_received",
        {
            **VALID["visit_received"][1],
            "unchecked": 2,
            "sign_off": {"status": "signed", "signature": SHA},
        },
    )
    audit_shapes.check(
        "visit", "visit_received", {**VALID["visit_received"][1], "sign_off": {"status": "refused"}}
    )
    with pytest.raises(audit_shapes.PayloadError):
        audit_shapes.check(
            "hazard", "raise", {**raise_, "data": {**raise_["data"], "source": "rumour"}}
        )


BAD = [
    (
        "a key missing (the first demo's raise)",
        "raise",
        "hazard",
        {"hazard": H, "from": None, "to": "open", "demo": True},
    ),
    ("a key more", "verify", "hazard", {**VALID["verify"][1], "extra": 1}),
    ("note not text", "reject", "hazard", {**VALID["reject"][1], "note": None}),
    (
        "data of another action",
        "approve_extension",
        "hazard",
        {**VALID["approve_extension"][1], "data": {"requested": "2025-03-15"}},
    ),
    (
        "a date that is no date",
        "request_extension",
        "hazard",
        {**VALID["request_extension"][1], "data": {"requested": "15.3."}},
    ),
    (
        "a photo that is no hash",
        "submit_rectification",
        "hazard",
        {**HAZARD, "photos": ["IMG_0001.jpg"]},
    ),
    ("an unknown state", "reopen", "hazard", {**VALID["reopen"][1], "to": "done"}),
    ("the wrong object", "visit_received", "hazard", VALID["visit_received"][1]),
    ("an undeclared action", "delete_everything", "hazard", {}),
    ("not an object", "pin_reset", "placard", ["x"]),
    ("an empty reason", "report_dismissed", "report", {"reason": "  "}),
    ("stars out of range", "stars_rated", "campaign", {"stars": 6, "suggested": 3, "reason": ""}),
    (
        "an import without its original row",
        "raise",
        "hazard",
        {"hazard": H, "imported": {"seq": 1}},
    ),
]


@pytest.mark.parametrize("why,action,object_type,payload", BAD, ids=[b[0] for b in BAD])
def test_a_payload_of_another_shape_is_refused(why, action, object_type, payload):
    with pytest.raises(audit_shapes.PayloadError):
        audit_shapes.check(object_type, action, payload)


def test_append_refuses_a_wrong_shape_and_writes_nothing(ctx):
    before = audit.head()
    with pytest.raises(audit_shapes.PayloadError):
        audit.append(
            uuid=str(uuid.uuid4()),
            object_type="hazard",
            object_id=H,
            enterprise_id=None,
            action="raise",
            actor_id=None,
            actor_label="test",
            at=utcnow(),
            payload={"hazard": H, "from": None, "to": "open"},
        )
    assert audit.head() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_an_imported_event_keeps_the_source_shape(ctx):
    """An archive from an older instance carries its rows verbatim: the envelope is checked, not the old shape."""
    original = {k: None for k in audit_shapes.IMPORTED_FIELDS} | {
        "action": "raise",
        "object_type": "hazard",
    }
    audit.append(
        uuid=str(uuid.uuid4()),
        object_type="hazard",
        object_id=H,
        enterprise_id=None,
        action="raise",
        actor_id=None,
        actor_label="一企一档导入",
        at=utcnow(),
        payload={"hazard": H, "from": None, "to": "open", "demo": True, "imported": original},
    )
    db.session.commit()
    assert audit.verify().ok


HISTORIC = [
    ("the first demo's raise", "raise", {"hazard": H, "from": None, "to": "open", "demo": True}),
    (
        "the first demo's submission",
        "submit_rectification",
        {"hazard": H, "from": "open", "to": "rectified", "photos": [SHA]},
    ),
    ("the first demo's verification", "verify", {"hazard": H, "from": "rectified", "to": "closed"}),
    ("the first demo's visit", "visit_received", {"answers": 30, "fails": 1, "demo": True}),
    ("data not an object", "approve_extension", {**HAZARD, "data": "2025-03-15"}),
    ("note and photos of the wrong kind", "reject", {**HAZARD, "note": None, "photos": "abc"}),
    ("not an object at all", "refer", ["referred"]),
    ("an action no longer written", "assign", {"hazard": H, "to": "open"}),
]


@pytest.mark.parametrize("why,action,payload", HISTORIC, ids=[h[0] for h in HISTORIC])
def test_reading_takes_every_shape_ever_written(why, action, payload):
    seen = audit_shapes.view(action, payload)
    if action in audit_shapes.HAZARD_ACTIONS or isinstance(payload, dict) and "hazard" in payload:
        assert (
            isinstance(seen["note"], str)
            and isinstance(seen["photos"], list)
            and isinstance(seen["data"], dict)
        )
        assert seen["version"] is None or isinstance(seen["version"], int)
    for key in audit_shapes.SHAPES.get(action, ("", {}))[1]:
        assert key.rstrip("?") in seen
