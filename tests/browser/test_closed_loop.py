"""The closed loop in a browser: the enterprise submits evidence, the street office verifies it."""

from __future__ import annotations

import uuid

import pytest

from fieldapp import audit
from fieldapp.extensions import db
from fieldapp.models import Hazard

from .. import images
from ..factories import visit_body
from .conftest import fits_width, sign_in

pytestmark = pytest.mark.browser


def test_owner_submits_evidence_street_verifies_and_all_three_lists_show_closed(
    app, client, world, browser, playwright, live_server, phone, tmp_path
):
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    before = images.jpeg(seed=71)
    client.put(f"/api/v1/photos/{images.sha(before)}", data=before, headers=headers)
    hazard_id = str(uuid.uuid4())
    body = visit_body(
        world.ents["a1"],
        photos={"extinguishers": [images.sha(before)], "gas_alarm": [images.sha(before)]},
        hazard_ids={"extinguishers": hazard_id},
    )
    assert (
        hazard_id
        in client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers).json["hazards"]
    )
    after = tmp_path / "after.jpg"
    after.write_bytes(images.jpeg(3000, 2000, seed=72))

    # The owner, on a phone.
    sign_in(phone, "owner_a1")
    phone.goto(f"/hazards/{hazard_id}")
    form = phone.locator("form", has=phone.get_by_role("button", name="提交整改"))
    form.locator("input[type=file]").set_input_files(str(after))
    # upload.js marks the input once it has swapped in the shrunk picture.
    form.locator("input[name=photo][data-shrunk='']").wait_for(state="attached")
    form.get_by_label("整改说明（必填）").fill("已更换新灭火器并张贴检查卡")
    form.get_by_role("button", name="提交整改").click()
    phone.locator(".alert.ok", has_text="已提交整改").wait_for()
    assert "待复查" in phone.locator(".status-line").first.inner_text()
    assert fits_width(phone)
    with app.app_context():
        h = db.session.get(Hazard, hazard_id)
        assert h.state == "rectified"
        from fieldapp.models import Photo

        sent = db.session.get(Photo, h.after_photos[0])
        assert max(sent.width, sent.height) <= 1600  # shrunk on the phone before upload

    # The street office, at a desk.
    desk = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    page = desk.new_page()
    sign_in(page, "street_a")
    page.goto("/hazards/queue")
    item = page.locator(
        ".queue-item", has_text="灭火器失压或过期"
    )  # the hazard is named by its defect
    assert item.locator("img").count() == 2  # before and after, side by side
    item.get_by_role("button", name="通过，销号").click()
    page.locator(".queue-item .alert.ok", has_text="已复查通过，销号").wait_for()

    for kind in ("inspection", "rectification", "closure"):
        page.goto(f"/lists/{kind}")
        row = page.locator(
            "table.data tr", has_text="灭火器失压或过期"
        )  # the hazard is named by its defect
        assert "已销号" in row.first.inner_text(), kind
    desk.close()
    # The office also works from a phone: the list pages and their filters fit 360 px.
    sign_in(phone, "street_a")
    for path in ("/lists/rectification", "/lists/closure", "/dashboard", "/campaign/letters"):
        phone.goto(path)
        assert fits_width(phone), path
    with app.app_context():
        assert db.session.get(Hazard, hazard_id).state == "closed"
        actions = [e.action for e in audit.events_for("hazard", hazard_id)]
        assert actions == ["raise", "submit_rectification", "verify"] and audit.verify().ok
    assert phone.console_errors == [], phone.console_errors
