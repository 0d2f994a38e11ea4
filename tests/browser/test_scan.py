"""Scanning a placard where the browser has no BarcodeDetector: the vendored jsQR reads the camera.

Issue 21, finding 10: scanning needed BarcodeDetector, which iPhone Safari and this Chromium
lack, so the fallback was typing a 32-character link. Chromium's fake camera plays a
placard's QR (the PNG the office downloads) to the scan page, with BarcodeDetector removed.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fieldapp import placards
from fieldapp.extensions import db
from fieldapp.models import Enterprise

from .conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, new_context, watched_page

pytestmark = pytest.mark.browser


def placard_video(qr_png: bytes, path) -> None:
    """A 640×480 Y4M clip (what Chromium's fake camera plays) of the QR held up on white."""
    qr = Image.open(io.BytesIO(qr_png)).convert("L")
    qr.thumbnail((400, 400))
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)  # grey: no colour
    header = b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n"
    path.write_bytes(header + b"".join(b"FRAME\n" + y + chroma + chroma for _ in range(10)))


@pytest.fixture
def camera(playwright, app, world, tmp_path):
    """A Chromium whose camera shows a1's placard QR."""
    with app.app_context():
        url = placards.public_url(
            app.config["BASE_URL"], db.session.get(Enterprise, world.ents["a1"])
        )
    clip = tmp_path / "placard.y4m"
    placard_video(placards.qr_png(url), clip)
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    yield browser
    browser.close()


def test_the_vendored_decoder_reads_a_placard_from_the_camera(
    camera, playwright, live_server, world
):
    context = new_context(camera, playwright, live_server, PHONE, permissions=["camera"])
    context.add_init_script(
        "delete window.BarcodeDetector;"
    )  # as on an iPhone, whatever this Chromium has
    page = watched_page(context)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto("/login")
    page.get_by_label("用户名").fill("inspector_a1")
    page.get_by_label("密码").fill("password123")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()

    page.goto("/inspect/scan")
    assert not any("jsQR" in u for u in fetched), "the decoder loads only when scanning starts"
    page.get_by_role("button", name="打开摄像头扫码").click()
    page.wait_for_url(f"**/enterprises/{world.ents['a1']}")
    assert [u for u in fetched if "jsQR" in u] and all(
        "/static/vendor/jsqr-1.4.0/" in u for u in fetched if "jsQR" in u
    )
    assert page.console_errors == []
    context.close()


def test_no_other_page_loads_the_decoder(phone, world):
    phone.goto("/login")
    phone.get_by_label("用户名").fill("inspector_a1")
    phone.get_by_label("密码").fill("password123")
    with phone.expect_navigation():
        phone.locator("main button[type=submit]").click()
    for path in ["/inspect", "/inspect/outbox", f"/enterprises/{world.ents['a1']}"]:
        phone.goto(path)
        assert phone.evaluate("typeof window.jsQR") == "undefined"
        assert "jsqr" not in phone.content().lower(), path
