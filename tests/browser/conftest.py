"""A live server and Debian's Chromium, driven by Playwright at phone sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from ..live import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free localhost port in a thread."""
    # Closing the server waits for requests still answering, so one in flight when the
    # test ends gives its database connection back before the app fixture disposes of
    # the pool; files sent are closed before they are written (tests/live.py).
    with serve(app) as url:
        yield url


PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}


def new_context(browser, playwright, base_url: str, size: dict, **kw):
    """A browser context at one screen size: a touch phone (Pixel 7 at 360 px) or an office PC."""
    if size["width"] < 720:
        device = dict(playwright.devices["Pixel 7"])
        device["viewport"] = dict(size)
        device["screen"] = dict(size)
    else:
        device = {"viewport": dict(size), "screen": dict(size)}
    context = browser.new_context(
        **device, **kw, base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    # A wait, not a budget (budgets are measured in test_walk_budget.py and bench/): on two
    # workers sharing two cores with PostgreSQL, a phone shrinking a photo took over 10 s.
    context.set_default_timeout(30_000)
    return context


def watched_page(context):
    """A page that collects console errors, page errors and failed responses (login refusals aside)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and "/login" not in r.url
            else None
        ),
    )
    page.console_errors = errors
    return page


@pytest.fixture
def phone(browser, playwright, live_server):
    """A fresh browser context sized like a cheap Android phone (360 px wide)."""
    context = new_context(browser, playwright, live_server, PHONE)
    yield watched_page(context)
    context.close()


@pytest.fixture
def desktop(browser, playwright, live_server):
    """A fresh browser context sized like an office PC's screen (1366 × 768)."""
    context = new_context(browser, playwright, live_server, DESKTOP)
    yield watched_page(context)
    context.close()


def sign_in(page, username: str, password: str = "password123") -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/login" not in page.url, "sign-in failed"


def fits_width(page) -> bool:
    """Say whether the page has no horizontal scroll at its viewport width.

    Against the layout width (clientWidth), not innerWidth: a mobile browser zooms out to
    show content wider than the screen, and innerWidth grows with it.
    """
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
