"""The 整改通知书 (issue 17.5): a street's yearly number given at sync, document dates, the basis of each hazard, one template."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fieldapp import create_app, notices
from fieldapp.config import ConfigError
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Street, Visit

from .. import images
from ..clock import VISIT_FINISHED
from ..conftest import base_config
from ..factories import make_enterprise, make_hazard, visit_body

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def send(client, world):
    """Send a finished visit as a phone would (photos referenced, not yet uploaded); return its id and receipt."""
    tokens: dict[str, str] = {}

    def _send(username: str, body: dict, vid: str | None = None) -> tuple[str, dict]:
        if username not in tokens:
            tokens[username] = client.post(
                "/api/v1/auth/token", json={"username": username, "password": "password123"}
            ).json["token"]
        vid = vid or str(uuid.uuid4())
        resp = client.put(
            f"/api/v1/visits/{vid}",
            json=body,
            headers={"Authorization": f"Bearer {tokens[username]}"},
        )
        assert resp.status_code in (200, 201), resp.json
        return vid, resp.json

    return _send


def shots(n: int) -> dict[str, list[str]]:
    return {
        "extinguishers": [images.sha(images.jpeg(seed=n))],
        "gas_alarm": [images.sha(images.jpeg(seed=n + 1))],
    }


def year() -> int:
    return notices.to_local(VISIT_FINISHED).year


def test_visits_with_hazards_are_numbered_per_street_and_year_at_sync(app, world, send):
    with app.app_context():
        other = make_enterprise(
            db.session.get(Street, world.streets["B"]),
            None,
            name="乙三小吃店",
            industry="餐饮",
            venue_type="catering",
        )
        other.grid_id = world.grids["b1"]
        db.session.commit()
        other_id = other.id
    y = year()
    first, r1 = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(1)))
    second, r2 = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(3)))
    elsewhere, r3 = send("inspector_b1", visit_body(other_id, photos=shots(5)))
    assert (r1["notice_no"], r2["notice_no"]) == (
        f"甲安整〔{y}〕第0001号",
        f"甲安整〔{y}〕第0002号",
    )
    assert r3["notice_no"] == f"乙安整〔{y}〕第0001号"  # another street counts on its own
    with app.app_context():
        assert [
            (v.notice_year, v.notice_seq)
            for v in (db.session.get(Visit, first), db.session.get(Visit, second))
        ] == [(y, 1), (y, 2)]


def test_the_archive_carries_the_notice_number_and_names_its_exporter(app, world, send, login):
    """一企一档 keeps the number the enterprise was served under; the cover names a person, not an account id."""
    import html

    _, receipt = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(7)))
    with login("street_a").get(f"/enterprises/{world.ents['a1']}/archive") as resp:
        assert resp.status_code == 200
        readable = html.unescape(
            resp.get_data(as_text=True).split('<template id="archive-data"')[0]
        )
    assert f"<dt>整改通知书</dt><dd>{receipt['notice_no']}</dd>" in readable
    cover = readable[readable.index("档案生成时间") :][:200]
    assert "导出人 街道安办" in cover and "street_a" not in cover


def test_a_replay_keeps_its_number_and_a_visit_with_nothing_to_rectify_has_none(app, world, send):
    body = visit_body(world.ents["a1"], photos=shots(7))
    vid, receipt = send("inspector_a1", body)
    _, replay = send("inspector_a1", body, vid=vid)
    assert replay["notice_no"] == receipt["notice_no"] and receipt["notice_no"].endswith("第0001号")
    clean = visit_body(world.ents["a1"], photos=shots(9))
    for a in clean["answers"]:
        if a["hazard"]:
            a["hazard"]["fixed_on_spot"] = True
            a["hazard"]["after_photos"] = [images.sha(images.jpeg(seed=11))]
    fixed, r = send("inspector_a1", clean)
    assert r["notice_no"] is None
    _, after = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(13)))
    assert after["notice_no"].endswith(
        "第0002号"
    )  # the sequence did not skip for the visit without a notice


def amendment_of(first: dict, vid: str, **overrides) -> dict:
    """The phone's correction of a synced visit: the same hazards (same uuids), one note changed."""
    body = {**first, "amends": vid, **overrides}
    body["answers"] = [dict(a) for a in first["answers"]]
    body["answers"][0] = {**body["answers"][0], "note": "更正：后门已打开"}
    return body


def test_an_amendment_naming_only_earlier_hazards_carries_the_number_of_the_visit_it_corrects(
    app, world, send, login
):
    """The same notice, corrected: its receipt, record and notice read the first visit's number, and no number is used up."""
    first = visit_body(world.ents["a1"], photos=shots(21))
    vid, r1 = send("inspector_a1", first)
    aid, r2 = send("inspector_a1", amendment_of(first, vid))
    assert r2["hazards"] == [] and r2["notice_no"] == r1["notice_no"]
    # A correction of the correction: still the same notice.
    again, r3 = send("inspector_a1", amendment_of(first, aid, finished_at=first["finished_at"]))
    assert r3["notice_no"] == r1["notice_no"]
    _, later = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(23)))
    assert later["notice_no"].endswith("第0002号")  # the street's sequence skipped nothing
    page = login("inspector_a1").get(f"/visits/{aid}").get_data(as_text=True)
    assert f'<dd id="visit-notice-no">{r1["notice_no"]}</dd>' in page
    for h in r1["hazards"]:
        assert f'id="hazard-{h}"' in page  # the hazards it names, kept from the first visit
    notice = login("inspector_a1").get(f"/visits/{aid}/notice").get_data(as_text=True)
    body = notice[notice.index('id="notice"') :]
    assert f"<span data-no>{r1['notice_no']}</span>" in body
    assert len(re.findall(r"<tr><td>\d+</td>", body)) == 2  # the corrected notice lists them
    held = login("inspector_a1").post(
        "/api/v1/held", json={"visits": [aid], "events": [], "alerts": []}
    )
    assert held.json["visits"][aid]["notice_no"] == r1["notice_no"]  # what the phone re-checks
    with app.app_context():
        amendment = db.session.get(Visit, aid)
        assert amendment.notice_seq is None  # no number of the street's sequence taken
        amendment.notice_no = None  # as an amendment received before this rule was kept
        db.session.commit()
    _, replay = send("inspector_a1", amendment_of(first, vid), vid=aid)
    assert replay["notice_no"] == r1["notice_no"]


def test_an_amendment_with_nothing_left_to_rectify_has_no_number(app, world, send):
    first = visit_body(world.ents["a1"], photos=shots(25))
    vid, r1 = send("inspector_a1", first)
    fixed = amendment_of(first, vid)
    for a in fixed["answers"]:
        a.update(result="pass", hazard=None, photos=[])
    _, r2 = send("inspector_a1", fixed)
    assert r1["notice_no"] and r2["notice_no"] is None


def test_the_year_is_the_beijing_year_of_the_visit(app, world, send):
    vid, _ = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(15)))
    with app.app_context():
        base = db.session.get(Visit, vid)
        made = []
        # 23:30 and 00:30 Beijing time across a new year, then mid-year: each year has its own sequence.
        for n, at in enumerate(
            (
                datetime(2030, 12, 31, 15, 30, tzinfo=UTC),
                datetime(2030, 12, 31, 16, 30, tzinfo=UTC),
                datetime(2030, 6, 1, 2, 0, tzinfo=UTC),
            )
        ):
            v = Visit(
                **{
                    c.name: getattr(base, c.name)
                    for c in Visit.__table__.c
                    if not c.name.startswith("notice_")
                }
                | {
                    "uuid": f"00000000-0000-4000-8000-00000000000{n}",
                    "finished_at": at,
                    "started_at": at,
                }
            )
            db.session.add(v)
            db.session.flush()
            make_hazard(world.ents["a1"], visit_uuid=v.uuid)
            made.append(notices.allocate(v, pattern=app.config["NOTICE_NUMBER_PATTERN"]))
        assert made == [
            "甲安整〔2030〕第0001号",
            "甲安整〔2031〕第0001号",
            "甲安整〔2030〕第0002号",
        ]
        db.session.rollback()


def test_the_notice_prints_its_number_dates_in_words_and_each_hazards_basis(
    app, world, send, login
):
    with app.app_context():
        db.session.get(Street, world.streets["A"]).office_phone = "0595-22580000"
        db.session.commit()
    vid, receipt = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(17)))
    html = login("inspector_a1").get(f"/visits/{vid}/notice").get_data(as_text=True)
    body = html[html.index('id="notice"') :]
    assert "<h1 data-title>隐患整改通知书</h1>" in body
    assert f"编号：<span data-no>{receipt['notice_no']}</span>" in body
    finished = notices.to_local(VISIT_FINISHED)
    assert f"{finished.year}年{finished.month}月{finished.day}日" in body
    assert ISO_DATE.search(body.split("<script")[0]) is None, "no ISO dates in a document"
    rows = re.findall(r"<tr><td>\d+</td>(.*?)</tr>", body)
    assert len(rows) == 2
    basis = {
        re.findall(r"<td>(.*?)</td>", r)[1]: re.findall(r"<td>(.*?)</td>", r)[-1] for r in rows
    }
    assert basis == {
        "灭火器失压": "GB 50140",
        "厨房未装可燃气体报警器": "闽建城〔2022〕3号",
    }  # each from its own item
    assert "安全生产法》第四十一条" not in body  # no one article cited for every hazard
    assert "电话 <span data-phone>0595-22580000</span>" in body and "<svg" in body


def test_a_visit_numbered_before_the_text_was_kept_prints_its_number_from_the_pattern(
    app, world, send, login
):
    vid, receipt = send("inspector_a1", visit_body(world.ents["a1"], photos=shots(19)))
    with app.app_context():
        db.session.get(
            Visit, vid
        ).notice_no = None  # as migration 0021 leaves the visits it numbered
        db.session.commit()
    html = login("inspector_a1").get(f"/visits/{vid}/notice").get_data(as_text=True)
    assert f"<span data-no>{receipt['notice_no']}</span>" in html
    page = login("street_a").get(f"/visits/{vid}").get_data(as_text=True)
    assert (
        f'<dd id="visit-notice-no">{receipt["notice_no"]}</dd>' in page
    )  # the record names its notice


def test_title_and_number_pattern_are_configurable(database, tmp_path):
    cfg = base_config(database.fresh(tmp_path), tmp_path) | {
        "NOTICE_TITLE": "安全生产隐患整改通知书",
        "NOTICE_NUMBER_PATTERN": "鲤{street1}安整〔{year}〕第{seq:04d}号",
    }
    app = create_app(cfg)
    with app.app_context():
        street = Street(name="金龙街道", code="JL")
        db.session.add(street)
        db.session.flush()
        assert (
            notices.format_number(app.config["NOTICE_NUMBER_PATTERN"], street.name, 2026, 12)
            == "鲤金安整〔2026〕第0012号"
        )
        with app.test_request_context():
            from flask import render_template

            html = render_template("visits/_notice.html", n=None, visit=None)
        assert "<h1 data-title>安全生产隐患整改通知书</h1>" in html
        db.session.rollback()
        db.engine.dispose()


@pytest.mark.parametrize(
    "pattern",
    [
        "第{seq}号",
        "{year}-{seq:04d}",
        "{year}年",
        "{street}〔{year}〕{seq}{unknown}",
        "{year}-{seq:x.y}",
        "{year}",
    ],
)
def test_a_pattern_that_cannot_number_notices_stops_the_start(tmp_path, pattern):
    with pytest.raises(ConfigError, match="通知书编号格式"):
        create_app(
            base_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path)
            | {"NOTICE_NUMBER_PATTERN": pattern}
        )


def test_the_phone_and_the_server_fill_one_template(app, world, login):
    """The offline page renders the same template, with the slots notice.js fills: nothing drifts apart."""
    html = login("inspector_a1").get("/inspect/notice?visit=x").get_data(as_text=True)
    for slot in (
        "data-title",
        "data-no",
        "data-ent",
        "data-date",
        "data-address",
        "data-rows",
        "data-qr-box",
        "data-url",
        "data-street",
        "data-phone",
        "data-inspector",
        "data-sign-line",
        "data-offline-note",
    ):
        assert slot in html, slot
    assert "<th>依据</th>" in html and 'id="notice-qr"' in html
    with app.app_context():
        ent = db.session.scalar(select(Enterprise).where(Enterprise.id == world.ents["a1"]))
        assert ent.public_token
    bundle = login("inspector_a1").get("/api/v1/bootstrap").json
    premises = {p["id"]: p for p in bundle["enterprises"]}[world.ents["a1"]]
    assert premises["public_url"].endswith(f"/q/{ent.public_token}") and "street_phone" in premises


def test_cn_date():
    assert (
        notices.cn_date(datetime(2026, 12, 3, 16, 30, tzinfo=UTC)) == "2026年12月4日"
    )  # Beijing time
    assert notices.cn_date(datetime(2026, 1, 5).date()) == "2026年1月5日"
    assert notices.cn_date(None) == ""
