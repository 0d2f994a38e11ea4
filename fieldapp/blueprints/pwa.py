"""The progressive web app: service worker at the root, manifest, offline page."""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import Blueprint, current_app, jsonify, render_template

from .. import HTMX_PATH, QRCODE_PATH
from ..htmx import is_htmx

bp = Blueprint("pwa", __name__)

# Static files the phone keeps for a day without signal: every script and style the shell
# pages load (a web test checks the pages against this list).
SHELL_ASSETS = [
    "css/app.css",
    "css/print.css",
    HTMX_PATH,
    "js/app.js",
    "js/store.js",
    "js/net.js",
    "js/sync.js",
    "js/status.js",
    "js/photo.js",
    "js/upload.js",
    "js/walk-answers.js",
    "js/walk-render.js",
    "js/walk-photos.js",
    "js/walk.js",
    # loaded by the walk when needed (offline too): the rechecks, then the finishing step
    "js/walk-recheck.js",
    "js/walk-finish.js",
    "js/walk-fire.js",
    "js/walk-sign.js",
    "js/walk-submit.js",
    # a visit to a unit found in the field that the office has since decided (the outbox and notice too)
    "js/walk-unit.js",
    "js/outbox.js",
    "js/print.js",
    "js/scan.js",
    "js/notice.js",
    QRCODE_PATH,
    "js/unit.js",
    "img/icon.svg",
    "img/icon-192.png",
    "img/icon-maskable-192.png",
]
# Pages the worker serves from its cache when there is no network.
SHELL_PAGES = ["/inspect/walk", "/inspect/outbox", "/inspect/notice", "/inspect/unit", "/offline"]
# The server marks its own app pages with the worker version they belong to. The worker
# caches a page only with its own version: never a captive portal's page, never a page
# whose assets it does not hold.
SHELL_HEADER = "X-Fieldapp-Shell"


def shell() -> tuple[list[str], str]:
    asset = current_app.jinja_env.globals["asset"]
    urls = [asset(a) for a in SHELL_ASSETS]
    version = hashlib.sha256("|".join(urls + SHELL_PAGES).encode()).hexdigest()[:12]
    return urls, version


def shell_page(view):
    """Mark a full page of the app shell with the worker version it belongs to."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        resp = current_app.make_response(view(*args, **kwargs))
        if resp.status_code == 200 and resp.mimetype == "text/html" and not is_htmx():
            resp.headers[SHELL_HEADER] = shell()[1]
        return resp

    return wrapped


@bp.get("/sw.js")
def service_worker():
    urls, version = shell()
    body = render_template(
        "pwa/sw.js", assets=urls, pages=SHELL_PAGES, version=version, header=SHELL_HEADER
    )
    resp = current_app.response_class(body, mimetype="text/javascript")
    # The browser must always ask for a new worker, or an old one lives on for a day.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/manifest.webmanifest")
def manifest():
    asset = current_app.jinja_env.globals["asset"]
    resp = jsonify(
        {
            "name": "网格安全巡查",
            "short_name": "网格巡查",
            "description": "网格员安全检查、隐患整改跟踪闭环",
            "lang": "zh-CN",
            "start_url": "/inspect",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f4f5f7",
            "theme_color": "#0b5cad",
            "icons": [
                {"src": asset("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": asset("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": asset("img/icon-maskable-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {
                    "src": asset("img/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    )
    resp.mimetype = "application/manifest+json"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/offline")
@shell_page
def offline():
    return render_template("pwa/offline.html")
