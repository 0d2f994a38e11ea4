"""Every upload path refuses decompression bombs and thumbnail-sized evidence, before decoding, in Chinese."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import (
    CampaignLetter,
    Enterprise,
    Hazard,
    Photo,
    PublicReport,
    TenancyAgreement,
)

from .. import images
from ..factories import make_hazard

KINDS = {
    # Measured on main: 2.5 KB of WebP claiming 16383×3900 took a worker from 121 MB to 1.06 GB.
    "webp bomb 16383×3900": (lambda: images.webp_bomb(16383, 3900), "像素过多"),
    # Under the pixel cap, but decoding it whole would need about 1.3 GB.
    "png bomb 7000×7000": (lambda: images.png_bomb(7000, 7000, "RGBA"), "解码约需"),
    # Measured on main: a 1×1 image was accepted as the only after photo.
    "1×1 image": (lambda: images.tiny(1, 1), "短边至少 320 像素"),
}


@pytest.fixture
def paths(app, world, login, client):
    """One callable per upload path: send the photo, return (status, body)."""
    with app.app_context():
        landlord, tenant = (
            db.session.get(Enterprise, world.ents["a1"]),
            db.session.get(Enterprise, world.ents["a2"]),
        )
        landlord.hosts_tenants, tenant.landlord_id = True, landlord.id
        hazard = make_hazard(world.ents["a1"]).uuid
        token, landlord_id, tenant_id = landlord.public_token, landlord.id, tenant.id
        db.session.commit()
    street, owner = login("street_a"), login("owner_a1")
    bearer = {
        "Authorization": "Bearer "
        + client.post(
            "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
        ).json["token"]
    }

    def form(c, url, fields, data):
        resp = c.post(
            url,
            content_type="multipart/form-data",
            headers={"HX-Request": "true"},
            data={**fields, "photo": (io.BytesIO(data), "photo.jpg")},
        )
        return resp.status_code, resp.get_data(as_text=True)

    def api(data):
        resp = client.put(
            f"/api/v1/photos/{images.sha(data)}",
            data=data,
            headers={**bearer, "Content-Type": "application/octet-stream"},
        )
        return resp.status_code, resp.json["error"]

    return {
        "API PUT": api,
        "rectification form": lambda data: form(
            owner,
            f"/hazards/{hazard}/act",
            {"action": "submit_rectification", "version": "1", "note": "已整改"},
            data,
        ),
        "public report": lambda data: form(
            client, f"/q/{token}/report", {"description": "消防通道堵塞"}, data
        ),
        "letter photo": lambda data: form(
            street,
            f"/campaign/{landlord_id}/letter",
            {"kind": "commitment", "year": "2025", "done_on": "2025-02-01", "signer": "张三"},
            data,
        ),
        "tenancy agreement photo": lambda data: form(
            street,
            f"/campaign/{landlord_id}/agreement",
            {"tenant_id": str(tenant_id), "signed_on": "2025-02-01"},
            data,
        ),
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "path",
    ["API PUT", "rectification form", "public report", "letter photo", "tenancy agreement photo"],
)
def test_every_upload_path_refuses_bombs_and_tiny_photos(app, paths, path, kind):
    maker, message = KINDS[kind]
    status, body = paths[path](maker())
    assert status == 422 and message in body
    with app.app_context():
        counts = [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Photo, PublicReport, CampaignLetter, TenancyAgreement)
        ]
        assert counts == [0, 0, 0, 0]
        assert set(db.session.scalars(select(Hazard.state))) == {"open"}
