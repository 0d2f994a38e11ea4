"""The service worker, the manifest and its icons, the offline page."""

from __future__ import annotations

import io

from PIL import Image


def test_service_worker_is_served_from_the_root_uncached_with_versioned_assets(client):
    resp = client.get("/sw.js")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert (
        resp.headers["Cache-Control"] == "no-cache"
        and resp.headers["Service-Worker-Allowed"] == "/"
    )
    assert "/static/vendor/htmx-2.0.11/htmx.min.js?v=" in body and '"/inspect/walk"' in body
    assert "HX-Request" in body  # htmx fragments are never cached


def test_worker_version_follows_the_assets(client, app):
    first = client.get("/sw.js").get_data(as_text=True).splitlines()[0]
    app.jinja_env.globals["asset"] = lambda path: f"/static/{path}?v=changed"
    assert client.get("/sw.js").get_data(as_text=True).splitlines()[0] != first


def test_manifest_and_icons(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.json
    assert (
        data["start_url"] == "/inspect"
        and data["display"] == "standalone"
        and data["lang"] == "zh-CN"
    )
    sizes = set()
    for icon in data["icons"]:
        with client.get(icon["src"]) as png:  # static files stream: close them
            assert png.status_code == 200
            sizes.add(Image.open(io.BytesIO(png.get_data())).size)
    assert {(192, 192), (512, 512)} <= sizes
    assert any(i.get("purpose") == "maskable" for i in data["icons"])


def test_offline_page_works_signed_out(client):
    resp = client.get("/offline")
    assert resp.status_code == 200 and "当前无网络" in resp.get_data(as_text=True)


def test_pages_name_the_manifest_and_the_role(world, login):
    html = login("inspector_a1").get("/inspect").get_data(as_text=True)
    assert 'rel="manifest"' in html and 'data-role="inspector"' in html and "data-ios-hint" in html
