"""The progressive web app: service worker at the root, manifest, offline page."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, jsonify, render_template

from .. import HTMX_PATH

bp = Blueprint("pwa", __name__)

# Static files the phone keeps for a day without signal.
SHELL_ASSETS = ["css/app.css", "css/print.css", HTMX_PATH, "js/app.js", "js/store.js", "js/photo.js", "js/upload.js",
                "js/sync.js", "js/walk.js", "js/outbox.js", "js/print.js", "js/scan.js", "js/notice.js", "img/icon.svg",
                "img/icon-192.png", "img/icon-maskable-192.png"]
# Pages the worker serves from its cache when there is no network.
SHELL_PAGES = ["/inspect/walk", "/inspect/outbox", "/inspect/notice", "/offline"]


def shell() -> tuple[list[str], str]:
    asset = current_app.jinja_env.globals["asset"]
    urls = [asset(a) for a in SHELL_ASSETS]
    version = hashlib.sha256("|".join(urls + SHELL_PAGES).encode()).hexdigest()[:12]
    return urls, version


@bp.get("/sw.js")
def service_worker():
    urls, version = shell()
    body = render_template("pwa/sw.js", assets=urls, pages=SHELL_PAGES, version=version)
    resp = current_app.response_class(body, mimetype="text/javascript")
    # The browser must always ask for a new worker, or an old one lives on for a day.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/manifest.webmanifest")
def manifest():
    asset = current_app.jinja_env.globals["asset"]
    resp = jsonify({
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
            {"src": asset("img/icon-maskable-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
            {"src": asset("img/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    })
    resp.mimetype = "application/manifest+json"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/offline")
def offline():
    return render_template("pwa/offline.html")
