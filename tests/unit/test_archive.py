"""一企一档: the file carries the whole record, verifies, names what was changed, and imports with the same hashes."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp import audit, create_app
from fieldapp.archive import collect, load, render, verify
from fieldapp.archive.cli import CONSOLE
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Enterprise, Hazard, Photo, User, Visit

from .. import images
from ..archive_factory import build_record
from ..clock import TODAY, day
from ..conftest import Client, base_config
from ..factories import build_world, make_user, store_photo

DATA_RE = re.compile(r'(<template id="archive-data"[^>]*>)(.*?)(</template>)', re.S)


def export(app, world, path: Path, **kw) -> dict:
    """Build the record, export it to `path`; return the document."""
    with app.app_context():
        rec = build_record(world, **kw)
        doc = collect.collect(rec["enterprise_id"], actor=CONSOLE, now=utcnow())
        with path.open("wb") as fh:
            render.write(doc, fh)
        return doc


def edit_data(text: str, old: str, new: str) -> str:
    """Change the embedded JSON only (the readable part stays as it was)."""
    head, body, tail = DATA_RE.search(text).groups()
    assert old in body, old
    return text.replace(head + body + tail, head + body.replace(old, new, 1) + tail)


@dataclass
class Exported:
    data: bytes
    doc: dict
    token: str

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@pytest.fixture(scope="module")
def exported(database, tmp_path_factory) -> Exported:
    """One exported record per backend, shared by the tests that only read the file."""
    tmp = tmp_path_factory.mktemp("archive")
    app = create_app(base_config(database.fresh(tmp), tmp))
    with app.app_context():
        world = build_world()
    path = tmp / "archive.html"
    doc = export(app, world, path)
    with app.app_context():
        token = db.session.get(Enterprise, doc["enterprise"]["id"]).public_token
        db.session.remove()
        db.engine.dispose()
    return Exported(path.read_bytes(), doc, token)


def test_the_readable_part_is_in_plain_words_with_the_seal_values_in_an_appendix(exported):
    """Issue 17.8: an owner reads the record without IT words; the seal values wait in the appendix."""
    text = html.unescape(exported.text.split('<template id="archive-data"')[0])
    body, appendix = (
        text.split('id="h-audit"')[0],
        text[text.index("附录：封存值与核验方法", text.index('id="guide"')) :],
    )
    for jargon in ("数据摘要", "显示副本", "payload_sha256", "链头哈希", "哈希"):
        assert jargon not in body, jargon
    seal = exported.doc["seal"]["data_sha256"]
    assert seal not in body and seal in appendix and "导出时审计链头" in appendix
    assert "本档案导出时已封存" in body


def test_the_file_is_self_contained_and_carries_the_whole_record(exported):
    text, doc = exported.text, exported.doc
    # Nothing to run and nothing to fetch: no script element, no URL but data: images and #anchors.
    assert "<script" not in text.lower()
    assert re.findall(r'\b(?:src|href)="(?!data:image/jpeg;base64,|#)', text) == []
    assert "http://" not in text and "https://" not in text
    assert "default-src 'none'" in text and "@page" in text and "break-before: page" in text
    keys = [s["key"] for s in doc["sections"]]
    assert keys == [
        "base",
        "lists",
        "hazards",
        "visits",
        "changes",
        "campaign",
        "enforcement",
        "major_governance",
        "field_origin",
        "checklists",
        "photos",
        "people",
        "audit",
    ]
    hazards = collect.section_data(doc, "hazards")
    events = collect.section_data(doc, "audit")["events"]
    photos = collect.section_data(doc, "photos")
    assert len(hazards) == 2 and len(photos) == 4 and all(p["display"] for p in photos)
    assert [
        e["action"]
        for e in events
        if e["object_id"] == hazards[0]["uuid"] or e["object_id"] == hazards[1]["uuid"]
    ]
    # The exact checklist texts answered, the three lists, the chain values, both hashes of every photo.
    for needed in (
        "灭火器压力正常、在有效期内",
        "安装可燃气体报警器并有效",
        "隐患排查清单",
        "整改清单",
        "销号清单",
        "复查不通过",
        "照片看不清压力表",
        "附录：封存值与核验方法",
        "三级",
        "★★★☆☆",
    ):
        assert needed in text, needed
    for e in events:
        assert e["hash"] in text and e["prev_hash"] in text
    for p in photos:
        assert text.count(f'data-photo="{p["sha256"]}"') == 1  # embedded once, linked elsewhere
        assert p["sha256"] in text and p["display"]["sha256"] in text
    assert "public_token" not in text


def test_the_placard_secret_stays_home(exported):
    assert exported.token and exported.token not in exported.text


def test_export_then_verify_passes(exported, tmp_path):
    path, doc = tmp_path / "archive.html", exported.doc
    path.write_bytes(exported.data)
    report = verify.verify_file(path)
    assert report.ok, report.problems
    assert report.photos_checked == 4 and report.events_checked == 10
    # b1's event sits between a1's: one gap the subset cannot bridge, every other link checked.
    assert report.gaps == 1 and report.links_checked == 8
    assert report.chain_head == collect.section_data(doc, "audit")["chain_head"]


def _tamper_photo(text: str, doc: dict) -> tuple[str, str]:
    sha = collect.section_data(doc, "photos")[1]["sha256"]
    m = re.search(rf'src="data:image/jpeg;base64,([^"]+)" data-photo="{sha}"', text)
    raw = bytearray(base64.b64decode(m.group(1)))
    raw[len(raw) // 2] ^= 0x01  # one changed byte inside the picture
    return text.replace(
        m.group(1), base64.b64encode(bytes(raw)).decode()
    ), f"照片 P2（原始照片 SHA-256 {sha}）"


def _hazard_index(doc: dict, **match) -> int:
    found = collect.section_data(doc, "hazards")
    return next(i for i, h in enumerate(found) if all(h[k] == v for k, v in match.items()))


def _tamper_field(text: str, doc: dict) -> tuple[str, str]:
    i = _hazard_index(doc, description="灭火器失压")
    return edit_data(
        text, '"description":"灭火器失压"', '"description":"灭火器正常"'
    ), f"hazards/{i}/description"


def _tamper_payload(text: str, doc: dict) -> tuple[str, str]:
    seq = next(
        e["seq"] for e in collect.section_data(doc, "audit")["events"] if e["action"] == "reject"
    )
    return edit_data(
        text, "照片看不清压力表", "照片清楚"
    ), f"事件 seq {seq}：payload 与 payload_sha256 不符"


def _tamper_state(text: str, doc: dict) -> tuple[str, str]:
    return edit_data(
        text, '"state":"closed"', '"state":"open"'
    ), f"hazards/{_hazard_index(doc, state='closed')}/state"


def _tamper_actor(text: str, doc: dict) -> tuple[str, str]:
    e = next(e for e in collect.section_data(doc, "audit")["events"] if e["action"] == "verify")
    old = f'"action":"verify","actor_id":{e["actor_id"]},"actor_label":"street_a"'
    return edit_data(
        text, old, old.replace("street_a", "street_b")
    ), f"事件 seq {e['seq']}：记录哈希"


@pytest.mark.parametrize(
    "tamper", [_tamper_photo, _tamper_field, _tamper_payload, _tamper_state, _tamper_actor]
)
def test_one_changed_byte_fails_verification_and_is_named(exported, tamper):
    changed, named = tamper(exported.text, exported.doc)
    report = verify.verify_bytes(changed.encode("utf-8"))
    assert not report.ok
    assert any(named in p for p in report.problems), report.problems


def test_a_changed_state_is_caught_by_the_chain_not_only_the_seal(exported):
    doc = exported.doc
    changed, _ = _tamper_state(exported.text, doc)
    report = verify.verify_bytes(changed.encode())
    seq = next(
        e["seq"] for e in collect.section_data(doc, "audit")["events"] if e["action"] == "verify"
    )
    i = _hazard_index(doc, state="closed")
    assert any(
        f"hazards/{i}/state 为 open，与事件 seq {seq} 记录的 closed 不符" in p
        for p in report.problems
    )


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html><body><p>\xe4\xbd\xa0\xe5\xa5\xbd</p></body></html>",
        images.jpeg(32, 32),
        b'<template id="archive-data">{"format": "other"}</template>',
        b'<template id="archive-data">not json</template>',
    ],
)
def test_verify_refuses_what_is_not_an_archive(content):
    with pytest.raises(verify.NotAnArchive) as exc:
        verify.verify_bytes(content)
    assert "档案" in str(exc.value) or "JSON" in str(exc.value)


def test_import_into_a_fresh_database_keeps_every_hash(database, tmp_path, exported):
    path, doc = tmp_path / "archive.html", exported.doc
    path.write_bytes(exported.data)
    photos = {p["sha256"] for p in collect.section_data(doc, "photos")}
    events = {e["uuid"]: e for e in collect.section_data(doc, "audit")["events"]}
    target = create_app(base_config(database.fresh(tmp_path), tmp_path))
    with target.app_context():
        result = load.import_bytes(path.read_bytes(), now=utcnow())
        db.session.commit()
        assert (result.visits, result.hazards, result.photos, result.events) == (1, 2, 4, 10)
        assert audit.verify().ok
        assert set(db.session.scalars(select(Photo.sha256))) == photos
        for p in db.session.scalars(select(Photo)):
            shown = target.extensions["photo_storage"].get(f"display/{p.sha256[:2]}/{p.sha256}.jpg")
            assert hashlib.sha256(shown).hexdigest() == next(
                x["display"]["sha256"]
                for x in collect.section_data(doc, "photos")
                if x["sha256"] == p.sha256
            )
        # Every original event is re-appended with its original chain values, which still recompute.
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action != "archive_import")
        ):
            original = audit.payload(e)["imported"]
            assert original == events[e.uuid] and e.object_type == original["object_type"]
            assert verify._check_event(original, "x") == []
        anchor = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive_import"))
        assert audit.payload(anchor)["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        # People are placeholders that cannot sign in; the record reads the same.
        placeholders = db.session.scalars(select(User)).all()
        assert placeholders and all(
            not u.active and u.username.startswith("archived:") for u in placeholders
        )
        visit = db.session.scalar(select(Visit))
        assert visit.inspector.display_name == "inspector_a1"
        closed = db.session.scalar(select(Hazard).where(Hazard.state == "closed"))
        assert [e.action for e in audit.events_for("hazard", closed.uuid)] == [
            "raise",
            "submit_rectification",
            "reject",
            "submit_rectification",
            "verify",
        ]
        # Exported again from here, the archive verifies, imported events and all.
        again = collect.collect(result.enterprise_id, actor=CONSOLE, now=utcnow())
        out = tmp_path / "again.html"
        with out.open("wb") as fh:
            render.write(again, fh)
        report = verify.verify_file(out)
        assert report.ok, report.problems
        assert report.originals_checked == 10 and report.events_checked == 11
        # A second import is refused: the instance is no longer empty.
        with pytest.raises(load.ImportRefused) as exc:
            load.import_bytes(path.read_bytes(), now=utcnow())
        assert "不是空的" in exc.value.message
        make_user("boss", "district")
        db.session.commit()
        sha, closed_uuid = next(iter(photos)), closed.uuid
    # The pages read the imported record; the display copy is served, the original (not in the file) is a 404.
    target.test_client_class = Client
    client = target.test_client()
    assert client.login("boss").status_code == 303
    page = client.get(f"/hazards/{closed_uuid}").get_data(as_text=True)
    assert "复查不通过" in page and "照片看不清压力表" in page
    assert "inspector_a1" in client.get(f"/enterprises/{result.enterprise_id}").get_data(
        as_text=True
    )
    with client.get(f"/photos/{sha}/display.jpg") as resp:
        assert resp.status_code == 200
    assert client.get(f"/photos/{sha}/original").status_code == 404
    with target.app_context():
        db.session.remove()
        db.engine.dispose()


def test_import_refuses_a_non_empty_database_and_a_failing_file(app, world, exported):
    with app.app_context():
        with pytest.raises(load.ImportRefused) as exc:
            load.import_bytes(exported.data, now=utcnow())
        assert (
            "不是空的" in exc.value.message
            and db.session.scalar(select(func.count()).select_from(Enterprise)) == 4
        )
    changed, _ = _tamper_field(exported.text, exported.doc)
    with app.app_context(), pytest.raises(load.ImportRefused) as exc:
        load.import_bytes(changed.encode(), now=utcnow())
    assert "核验未通过" in exc.value.message and exc.value.problems


def test_a_new_section_registers_renders_and_is_sealed(app, world, tmp_path):
    """The extension point: a function returning (title, data) is collected, shown, sealed and verified."""

    def notices(ctx):
        return "告知书记录", [{"title": "安全生产告知书", "signed": True, "at": "2026-03-01"}]

    collect.section("notices_demo", order=45)(notices)
    try:
        path = tmp_path / "with-notices.html"
        export(app, world, path)
        text = path.read_text(encoding="utf-8")
        assert "告知书记录" in text and "安全生产告知书" in text
        assert verify.verify_file(path).ok
        changed = edit_data(text, '"signed":true', '"signed":false')
        assert any(
            "notices_demo/0/signed" in p for p in verify.verify_bytes(changed.encode()).problems
        )
    finally:
        collect.SECTIONS[:] = [s for s in collect.SECTIONS if s.key != "notices_demo"]


def test_a_photo_without_its_display_copy_is_listed_not_embedded(app, world, tmp_path):
    with app.app_context():
        sha = store_photo(images.jpeg(seed=5), uploader_id=world.users["inspector_a1"])
        rec = build_record(world)
        h = db.session.get(Hazard, rec["open"])
        h.before_photos = [*h.before_photos, sha]
        db.session.commit()
        app.extensions["photo_storage"].delete(f"display/{sha[:2]}/{sha}.jpg")
        doc = collect.collect(rec["enterprise_id"], actor=CONSOLE, now=utcnow())
        path = tmp_path / "a.html"
        with path.open("wb") as fh:
            render.write(doc, fh)
    entry = next(p for p in collect.section_data(doc, "photos") if p["sha256"] == sha)
    assert entry["held"] and entry["display"] is None
    assert "档案内未附图片" in html.unescape(path.read_text(encoding="utf-8"))


def test_campaign_records_are_in_the_file_and_come_back_on_import(database, app, world, tmp_path):
    """Four colours, standardization, stars, letters (with the photo) and cases: shown, sealed, imported."""

    from fieldapp import campaign, risk, standardization
    from fieldapp.models import (
        CampaignLetter,
        RiskAssessment,
        StandardizationRecord,
        StarRating,
        Street,
    )

    path = tmp_path / "campaign.html"
    with app.app_context():
        street = db.session.scalar(select(User).where(User.username == "street_a"))
        ent = db.session.get(Enterprise, world.ents["a1"])
        now = utcnow()
        risk.decide(ent, color="orange", reason="燃气用量大", actor=street, now=now)
        standardization.record(
            ent,
            kind="review",
            level="micro_pass",
            result="pass",
            on=day(-60),
            valid_until=None,
            organizer="street",
            note="街道组织评审",
            actor=street,
            now=now,
        )
        standardization.rate(ent, stars=4, reason="整改及时", actor=street, now=now)
        letter = campaign.record_letter(
            ent,
            kind="commitment",
            year=TODAY.year,
            done_on=day(-90),
            deadline=day(30),
            signer="王老板",
            photo=images.jpeg(seed=77),
            note="",
            actor=street,
            now=now,
        )
        campaign.record_case(
            kind="excellent_venue",
            street=db.session.get(Street, ent.street_id),
            enterprise=ent,
            level="street",
            on=day(-30),
            note="厨房管理规范",
            actor=street,
            now=now,
        )
        db.session.commit()
        letter_photo = letter.photo_sha256
    doc = export(app, world, path)
    text = path.read_text(encoding="utf-8")
    for needed in (
        "专项行动记录",
        "橙色",
        "燃气用量大",
        "小微达标不定级",
        "街道组织评审",
        "4 星",
        "整改及时",
        "承诺书",
        "王老板",
        "九小场所优秀案例",
        "厨房管理规范",
    ):
        assert needed in text, needed
    assert f'data-photo="{letter_photo}"' in text  # the signed letter's photo is embedded
    assert verify.verify_file(path).ok
    changed = edit_data(text, '"signer":"王老板"', '"signer":"李老板"')
    assert any(
        "campaign/letters/0/signer" in p for p in verify.verify_bytes(changed.encode()).problems
    )

    (tmp_path / "t").mkdir()
    target = create_app(base_config(database.fresh(tmp_path / "t"), tmp_path / "t"))
    with target.app_context():
        result = load.import_bytes(path.read_bytes(), now=utcnow())
        db.session.commit()
        assert "campaign" not in result.skipped
        assert [r.color for r in db.session.scalars(select(RiskAssessment))] == ["orange"]
        assert [(r.level, r.note) for r in db.session.scalars(select(StandardizationRecord))] == [
            ("micro_pass", "街道组织评审")
        ]
        assert [r.stars for r in db.session.scalars(select(StarRating))] == [4]
        (row,) = db.session.scalars(select(CampaignLetter)).all()
        assert (row.signer, row.photo_sha256, row.enterprise_id) == (
            "王老板",
            letter_photo,
            result.enterprise_id,
        )
        assert db.session.get(Photo, letter_photo) is not None
        again = collect.collect(result.enterprise_id, actor=CONSOLE, now=utcnow())
        assert collect.section_data(again, "campaign")["letters"][0]["signer"] == "王老板"
        db.session.remove()
        db.engine.dispose()
    assert (
        doc["sections"][[s["key"] for s in doc["sections"]].index("campaign")]["title"]
        == "专项行动记录"
    )


# --- What a person reads is sealed (issue 16) ---------------------------------------------


def edit_page(text: str, old: str, new: str) -> str:
    """Change the readable part only (the embedded JSON stays as it was), as a text editor would."""
    head, data, tail = DATA_RE.search(text).groups()
    page, rest = text.split(head, 1)
    assert old in page, old
    return page.replace(old, new) + head + rest


def test_every_visible_open_hazard_shown_closed_fails_verification(exported):
    """Measured on main: archive verify passed a file whose every visible 待整改 was changed to 已销号."""
    assert "待整改" in DATA_RE.sub("", exported.text)
    changed = edit_page(exported.text, "待整改", "已销号")
    report = verify.verify_bytes(changed.encode())
    assert not report.ok and report.page.digest_checked
    assert any("阅读部分" in p and "封存摘要不符" in p for p in report.problems), report.problems


@pytest.mark.parametrize(
    "old,new",
    [
        (
            "</style>",
            ".state-open{visibility:hidden}</style>",
        ),  # hidden by a style, not a word changed
        ('class="state-open"', 'class="state-closed"'),
        ("灭火器失压", "灭火器正常"),
    ],
)
def test_any_change_to_the_readable_part_fails_verification(exported, old, new):
    report = verify.verify_bytes(edit_page(exported.text, old, new).encode())
    assert any("封存摘要不符" in p for p in report.problems), report.problems


def test_a_page_resealed_by_a_forger_is_caught_by_rendering_the_data_again(app, exported):
    """A forger who also recomputes the body digest: the page no longer is the rendering of its data."""
    from fieldapp.archive import body

    changed = edit_page(exported.text, "待整改", "已销号")
    forged = body.canonical([changed]).digest.hexdigest()
    head, data, tail = DATA_RE.search(changed).groups()
    resealed = changed.replace(data, data.replace(exported.doc["seal"]["body"]["sha256"], forged))
    assert verify.verify_bytes(
        resealed.encode()
    ).ok  # without the templates, only the digest can be checked
    with app.app_context():
        report = verify.verify_bytes(resealed.encode())
    assert report.page.rerendered
    assert any(
        "阅读部分与内嵌数据不符" in p and "“已销号”，按内嵌数据应为“待整改”" in p
        for p in report.problems
    ), report.problems


def test_an_untouched_file_matches_its_data_rendered_again(app, exported):
    with app.app_context():
        report = verify.verify_bytes(exported.data)
    assert report.ok and report.page.digest_checked and report.page.rerendered


def test_a_first_version_file_still_verifies_with_a_note(exported):
    import json

    from fieldapp.archive import seal

    head, data, tail = DATA_RE.search(exported.text).groups()
    doc = json.loads(html.unescape(data))
    doc["format_version"] = 1
    del doc["seal"]
    doc["seal"] = seal.make(doc)  # as version 1 exported it: no seal of the readable part
    older = exported.text.replace(data, render.data_json(doc))
    report = verify.verify_bytes(older.encode())
    assert report.ok, report.problems
    assert not report.page.digest_checked and "第 1 版" in report.page.note


@pytest.mark.parametrize(
    "state,offset,word",
    [
        ("open", -1, "逾期"),
        ("open", 0, "待整改"),
        ("rectified", -1, "待复查"),
        ("closed", -5, "已销号"),
    ],
)
def test_the_pages_and_the_archive_say_one_status(state, offset, word):
    """One rule (hazards.state_word): a page and an archive exported the same day read alike."""
    from datetime import date, timedelta

    from fieldapp import hazards
    from fieldapp.archive.render import shown_state
    from fieldapp.models import Hazard

    today = date(2026, 3, 10)
    deadline = today + timedelta(days=offset)
    assert hazards.display_state(Hazard(state=state, deadline=deadline), today) == word
    assert (
        shown_state({"state": state, "deadline": deadline.isoformat()}, today.isoformat())[0]
        == word
    )
