"""With S3 configured, an uploaded photo lands in the bucket and is served back from it."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.storage_s3 import S3Storage, from_config

from .. import images
from ..conftest import Client, base_config
from ..factories import build_world, visit_body


@pytest.fixture
def s3_app(database, tmp_path, s3_bucket):
    app = create_app({**base_config(database.fresh(tmp_path), tmp_path), **s3_bucket})
    app.test_client_class = Client
    with app.app_context():
        world = build_world()
    yield app, world, s3_bucket
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["photo_storage"].client.close()


def test_photo_put_through_the_api_is_stored_in_the_bucket_and_served(s3_app, tmp_path):
    app, world, settings = s3_app
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    data = images.jpeg(orientation=6)
    sha = hashlib.sha256(data).hexdigest()
    assert (
        client.put(
            f"/api/v1/photos/{sha}", data=data, headers={**bearer, "Content-Type": "image/jpeg"}
        ).status_code
        == 201
    )
    body = visit_body(world.ents["a1"], photos={"extinguishers": [sha], "gas_alarm": [sha]})
    resp = client.put(
        "/api/v1/visits/7d1c7c51-4a5e-4d0a-9f0e-2a8f3f2b6c11", json=body, headers=bearer
    )
    assert resp.status_code == 201, resp.json

    assert isinstance(app.extensions["photo_storage"], S3Storage)
    bucket = from_config(settings)
    try:
        names = sorted(
            o["Key"]
            for o in bucket.client.list_objects_v2(Bucket=settings["S3_BUCKET"])["Contents"]
        )
        assert names == [
            f"display/{sha[:2]}/{sha}.jpg",
            f"original/{sha[:2]}/{sha}",
            f"thumb/{sha[:2]}/{sha}.jpg",
        ]
        assert bucket.get(f"original/{sha[:2]}/{sha}") == data  # the evidence, byte for byte
    finally:
        bucket.client.close()
    assert not (tmp_path / "data" / "photos").exists()  # nothing went to the local disk

    browser = app.test_client()
    browser.login("inspector_a1")
    shown = browser.get(f"/photos/{sha}/display.jpg")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(shown.data)) as im:
        assert im.size[0] < im.size[1]  # the oriented display copy, read back from S3
