"""Enterprise self-inspection (企业自查): the enterprise's own list, kept off the placard page until staff confirm it."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from fieldapp import selfcheck
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Hazard

from .. import images
from ..clock import NOW, day


def finding(**overrides) -> dict:
    return {
        "text": "配电箱前堆放纸箱",
        "level": "general",
        "measure": "清走纸箱，配电箱前留出0.8米通道",
        "owner": "店长",
        "deadline": day(7).isoformat(),
        "description": "",
        **overrides,
    }


def record_with_photo(client, photo: bytes):
    """Post the standard finding with one photo, as the self-inspection form does."""
    return client.post(
        "/self-check",
        data={**finding(), "photo": (io.BytesIO(photo), "before.jpg")},
        content_type="multipart/form-data",
    )


def token(app, world) -> str:
    with app.app_context():
        return db.session.get(Enterprise, world.ents["a1"]).public_token


def pin_client(app, world, login):
    html = (
        login("street_a")
        .post(f"/placards/{world.ents['a1']}/pin", data={"confirm": "1"})
        .get_data(as_text=True)
    )
    pin = re.search(r'class="pin-digits">(\d{6})<', html).group(1)
    client = app.test_client()
    assert client.post(f"/q/{token(app, world)}/pin", data={"pin": pin}).status_code == 303
    return client


@pytest.mark.parametrize("how", ["account", "pin"])
def test_an_enterprise_records_its_own_finding_and_it_stays_off_the_placard(app, world, login, how):
    client = login("owner_a1") if how == "account" else pin_client(app, world, login)
    assert "企业自查" in client.get("/self-check").get_data(as_text=True)
    photo = images.jpeg(seed=171)
    assert record_with_photo(client, photo).status_code == 303
    assert "配电箱前堆放纸箱" in client.get("/self-check").get_data(as_text=True)
    with app.app_context():
        h = db.session.scalar(select(Hazard))
        assert (h.source, h.state, h.before_photos, h.enterprise_id) == (
            "self",
            "open",
            [images.sha(photo)],
            world.ents["a1"],
        )
        hid = h.uuid
    public = app.test_client().get(f"/q/{token(app, world)}").get_data(as_text=True)
    assert "配电箱前堆放纸箱" not in public
    # An inspector of the grid confirms it: now the placard lists it.
    inspector = login("inspector_a1")
    page = inspector.get(f"/hazards/{hid}").get_data(as_text=True)
    assert "企业自查" in page and 'value="confirm_self"' in page
    assert (
        inspector.post(
            f"/hazards/{hid}/act", data={"action": "confirm_self", "version": "1"}
        ).status_code
        == 303
    )
    assert "配电箱前堆放纸箱" in app.test_client().get(f"/q/{token(app, world)}").get_data(
        as_text=True
    )


def test_the_enterprise_closes_a_general_one_itself_and_a_major_one_goes_to_the_street(
    app, world, login
):
    client = login("owner_a1")
    assert client.post("/self-check", data=finding()).status_code == 303
    assert (
        client.post(
            "/self-check", data=finding(text="液化气钢瓶放在地下室", level="major")
        ).status_code
        == 303
    )
    with app.app_context():
        general = db.session.scalar(select(Hazard).where(Hazard.level == "general")).uuid
        major = db.session.scalar(select(Hazard).where(Hazard.level == "major")).uuid
    page = client.get(f"/hazards/{general}").get_data(as_text=True)
    assert 'value="self_close"' in page
    after = images.jpeg(seed=172)
    resp = client.post(
        f"/hazards/{general}/act",
        data={
            "action": "self_close",
            "version": "1",
            "note": "已清走",
            "photo": (io.BytesIO(after), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    assert 'value="self_close"' not in client.get(f"/hazards/{major}").get_data(as_text=True)
    refused = client.post(
        f"/hazards/{major}/act",
        data={
            "action": "self_close",
            "version": "1",
            "note": "已搬走",
            "photo": (io.BytesIO(after), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 409 and "重大隐患" in refused.get_data(as_text=True)
    with app.app_context():
        h = db.session.get(Hazard, general)
        assert (
            h.state == "closed"
            and h.closed_by == world.users["owner_a1"]
            and h.after_photos == [images.sha(after)]
        )
        assert db.session.get(Hazard, major).state == "open"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"text": ""}, "请写明发现的隐患"),
        ({"measure": ""}, "请写明整改措施"),
        ({"level": "huge"}, "一般隐患或重大隐患"),
        ({"deadline": "明天"}, "整改期限"),
        ({"deadline": day(-1).isoformat()}, "整改期限"),
        ({"text": "长" * 101}, "100 字"),
    ],
)
def test_a_bad_entry_gets_a_message_and_nothing_is_lost(app, world, login, overrides, message):
    resp = login("owner_a1").post("/self-check", data=finding(**overrides))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in body
    assert finding()["measure"] in body or overrides.get("measure") == ""  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Hazard)) is None


@pytest.mark.parametrize(
    "username, status",
    [("inspector_a1", 403), ("street_a", 403), ("district", 403), ("dept_catering", 403)],
)
def test_only_enterprises_keep_a_self_inspection_list(world, login, username, status):
    client = login(username)
    assert client.get("/self-check").status_code == status
    assert client.post("/self-check", data=finding()).status_code == status


def test_inspectors_finds_are_not_the_enterprises_to_close(app, world, login):
    from ..factories import make_hazard

    with app.app_context():
        hid = make_hazard(world.ents["a1"]).uuid
        db.session.commit()
    resp = login("owner_a1").post(
        f"/hazards/{hid}/act",
        data={
            "action": "self_close",
            "version": "1",
            "note": "x",
            "photo": (io.BytesIO(images.jpeg(seed=173)), "a.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 409 and "企业自查" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Hazard, hid).state == "open"


@pytest.mark.parametrize("how", ["account", "pin"])
def test_the_office_sees_the_photos_of_a_hazard_the_enterprise_found(app, world, login, how):
    client = login("owner_a1") if how == "account" else pin_client(app, world, login)
    photo = images.jpeg(seed=177)
    assert record_with_photo(client, photo).status_code == 303
    with app.app_context():
        hid = db.session.scalar(select(Hazard.uuid))
    url = f"/photos/{images.sha(photo)}/display.jpg"
    # Those who see the hazard see its photo; another street sees neither.
    for username, status in (("street_a", 200), ("inspector_a1", 200), ("district", 200)):
        seen = login(username)
        assert seen.get(f"/hazards/{hid}").status_code == 200
        shown = seen.get(url)
        assert (username, shown.status_code) == (username, status)
        assert shown.headers["Content-Type"] == "image/jpeg"
    assert login("street_b").get(url).status_code == 404
    assert login("street_b").get(f"/hazards/{hid}").status_code == 404


def test_a_photo_the_enterprise_never_sent_is_not_cited(app, world, login):
    from fieldapp.models import PhotoRef, User

    from ..factories import store_photo

    with app.app_context():
        owner = db.session.get(User, world.users["owner_a1"])
        # A photo of another premises' visit: the owner knows its hash, never had its bytes.
        foreign = images.jpeg(seed=178)
        store_photo(foreign, uploader_id=world.users["inspector_b1"])
        unsent = "f" * 64  # not held yet: the phone may still send it
        h = selfcheck.record_finding(
            world.ents["a1"],
            actor=owner,
            now=NOW,
            text="灭火器过期",
            level="general",
            deadline=day(3),
            measure="更换灭火器",
            photos=[images.sha(foreign), unsent],
        )
        db.session.commit()
        assert h.before_photos == [unsent]
        refs = db.session.scalars(select(PhotoRef.photo_sha256).where(PhotoRef.object_id == h.uuid))
        assert list(refs) == [unsent]
    # Citing it did not make it the street's to see.
    assert login("street_a").get(f"/photos/{images.sha(foreign)}/display.jpg").status_code == 404


def test_the_domain_refuses_another_premises(app, world):
    from fieldapp.models import User

    with app.app_context():
        owner = db.session.get(User, world.users["owner_a1"])
        with pytest.raises(selfcheck.SelfCheckError) as refused:
            selfcheck.record_finding(
                world.ents["a2"],
                actor=owner,
                now=NOW,
                text="x",
                level="general",
                deadline=day(3),
                measure="y",
            )
        assert refused.value.status == 403


def test_the_archive_carries_the_self_inspection_list_and_imports_it(app, world, login, tmp_path):
    from fieldapp.archive import collect, load, render, verify
    from fieldapp.archive.cli import CONSOLE

    client = login("owner_a1")
    assert client.post("/self-check", data=finding()).status_code == 303
    with app.app_context():
        hid = db.session.scalar(select(Hazard.uuid))
    after = images.jpeg(seed=174)
    assert (
        client.post(
            f"/hazards/{hid}/act",
            data={
                "action": "self_close",
                "version": "1",
                "note": "已清走",
                "photo": (io.BytesIO(after), "a.jpg"),
            },
            content_type="multipart/form-data",
        ).status_code
        == 303
    )
    path = tmp_path / "a1.html"
    with app.app_context():
        doc = collect.collect(world.ents["a1"], actor=CONSOLE, now=NOW)
        with path.open("wb") as fh:
            render.write(doc, fh)
    report = verify.verify_file(path)
    assert report.ok, report.problems
    from fieldapp import create_app

    from ..conftest import base_config, migrate  # a second, empty instance to import into

    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    migrate(url, tmp_path)
    other = create_app(base_config(url, tmp_path))
    with other.app_context():
        load.import_bytes(path.read_bytes(), now=NOW)
        h = db.session.get(Hazard, hid)
        assert (h.source, h.state) == ("self", "closed")
        db.session.remove()
        db.engine.dispose()
