"""Finishing on site (issue 21 §5): the responsible person's sign-off and the items left 未检查, with their reasons.

The phone sends `sign_off` (a signature PNG named by its SHA-256, uploaded like a photo, or a
refusal with its reason) and `unchecked` (items set aside with a reason). The server checks
them, keeps them on the visit, keeps the signature as evidence, and prints it on the notice.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from fieldapp import audit
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, PhotoRef, Visit

from .. import images
from ..factories import visit_body

SIGNATURE = images.png(800, 320, seed=71, alpha=False)  # what the pad sends: 800×320 PNG
SIGNED = {"status": "signed", "signature": images.sha(SIGNATURE), "signer": " 王  店主 "}
REFUSED = {"status": "refused", "reason": "负责人不在场，\n店员不愿代签", "signer": ""}
UNCHECKED = [
    {"checklist": "general", "item": "no_ad_hoc_wiring", "reason": "配电间上锁，钥匙不在店内"}
]


@pytest.fixture
def inspector(login):
    return login("inspector_a1")


SHOTS = {
    "extinguishers": [images.sha(images.jpeg(seed=72))],
    "gas_alarm": [images.sha(images.jpeg(seed=73))],
}


def body(world, **overrides) -> dict:
    return visit_body(world.ents["a1"], photos=SHOTS, **overrides)


def put_visit(client, world, **overrides):
    vid = str(uuid.uuid4())
    return vid, client.put(f"/api/v1/visits/{vid}", json=body(world, **overrides))


def test_a_signed_visit_keeps_the_signature_as_evidence_and_prints_it_on_the_notice(
    app, world, inspector
):
    vid, sent = str(uuid.uuid4()), body(world, sign_off=SIGNED)
    resp = inspector.put(f"/api/v1/visits/{vid}", json=sent)
    assert resp.status_code == 201, resp.json
    # Not yet on the server: the receipt asks for it, like a photo; the notice says so instead of a blank line.
    assert SIGNED["signature"] in resp.json["missing_photos"]
    notice = inspector.get(f"/visits/{vid}/notice").get_data(as_text=True)
    assert (
        "已在检查手机上签名（签名图片尚未上传）" in notice and 'class="signature-img"' not in notice
    )

    up = inspector.put(
        f"/api/v1/photos/{SIGNED['signature']}",
        data=SIGNATURE,
        headers={"Content-Type": "image/png"},
    )
    assert up.status_code == 201, up.json
    again = inspector.put(f"/api/v1/visits/{vid}", json=sent)  # the phone replays after the upload
    assert again.status_code == 200 and SIGNED["signature"] not in again.json["missing_photos"]
    with app.app_context():
        visit = db.session.get(Visit, vid)
        assert visit.sign_off == {
            "status": "signed",
            "signature": SIGNED["signature"],
            "signer": "王 店主",
            "signed_at": None,
        }
        ref = db.session.scalar(
            select(PhotoRef).where(PhotoRef.photo_sha256 == SIGNED["signature"])
        )
        assert (ref.kind, ref.object_id) == ("signature", vid)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit_received"))
        assert audit.payload(event)["sign_off"] == {
            "status": "signed",
            "signature": SIGNED["signature"],
        }

    notice = inspector.get(f"/visits/{vid}/notice").get_data(as_text=True)
    block = notice[notice.index('id="notice-signatures"') :]
    assert f"/photos/{SIGNED['signature']}/display.jpg" in block and "王 店主" in block
    page = inspector.get(f"/visits/{vid}").get_data(as_text=True)
    assert 'id="visit-sign-off"' in page and "已在检查手机上签名（王 店主）" in page
    assert inspector.get(f"/photos/{SIGNED['signature']}/display.jpg").status_code == 200


def test_a_refusal_is_printed_with_its_reason(world, inspector):
    vid, resp = put_visit(inspector, world, sign_off=REFUSED)
    assert resp.status_code == 201, resp.json
    notice = inspector.get(f"/visits/{vid}/notice").get_data(as_text=True)
    assert "被检查单位负责人（签字）：未签名。原因：负责人不在场， 店员不愿代签" in notice
    assert "未签名，原因：负责人不在场， 店员不愿代签" in inspector.get(f"/visits/{vid}").get_data(
        as_text=True
    )


def test_a_visit_from_an_older_client_keeps_the_paper_signature_line(world, inspector):
    vid, resp = put_visit(inspector, world)
    assert resp.status_code == 201
    notice = inspector.get(f"/visits/{vid}/notice").get_data(as_text=True)
    assert "被检查单位负责人（签字）：______________" in notice
    assert '负责人签字</dt><dd id="visit-sign-off">未记录' in inspector.get(
        f"/visits/{vid}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "sign_off,status,message",
    [
        ({"status": "signed"}, 422, "已签名须附签名图片"),
        (
            {"status": "signed", "signature": SIGNED["signature"], "reason": "不签"},
            422,
            "已签名时不填拒签原因",
        ),
        ({"status": "refused"}, 422, "须说明原因"),
        ({"status": "refused", "reason": " \n "}, 422, "须说明原因"),
        (
            {"status": "refused", "reason": "不在场", "signature": SIGNED["signature"]},
            422,
            "拒绝签名时不附签名图片",
        ),
        ({"status": "maybe"}, 422, "sign_off.status"),
        ({"status": "signed", "signature": "abc"}, 422, "sign_off.signature"),
    ],
)
def test_a_bad_sign_off_is_refused_in_chinese_and_nothing_is_stored(
    app, world, inspector, sign_off, status, message
):
    vid, resp = put_visit(inspector, world, sign_off=sign_off)
    assert resp.status_code == status, resp.json
    assert message in " ".join([resp.json["error"], *resp.json.get("errors", [])]), resp.json
    with app.app_context():
        assert db.session.get(Visit, vid) is None


def test_items_left_unchecked_keep_their_reasons_on_the_record(app, world, inspector):
    vid, resp = put_visit(inspector, world, unchecked=UNCHECKED)
    assert resp.status_code == 201, resp.json
    with app.app_context():
        assert db.session.get(Visit, vid).unchecked == UNCHECKED
    page = inspector.get(f"/visits/{vid}").get_data(as_text=True)
    assert "未检查原因：配电间上锁，钥匙不在店内" in page


@pytest.mark.parametrize(
    "unchecked,message",
    [
        (
            [{"checklist": "general", "item": "exits_clear", "reason": "没看"}],
            "已作答的检查项不能同时记为未检查",
        ),
        (
            [{"checklist": "general", "item": "no_ad_hoc_wiring", "reason": "上锁"}] * 2,
            "同一检查项重复记为未检查",
        ),
        (
            [{"checklist": "general", "item": "no_ad_hoc_wiring", "reason": "  "}],
            "未检查须说明原因",
        ),
        ([{"checklist": "general", "item": "gone", "reason": "上锁"}], "没有检查项 gone"),
        (
            [{"checklist": "landlord", "item": "no_ad_hoc_wiring", "reason": "上锁"}],
            "不在本次检查的 checklists 中",
        ),
    ],
)
def test_a_bad_unchecked_list_is_refused_in_chinese(app, world, inspector, unchecked, message):
    vid, resp = put_visit(inspector, world, unchecked=unchecked)
    assert resp.status_code == 422, resp.json
    assert any(message in e for e in resp.json["errors"]), resp.json
    with app.app_context():
        assert db.session.get(Visit, vid) is None


def test_an_empty_reason_is_refused_by_the_contract(world, inspector):
    _, resp = put_visit(
        inspector,
        world,
        unchecked=[{"checklist": "general", "item": "no_ad_hoc_wiring", "reason": ""}],
    )
    assert resp.status_code == 422 and "unchecked[0].reason：不能为空" in " ".join(
        resp.json["errors"]
    ), resp.json
