"""An owner signed in with the placard PIN keeps its own self-inspection list on the phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp import placards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Hazard, User

from .. import images
from ..clock import day
from .conftest import fits_width

pytestmark = pytest.mark.browser


def test_owner_records_and_closes_its_own_finding_from_the_phone(app, phone, world, tmp_path):
    with app.app_context():
        ent = db.session.get(Enterprise, world.ents["a1"])
        street = db.session.scalar(select(User).where(User.username == "street_a"))
        pin = placards.set_pin(ent, actor=street, now=utcnow())
        token = ent.public_token
        db.session.commit()
    before, after = tmp_path / "before.jpg", tmp_path / "after.jpg"
    before.write_bytes(images.jpeg(2400, 1800, seed=181))
    after.write_bytes(images.jpeg(2400, 1800, seed=182))
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 24.9087, "longitude": 118.5861, "accuracy": 15})

    phone.goto(f"/q/{token}/pin")
    phone.get_by_label("PIN").fill(pin)
    with phone.expect_navigation():
        phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="企业自查").click()
    form = phone.locator("#self-check-new form")
    form.get_by_label("发现的隐患（存在什么问题，必填）").fill("配电箱前堆放纸箱")
    form.get_by_label("整改措施（必填）").fill("清走纸箱，配电箱前留出通道")
    form.get_by_label("整改期限").fill(day(3).isoformat())
    form.locator("input[type=file]").set_input_files(str(before))
    form.locator("input[name=photo][data-shrunk='']").wait_for(state="attached")
    with phone.expect_navigation():
        form.get_by_role("button", name="登记").click()
    phone.locator(".alert.ok", has_text="已登记").wait_for()
    assert "配电箱前堆放纸箱" in phone.locator("#self-check-list").inner_text() and fits_width(
        phone
    )

    phone.get_by_role("link", name="登记整改").click()
    close = phone.locator("form", has=phone.get_by_role("button", name="整改完成，销号"))
    close.locator("input[type=file]").set_input_files(str(after))
    close.locator("input[name=photo][data-shrunk='']").wait_for(state="attached")
    close.get_by_label("整改说明（必填）").fill("纸箱已清走")
    close.get_by_role("button", name="整改完成，销号").click()
    phone.locator(".alert.ok", has_text="自查整改销号").wait_for()
    assert fits_width(phone)
    with app.app_context():
        h = db.session.scalar(select(Hazard))
        assert (h.source, h.state, len(h.before_photos), len(h.after_photos)) == (
            "self",
            "closed",
            1,
            1,
        )
    # The enterprise's own list stays off the placard page.
    phone.goto(f"/q/{token}")
    assert "配电箱前堆放纸箱" not in phone.locator("main").inner_text()
    assert phone.console_errors == [], phone.console_errors
