"""The enterprise scans its placard on a phone, signs in with its PIN and submits evidence."""

from __future__ import annotations

import os
import time
from datetime import UTC

import pytest
from sqlalchemy import select

from fieldapp import placards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Hazard, Photo, User

from .. import images
from ..factories import make_hazard
from .conftest import fits_width

pytestmark = pytest.mark.browser


def open_hazard_with_pin(app, world) -> tuple[str, str, str]:
    """An open hazard at 甲一小吃店, whose street has given it a placard PIN: (hazard, PIN, placard token)."""
    with app.app_context():
        ent = db.session.get(Enterprise, world.ents["a1"])
        hid = make_hazard(ent.id, item_text="灭火器压力正常、在有效期内").uuid
        street = db.session.scalar(select(User).where(User.username == "street_a"))
        pin = placards.set_pin(ent, actor=street, now=utcnow())
        token = ent.public_token
        db.session.commit()
    return hid, pin, token


def test_owner_submits_evidence_from_the_placard_page(app, phone, world, tmp_path):
    hid, pin, token = open_hazard_with_pin(app, world)
    photo = tmp_path / "fixed.jpg"
    photo.write_bytes(images.jpeg(2400, 1800, seed=111))
    taken = time.time() - 2 * 3600  # the camera wrote the file two hours ago
    os.utime(photo, (taken, taken))
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 24.9087, "longitude": 118.5861, "accuracy": 15})

    phone.goto(f"/q/{token}")
    assert phone.get_by_role("heading", name="甲一小吃店").is_visible()
    assert "灭火器压力正常" in phone.locator("table").inner_text() and fits_width(phone)
    phone.get_by_role("link", name="本单位登录，提交整改材料").click()
    phone.get_by_label("PIN").fill(pin)
    with phone.expect_navigation():
        phone.get_by_role("button", name="登录").click()
    phone.locator(".hazard-row a", has_text="灭火器压力正常").click()
    form = phone.locator("form", has=phone.get_by_role("button", name="提交整改"))
    form.locator("input[type=file]").set_input_files(str(photo))
    form.locator("input[name=photo][data-shrunk='']").wait_for(state="attached")
    form.get_by_label("整改说明（必填）").fill("已送检并更换两具灭火器")
    # Record what the submit button says while the photo goes up.
    form.get_by_role("button", name="提交整改").evaluate(
        "b => { window.seen = []; new MutationObserver(() => seen.push(b.textContent))"
        ".observe(b, {childList: true, characterData: true, subtree: true}); }"
    )
    form.get_by_role("button", name="提交整改").click()
    phone.locator(".alert.ok", has_text="已提交整改").wait_for()
    assert any(
        t.startswith("正在上传") or t == "正在保存…" for t in phone.evaluate("window.seen")
    ), phone.evaluate("window.seen")
    assert fits_width(phone)
    with app.app_context():
        h = db.session.get(Hazard, hid)
        assert h.state == "rectified" and len(h.after_photos) == 1
        # The evidence carries when (the file's camera time) and where it was taken.
        shot = db.session.get(Photo, h.after_photos[0])
        at = shot.captured_at if shot.captured_at.tzinfo else shot.captured_at.replace(tzinfo=UTC)
        assert abs(at.timestamp() - taken) < 5
        assert (round(shot.lat, 4), round(shot.lng, 4), shot.accuracy_m) == (24.9087, 118.5861, 15)
        assert db.session.get(User, h.submitted_by).username == f"pin-{world.ents['a1']}"
    # The public page now says it awaits a recheck.
    phone.goto(f"/q/{token}")
    assert "待复查" in phone.locator("table").inner_text()
    assert phone.console_errors == [], phone.console_errors


def test_a_photo_chosen_before_the_page_scripts_arrive_is_still_shrunk(
    app, browser, playwright, live_server, world, tmp_path
):
    """On a slow link the owner can pick the photo before upload.js has run: it is shrunk all the same."""
    from .conftest import PHONE, new_context, watched_page

    hid, pin, token = open_hazard_with_pin(app, world)
    photo = tmp_path / "big.jpg"
    photo.write_bytes(images.jpeg(2400, 1800, seed=112))
    # No service worker: it would serve the script from its cache, past the held request.
    context = new_context(browser, playwright, live_server, PHONE, service_workers="block")
    phone = watched_page(context)
    try:
        phone.goto(f"/q/{token}")
        phone.get_by_role("link", name="本单位登录，提交整改材料").click()
        phone.get_by_label("PIN").fill(pin)
        with phone.expect_navigation():
            phone.get_by_role("button", name="登录").click()
        held = []
        phone.route("**/js/upload.js*", lambda route: held.append(route))
        phone.goto(f"/hazards/{hid}", wait_until="commit")
        form = phone.locator("form", has=phone.get_by_role("button", name="提交整改"))
        form.locator("input[type=file]").set_input_files(str(photo))
        assert held, "upload.js was requested before the photo was chosen"
        assert form.locator("input[name=photo]").get_attribute("data-shrunk") is None
        held[0].continue_()
        form.locator("input[name=photo][data-shrunk='']").wait_for(state="attached")
        size = form.locator("input[name=photo]").evaluate("i => i.files[0].size")
        name = form.locator("input[name=photo]").evaluate("i => i.files[0].name")
        assert size < photo.stat().st_size and name == "big.jpg"
        assert phone.console_errors == [], phone.console_errors
    finally:
        context.close()
