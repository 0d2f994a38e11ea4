"""Peak memory of a server worker per upload kind and upload path (PRODUCT.md §12: ≤ 300 MB).

Measured in the real server: `fieldapp serve` (gunicorn, one sync worker) on a
throwaway demo instance. Before each upload the worker is replaced by a fresh
one, warmed up with a small photo on the same path, and its high-water mark
reset (`/proc/PID/clear_refs`); the figure is `VmHWM` after the upload, next
to the worker's resting RSS just before it (the same-run baseline).

`--code DIR` serves the fieldapp package found in DIR instead (e.g. an export of
an older commit: `git archive b4f054d | tar -x -C /tmp/old`) for a before/after.
"""

from __future__ import annotations

import argparse
import functools
import http.cookiejar
import io
import os
import re
import signal
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests import images  # the same real image makers the tests use

from .common import BIN, free_port, make_instance, save, serve, sign_in, table
from .photos import camera_like

BUDGET_MB = 300
CSRF_HEADER = "X-CSRFToken"


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def kinds(variant: int) -> dict[str, bytes]:
    """The uploads: real phone photos, the largest flat images still accepted, then bombs.

    Bombs are tiny files that claim many pixels (a one-colour lossless WebP
    spends no bits per pixel; a flat PNG compresses a thousandfold). Each variant
    differs a little: a photo the server already holds is not decoded again.
    """
    picture = _picture().copy()
    picture.paste((variant * 40 % 256, 255 - variant * 40 % 256, 0), (0, 0, 256, 256))
    v = variant
    return {
        "JPEG 12 MP (phone photo)": _encode(picture, "JPEG", quality=92),
        "HEIC 12 MP (iPhone photo)": _encode(picture, "HEIF", quality=85),
        "PNG 24 MP RGB (largest accepted)": images.png_bomb(6000 - v, 4000, "RGB"),
        "WebP 8 MP (largest accepted)": images.webp_bomb(3400 - v, 2400),
        "PNG bomb 8000×8000 RGBA": images.png_bomb(8000, 8000 - v, "RGBA"),
        "PNG bomb 7000×7000 RGBA (under 50 MP)": images.png_bomb(7000, 7000 - v, "RGBA"),
        "WebP bomb 16383×3900": images.webp_bomb(16383, 3900 - v),
        "WebP bomb 8000×6000 (under 50 MP)": images.webp_bomb(8000, 6000 - v),
    }


@functools.lru_cache(maxsize=1)
def _picture() -> Image.Image:
    return camera_like()


def small_photo(seed: int) -> bytes:
    """A distinct ordinary photo for warming a worker up."""
    im = Image.effect_mandelbrot(
        (800, 600), (-2.0 + seed * 0.01, -1.2, 1.0, 1.2), 30 + seed % 50
    ).convert("RGB")
    return _encode(im, "JPEG", quality=80)


def _status(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM", "VmRSS")):
                name, value = line.split(":")
                out[name] = int(value.split()[0]) // 1024
    return out


def _worker(master: int, old: int | None = None, timeout: float = 30) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except FileNotFoundError:
            children = []
        pids = [int(c) for c in children if int(c) != old]
        if pids:
            return pids[0]
        time.sleep(0.05)
    raise RuntimeError("gunicorn worker did not start")


@dataclass
class Target:
    """What the uploads go to: sessions, and the objects each path needs (one per upload)."""

    base: str
    cookie: str
    token: str
    csrf: str
    open_hazards: list[tuple[str, int]]
    enterprises: list[int]
    tenancies: list[tuple[int, int]]
    placards: list[str]


def _request(
    url: str, *, data: bytes | None = None, headers: dict | None = None, method: str = "POST"
) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def _multipart(fields: dict[str, str], photo: bytes, name: str = "photo") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="p.jpg"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(path: str, t: Target, data: bytes) -> int:
    """Send one photo along one upload path; return the HTTP status."""
    import hashlib

    form_headers = {"Cookie": t.cookie, CSRF_HEADER: t.csrf, "HX-Request": "true"}
    if path == "API PUT /api/v1/photos":
        return _request(
            f"{t.base}/api/v1/photos/{hashlib.sha256(data).hexdigest()}",
            data=data,
            method="PUT",
            headers={
                "Authorization": f"Bearer {t.token}",
                "Content-Type": "application/octet-stream",
            },
        )
    if path == "rectification form":
        hazard, version = t.open_hazards.pop()
        body, ctype = _multipart(
            {"action": "submit_rectification", "version": str(version), "note": "已整改"}, data
        )
        return _request(
            f"{t.base}/hazards/{hazard}/act",
            data=body,
            headers={**form_headers, "Content-Type": ctype},
        )
    if path == "public report":
        # Anonymous, as a passer-by: the form's own session and CSRF token.
        url = f"{t.base}/q/{t.placards.pop()}/report"
        jar = http.cookiejar.CookieJar()
        page = (
            urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            .open(url)
            .read()
            .decode()
        )
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body, ctype = _multipart({"description": "消防通道堆放杂物", "csrf_token": token}, data)
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        return _request(url, data=body, headers={"Content-Type": ctype, "Cookie": cookie})
    if path == "letter photo":
        body, ctype = _multipart({"kind": "notice", "year": "2020", "done_on": "2020-03-01"}, data)
        return _request(
            f"{t.base}/campaign/{t.enterprises.pop()}/letter",
            data=body,
            headers={**form_headers, "Content-Type": ctype},
        )
    if path == "tenancy agreement photo":
        landlord, tenant = t.tenancies.pop()
        body, ctype = _multipart({"tenant_id": str(tenant), "signed_on": "2025-03-01"}, data)
        return _request(
            f"{t.base}/campaign/{landlord}/agreement",
            data=body,
            headers={**form_headers, "Content-Type": ctype},
        )
    raise ValueError(path)


PATHS = [
    "API PUT /api/v1/photos",
    "rectification form",
    "public report",
    "letter photo",
    "tenancy agreement photo",
]


def _target(base: str, inst) -> Target:
    import json

    user, password = next(
        (u, p) for u, p in inst.logins.items() if u.startswith("district") or u == "admin"
    )
    cookie = sign_in(base, user, password)
    page = (
        urllib.request.urlopen(urllib.request.Request(f"{base}/", headers={"Cookie": cookie}))
        .read()
        .decode()
    )
    csrf = re.search(r'"X-CSRFToken": ?"([^"]+)"', page)
    token_body = json.dumps({"username": user, "password": password}).encode()
    token = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/api/v1/auth/token",
                data=token_body,
                headers={"Content-Type": "application/json"},
            )
        ).read()
    )["token"]
    db = sqlite3.connect(inst.database_url.removeprefix("sqlite:///"))
    hazards = db.execute(
        "SELECT uuid, version FROM hazards WHERE state = 'open' ORDER BY uuid"
    ).fetchall()
    ents = [
        r[0]
        for r in db.execute(
            "SELECT id FROM enterprises WHERE id NOT IN "
            "(SELECT enterprise_id FROM campaign_letters WHERE year = 2020) ORDER BY id"
        )
    ]
    # One landlord with one tenant (一企多租), for the agreement path.
    landlord, tenant = ents[0], ents[1]
    with db:
        db.execute("UPDATE enterprises SET hosts_tenants = 1 WHERE id = ?", (landlord,))
        db.execute("UPDATE enterprises SET landlord_id = ? WHERE id = ?", (landlord, tenant))
    tenancies = [(landlord, tenant)] * 50
    tokens = [
        r[0]
        for r in db.execute(
            "SELECT public_token FROM enterprises WHERE public_token IS NOT NULL ORDER BY id"
        )
    ]
    db.close()
    return Target(base, cookie, token, csrf.group(1), hazards, ents[2:], tenancies, tokens)


def run(*, code: str | None = None) -> dict:
    env_extra = {
        "FIELDAPP_PUBLIC_MAX_REPORTS_PER_HOUR": "100000",
        "FIELDAPP_PUBLIC_MAX_REPORTS_PER_PREMISES_DAY": "100000",
        "FIELDAPP_PUBLIC_MAX_REQUESTS_PER_MINUTE": "100000",
    }
    if code:
        env_extra["PYTHONPATH"] = str(Path(code).resolve())
    os.environ.update(env_extra)
    inst = make_instance(enterprises=60, seed=7)
    results: dict[str, dict[str, dict]] = {}
    port = free_port()
    argv = [
        str(BIN / "fieldapp"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    base = f"http://127.0.0.1:{port}"
    with serve(argv, inst.env, f"{base}/healthz") as proc:
        master = proc.pid  # `fieldapp serve` runs the gunicorn master in its own process
        t = _target(base, inst)
        seed = 0
        for variant, path in enumerate(PATHS):
            inputs = kinds(variant)
            for kind, data in inputs.items():
                old = _worker(master)
                os.kill(old, signal.SIGTERM)  # gunicorn forks a fresh worker in its place
                worker = _worker(master, old)
                urllib.request.urlopen(f"{base}/healthz").read()
                seed += 1
                warm = upload(path, t, small_photo(seed))
                Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
                rest = _status(worker)["VmRSS"]
                status = upload(path, t, data)
                after = _status(worker)
                results.setdefault(kind, {})[path] = {
                    "status": status,
                    "rest_mb": rest,
                    "peak_mb": after["VmHWM"],
                    "after_mb": after["VmRSS"],
                    "warmup_status": warm,
                    "bytes": len(data),
                }
                print(
                    f"  {path:<26} {kind:<40} {status}  rest {rest} MB  peak {after['VmHWM']} MB  after {after['VmRSS']} MB"
                )
    rows = []
    for kind, by_path in results.items():
        peak = max(r["peak_mb"] for r in by_path.values())
        size = next(iter(by_path.values()))["bytes"]
        rows.append(
            [
                kind,
                f"{size / 1e3:,.0f} KB" if size >= 1000 else f"{size} B",
                *(f"{r['peak_mb']} ({r['status']})" for r in by_path.values()),
                "OK" if peak <= BUDGET_MB else "OVER",
            ]
        )
    rest = [r["rest_mb"] for by_path in results.values() for r in by_path.values()]
    print(
        f"\nworker at rest before each upload (same-run baseline): {min(rest)}–{max(rest)} MB; "
        f"peak VmHWM in MB (HTTP status), budget ≤ {BUDGET_MB} MB\n"
    )
    print(table(rows, ["upload", "size", *PATHS, "verdict"]))
    save("memory" + ("-" + Path(code).name if code else ""), results)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--code", help="serve the fieldapp package found in this directory (before/after)"
    )
    run(code=parser.parse_args(argv).code)


if __name__ == "__main__":
    main()
