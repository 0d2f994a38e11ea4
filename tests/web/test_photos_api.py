"""PUT /api/v1/photos/{sha256}: stored as evidence, validated by decoding, never a 5xx for bad input."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from fieldapp import photos
from fieldapp.extensions import db
from fieldapp.models import Photo

from .. import images
from ..clock import VISIT_STARTED, local_iso


@pytest.fixture
def api(client, world):
    def _api(username: str) -> dict:
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _api


def put(
    client, headers, data: bytes, sha: str | None = None, query: str = "", content_type="image/jpeg"
):
    sha = sha or images.sha(data)
    return client.put(
        f"/api/v1/photos/{sha}{query}", data=data, headers={**headers, "Content-Type": content_type}
    )


def test_upload_stores_evidence_and_answers_200_when_held(app, client, api):
    headers = api("inspector_a1")
    data = images.jpeg(orientation=6, gps=True)
    first = put(
        client,
        headers,
        data,
        query=f"?captured_at={quote(local_iso(VISIT_STARTED))}&lat=24.9&lng=118.6&accuracy_m=8",
    )
    assert first.status_code == 201 and first.json["sha256"] == images.sha(data)
    assert put(client, headers, data).status_code == 200
    with app.app_context():
        row = db.session.get(Photo, images.sha(data))
        assert (row.width, row.height, row.mime) == (480, 640, "image/jpeg")
        assert (
            row.lat == 24.9
            and row.captured_at is not None
            and row.uploaded_by == world_user(app, "inspector_a1")
        )
        stored = photos.store().get(photos.key("original", row.sha256))
        assert (
            hashlib.sha256(stored).hexdigest() == row.sha256
        )  # the evidence is the exact bytes received


def world_user(app, username):
    from fieldapp.models import User

    return db.session.scalar(db.select(User.id).where(User.username == username))


def test_wrong_hash_is_400_and_nothing_is_stored(app, client, api):
    data = images.jpeg()
    resp = put(client, api("inspector_a1"), data, sha="0" * 64)
    assert resp.status_code == 400 and "SHA-256 不符" in resp.json["error"]
    with app.app_context():
        assert (
            db.session.get(Photo, "0" * 64) is None
            and db.session.get(Photo, images.sha(data)) is None
        )
        assert photos.store().keys() == []


@pytest.mark.parametrize(
    "data,status,message",
    [
        (b"<?php echo 1; ?>", 415, "不是支持的图片格式"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "不是支持的图片格式"),
        (b"<html><body>hi</body></html>", 415, "不是支持的图片格式"),
        (images.huge_header_jpeg(), 422, "像素过多"),
    ],
    ids=["php-named-jpg", "svg", "html", "30000x30000"],
)
def test_bad_images_are_refused_in_chinese(app, client, api, data, status, message):
    resp = put(client, api("inspector_a1"), data)
    assert resp.status_code == status and message in resp.json["error"]
    with app.app_context():
        assert db.session.get(Photo, images.sha(data)) is None


def test_heic_is_accepted(client, api):
    assert (
        put(client, api("inspector_a1"), images.heic(), content_type="image/heic").status_code
        == 201
    )


def test_oversize_body_is_413(app, client, api):
    headers = api("inspector_a1")
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    data = images.jpeg(2000, 1500, quality=100) + b"\0" * 300_000
    resp = put(client, headers, data)
    assert resp.status_code == 413 and "过大" in resp.json["error"]


@pytest.mark.parametrize("query", ["?captured_at=yesterday", "?lat=abc", "?lat=123"])
def test_bad_capture_metadata_is_400(client, api, query):
    assert put(client, api("inspector_a1"), images.jpeg(), query=query).status_code == 400


def test_malformed_sha_in_url_is_400(client, api):
    assert put(client, api("inspector_a1"), images.jpeg(), sha="ABC").status_code == 400


@pytest.mark.parametrize(
    "username,status", [("dept_catering", 403), ("owner_a1", 201), ("street_a", 201)]
)
def test_who_may_upload(client, api, username, status):
    assert put(client, api(username), images.jpeg(seed=11)).status_code == status


def test_anonymous_upload_is_401(client):
    data = images.jpeg()
    assert (
        client.put(f"/api/v1/photos/{images.sha(data)}", data=data, csrf=False).status_code == 401
    )
