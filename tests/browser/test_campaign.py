"""A street officer records a signed commitment with a photo, on a phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import CampaignLetter, Photo

from .. import images
from .conftest import fits_width, sign_in

pytestmark = pytest.mark.browser


def test_street_user_records_a_signed_commitment_with_a_photo(app, phone, world, tmp_path):
    photo = tmp_path / "signed.jpg"
    photo.write_bytes(images.jpeg(3000, 4000, seed=141))
    sign_in(phone, "street_a")
    phone.goto(f"/enterprises/{world.ents['a1']}")
    panel = phone.locator("#campaign-panel")
    panel.get_by_text("告知书与承诺书").click()
    form = panel.locator("form", has=phone.get_by_role("button", name="登记"))
    form.get_by_label("文书").select_option("commitment")
    form.get_by_label("送达或签订日期").fill("2026-02-03")
    form.get_by_label("签字人（承诺书必填）").fill("张三")
    form.locator("input[type=file]").set_input_files(str(photo))
    form.locator("input[name=photo][data-shrunk='']").wait_for(state="attached")
    form.get_by_role("button", name="登记").click()
    phone.locator("#campaign-panel .alert.ok", has_text="已登记承诺书").wait_for()
    assert fits_width(phone)
    with app.app_context():
        letter = db.session.scalar(select(CampaignLetter))
        assert (letter.kind, letter.signer, letter.done_on.isoformat()) == (
            "commitment",
            "张三",
            "2026-02-03",
        )
        stored = db.session.get(Photo, letter.photo_sha256)
        assert max(stored.width, stored.height) <= 1600  # shrunk on the phone
    assert phone.console_errors == [], phone.console_errors
