"""What cannot be undone is confirmed first: a placard's link, its revocation and its PIN.

One mis-tap on 更换链接, 停用场所码 or 设置/重置 PIN used to act at once and void the
printed placard (issue 21, finding 7). The first POST now answers with the consequence and
a confirm button; only the confirmed POST acts. The PIN page says whom to call.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Enterprise, Street

from ..factories import make_hazard


def placard_state(app, ent_id: int) -> tuple:
    """The placard's token and the placard events in the audit chain."""
    with app.app_context():
        token = db.session.get(Enterprise, ent_id).public_token
        actions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "placard", AuditEvent.object_id == str(ent_id)
            )
        ).all()
        return token, sorted(actions)


@pytest.mark.parametrize(
    "action, consequence, done",
    [
        ("rotate", "已张贴的安全公示码和旧链接立即失效", "已更换二维码链接"),
        ("revoke", "扫码打不开公示页", "已停用安全公示码"),
        ("pin", "原 PIN 和用它登录的会话立即失效", "已设置新的 PIN"),
    ],
)
def test_a_placard_change_states_its_consequence_and_acts_only_when_confirmed(
    app, world, login, action, consequence, done
):
    street, a1 = login("street_a"), world.ents["a1"]
    before = placard_state(app, a1)

    first = street.post(f"/placards/{a1}/{action}", headers={"HX-Request": "true"})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and 'id="placard-panel"' in html
    assert consequence in html and 'role="alertdialog"' in html
    assert (
        'name="confirm" value="1"' in html and f'href="/enterprises/{a1}#placard-panel"' in html
    )  # 取消
    assert done not in html and "pin-digits" not in html
    assert placard_state(app, a1) == before  # nothing changed, nothing recorded

    second = street.post(
        f"/placards/{a1}/{action}", data={"confirm": "1"}, headers={"HX-Request": "true"}
    )
    assert second.status_code == 200 and done in second.get_data(as_text=True)
    assert placard_state(app, a1) != before


def test_enabling_a_revoked_placard_needs_no_confirmation(app, world, login):
    street, a1 = login("street_a"), world.ents["a1"]
    assert street.post(f"/placards/{a1}/revoke", data={"confirm": "1"}).status_code == 200
    assert placard_state(app, a1)[0] is None
    html = street.post(f"/placards/{a1}/rotate").get_data(as_text=True)
    assert "已更换二维码链接" in html and placard_state(app, a1)[0] is not None


def test_the_confirmation_is_scoped_like_the_change(world, login):
    assert login("street_b").post(f"/placards/{world.ents['a1']}/pin").status_code == 404
    assert login("inspector_a1").post(f"/placards/{world.ents['a1']}/pin").status_code == 403
    assert login("street_a").post(f"/placards/{world.ents['a1']}/unknown").status_code == 404


def test_the_pin_page_tells_the_owner_whom_to_call(app, client, world):
    with app.app_context():
        ent = db.session.get(Enterprise, world.ents["a1"])
        make_hazard(ent.id)
        phone = db.session.get(Street, ent.street_id).office_phone
        token = ent.public_token
        db.session.commit()
    html = client.get(f"/q/{token}/pin").get_data(as_text=True)
    help_text = re.search(r'<p id="pin-help">(.*?)</p>', html, re.S).group(1)
    assert "甲街道安全生产办公室" in help_text and f'href="tel:{phone}"' in help_text
    # After a wrong PIN too, where the owner most needs it.
    assert 'id="pin-help"' in client.post(f"/q/{token}/pin", data={"pin": "000000"}).get_data(
        as_text=True
    )
