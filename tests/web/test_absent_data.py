"""Pages take records with optional parts absent (issue 15, point 5).

No location, no note, no photo; made by a user since disabled; of a premises that
closed down; imported from another instance's archive. Each is made the way real use
makes it, then every page that shows it is read by the roles that may see it.
"""

from __future__ import annotations

import uuid as uuidlib

import pytest
from sqlalchemy import select

from fieldapp import auth, enterprises, placards, public, visits
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Hazard, User

from ..clock import NOW
from ..factories import visit_body

PAGES = [
    "/visits/{visit}",
    "/visits/{visit}/notice",
    "/hazards/{hazard}",
    "/hazards/{hazard}/history",
    "/enterprises/{ent}",
    "/lists/inspection",
    "/lists/rectification",
    "/lists/closure",
    "/dashboard",
]


def bare_visit(world, **body) -> tuple[str, str]:
    """A visit with nothing optional (no location: refused; no notes, no photos, nothing found) and a hazard
    with nothing optional (a public report without a photo, confirmed); return (visit, hazard)."""
    vid = str(uuidlib.uuid4())
    b = visit_body(world.ents["a1"], **({"location": None, "location_status": "denied"} | body))
    for a in b["answers"]:
        a.update(
            result="pass" if a["result"] == "fail" else a["result"], note="", photos=[], hazard=None
        )
    inspector = db.session.get(User, world.users["inspector_a1"])
    visits.receive(vid, b, actor=inspector, now=NOW)
    report = public.submit_report(
        db.session.get(Enterprise, world.ents["a1"]),
        description="门口堆放杂物",
        contact="",
        photo=None,
        now=NOW,
    )
    h = public.confirm(report, actor=inspector, now=NOW, item_text="门口堆放杂物堵塞通道")
    db.session.commit()
    return vid, h.uuid


def read_all(
    login, world, ids: dict, users=("district", "street_a", "inspector_a1", "owner_a1")
) -> None:
    for user in users:
        client = login(user)
        for page in PAGES:
            url = page.format(**ids)
            status = client.get(url).status_code
            # The record's own pages open for everyone who sees it; office pages may be closed to a role.
            assert status == 200 or (status == 403 and "{" not in page), (user, url, status)


def test_a_visit_without_location_notes_or_photos(app, world, login):
    with app.app_context():
        vid, hid = bare_visit(world)
        h = db.session.get(Hazard, hid)
        assert (h.visit_uuid, h.before_photos, h.after_photos) == (None, [], [])
    read_all(login, world, {"visit": vid, "hazard": hid, "ent": world.ents["a1"]})
    page = login("district").get(f"/visits/{vid}").get_data(as_text=True)
    assert "检查人拒绝提供位置" in page and "备注" not in page
    assert "无" in login("district").get(f"/hazards/{hid}").get_data(as_text=True)


@pytest.mark.parametrize(
    "status,shown", [("timeout", "定位超时"), ("unavailable", "无法定位"), ("none", "未记录")]
)
def test_each_reason_for_a_missing_location_is_said(app, world, login, status, shown):
    with app.app_context():
        vid, _ = bare_visit(world, location_status=status)
    assert shown in login("district").get(f"/visits/{vid}").get_data(as_text=True)


def test_the_work_of_a_user_since_disabled(app, world, login):
    with app.app_context():
        vid, hid = bare_visit(world)
        db.session.get(User, world.users["inspector_a1"]).display_name = "洪晓东"
        auth.set_active(db.session.get(User, world.users["inspector_a1"]), False)
    read_all(
        login,
        world,
        {"visit": vid, "hazard": hid, "ent": world.ents["a1"]},
        users=("district", "street_a", "owner_a1"),
    )
    assert "<dt>检查人</dt><dd>洪晓东（网格员）</dd>" in login("district").get(
        f"/visits/{vid}"
    ).get_data(as_text=True)


def test_a_premises_that_closed_down(app, world, login):
    with app.app_context():
        vid, hid = bare_visit(world)
        ent = db.session.get(Enterprise, world.ents["a1"])
        token = ent.public_token
        street = db.session.get(User, world.users["street_a"])
        enterprises.update(
            ent, {"active": False, "street_id": ent.street_id}, actor=street, now=utcnow()
        )
        placards.revoke(ent, actor=street, now=utcnow())
        db.session.commit()
    read_all(
        login,
        world,
        {"visit": vid, "hazard": hid, "ent": world.ents["a1"]},
        users=("district", "street_a"),
    )
    assert login("district").get("/enterprises?active=0").status_code == 200
    assert login("district").get(f"/placards/{world.ents['a1']}").status_code == 200
    # Its placard is withdrawn: the public link answers like any unknown one.
    assert app.test_client().get(f"/q/{token}").status_code == 404


def test_a_premises_imported_from_another_instance(app, world, login, database, tmp_path):
    """Placeholder people (inactive, no password) and the source's events as they were: every page reads them."""
    from fieldapp import create_app
    from fieldapp.archive import collect, load, render
    from fieldapp.archive.cli import CONSOLE

    from ..archive_factory import build_record
    from ..conftest import Client, base_config
    from ..factories import make_user

    archive = tmp_path / "archive.html"
    with app.app_context():
        build_record(world)
        bare_visit(world)
        with archive.open("wb") as fh:
            render.write(collect.collect(world.ents["a1"], actor=CONSOLE, now=utcnow()), fh)
    (tmp_path / "imp").mkdir()
    target = create_app(base_config(database.fresh(tmp_path / "imp"), tmp_path / "imp"))
    target.test_client_class = Client
    try:
        with target.app_context():
            imported = load.import_bytes(archive.read_bytes(), now=utcnow())
            make_user("district", "district")
            db.session.commit()
            hazards = db.session.scalars(select(Hazard.uuid)).all()
            visit_ids = db.session.scalars(
                select(Hazard.visit_uuid).where(Hazard.visit_uuid.is_not(None))
            ).all()
            people = db.session.scalars(select(User.username).where(User.active.is_(False))).all()
        assert people and all(p.startswith("archived:") for p in people)
        client = target.test_client()
        assert client.login("district").status_code == 303
        urls = [
            f"/enterprises/{imported.enterprise_id}",
            *(f"/hazards/{h}" for h in hazards),
            *(f"/hazards/{h}/history" for h in hazards),
            *(f"/visits/{v}" for v in visit_ids),
            *(f"/visits/{v}/notice" for v in visit_ids),
            "/lists/rectification",
            "/lists/closure",
            "/dashboard",
        ]
        for url in urls:
            assert client.get(url).status_code == 200, url
        with client.get(f"/enterprises/{imported.enterprise_id}/archive") as resp:
            assert resp.status_code == 200
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()
