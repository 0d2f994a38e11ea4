"""The phone side, measured in Chromium against `fieldapp serve` (PRODUCT.md §12).

- page weight: inspector pages' first load, every byte gzip-compressed (as the
  reverse proxy sends them) ≤ 60 KB; repeat load: shell assets from the worker.
- offline bundle for an inspector with ~150 premises.
- a day's queue (15 visits, 60 photos) synced on loopback ≤ 10 s, then replayed
  three times: 0 duplicates.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import time
import urllib.request
import uuid

from playwright.sync_api import sync_playwright

from .common import make_instance, save, serve_fieldapp, table

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGE_BUDGET_KB = 60
SYNC_BUDGET_S = 10


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def wait_until(page, expression: str, timeout_s: float = 60):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise RuntimeError(f"timed out: {expression}")


def sign_in(page, username: str, password: str):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def page_weight(browser, base: str, inst, user: str) -> dict:
    ctx = browser.new_context(base_url=base, viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = ctx.new_page()
    sign_in(page, user, inst.logins[user])
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.wait_for_timeout(500)
    out = {}
    for label, path in (
        ("premises list", "/inspect"),
        ("visit form", "/inspect/walk?enterprise=1"),
    ):
        # First load: a fresh context with the session cookie, no HTTP cache, no worker yet.
        cold = browser.new_context(
            base_url=base, viewport={"width": 360, "height": 740}, service_workers="block"
        )
        cold.add_cookies(ctx.cookies())
        p = cold.new_page()
        sizes = []
        p.on("response", lambda r: sizes.append((r.url, r.body())) if r.ok else None)
        p.goto(path)
        p.wait_for_load_state("networkidle")
        first = sum(gz(b) for _, b in sizes if "/api/" not in _)
        cold.close()
        # Repeat load in the context whose worker is installed: which shell assets still hit the network?
        net = []
        page.on("request", lambda r: net.append(r) if "/static/" in r.url else None)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        from_network = [
            r.url for r in net if not (r.response() and r.response().from_service_worker)
        ]
        out[label] = {
            "first_load_kb": first / 1024,
            "requests": len(sizes),
            "repeat_static_requests": len(net),
            "repeat_static_from_network": len(from_network),
        }
        net.clear()
    ctx.close()
    return out


def photo_bytes(seed: int) -> bytes:
    """A phone-downscaled photo: 1600×1200 JPEG with real detail (~250 KB)."""
    from PIL import Image

    im = Image.effect_mandelbrot((1600, 1200), (-2.0 + seed * 0.01, -1.2, 1.0, 1.2), 60).convert(
        "RGB"
    )
    noise = Image.effect_noise((1600, 1200), 30).convert("RGB")
    buf = io.BytesIO()
    Image.blend(im, noise, 0.25).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def day_queue(
    bundle: dict, n_visits: int = 15, photos_per_visit: int = 4
) -> tuple[list[dict], dict[str, bytes]]:
    """Outbox items as the walk makes them: each visit fails some items with photos."""
    import hashlib

    lists = {(c["id"], c["version"]): c for c in bundle["checklists"]}
    items, blobs = [], {}
    for v in range(n_visits):
        premises = bundle["enterprises"][v % len(bundle["enterprises"])]
        answers, shots, expected = [], [], 0
        for ref in premises["checklists"]:
            for i, item in enumerate(lists[(ref["id"], ref["version"])]["items"]):
                fail = len(shots) < photos_per_visit and i % 3 == 1
                photos = []
                if fail:
                    data = photo_bytes(v * 10 + len(shots))
                    sha = hashlib.sha256(data).hexdigest()
                    blobs[sha] = data
                    photos, shots = [sha], shots + [sha]
                    expected += 1
                answers.append(
                    {
                        "checklist": ref["id"],
                        "item": item["key"],
                        "result": "fail" if fail else "pass",
                        "note": "现场检查发现" if fail else "",
                        "photos": photos,
                        "hazard": {
                            "uuid": str(uuid.uuid4()),
                            "description": "",
                            "level": "major" if item["major"] else "general",
                            "deadline": None,
                            "fixed_on_spot": False,
                            "after_photos": [],
                        }
                        if fail
                        else None,
                    }
                )
        vid = str(uuid.uuid4())
        items.append(
            {
                "uuid": vid,
                "type": "visit",
                "enterprise_id": premises["id"],
                "enterprise_name": premises["name"],
                "photos": shots,
                "expected_hazards": expected,
                "answers": answers,
                "checklists": [
                    {"id": ref["id"], "version": ref["version"]} for ref in premises["checklists"]
                ],
            }
        )
    return items, blobs


def sync_day(browser, base: str, inst, user: str) -> dict:
    ctx = browser.new_context(
        base_url=base, viewport={"width": 360, "height": 740}, bypass_csp=True
    )
    page = ctx.new_page()
    sign_in(page, user, inst.logins[user])
    wait_until(page, "window.FA && FA.store && FA.sync && true")
    wait_until(page, "FA.store.get('kv','last_user').then(u => !!u)")
    bundle = page.evaluate("FA.store.get('kv','last_user').then(u => FA.sync.bundle(u.id, true))")
    items, blobs = day_queue(bundle)
    total_bytes = sum(len(b) for b in blobs.values())
    # Load the queue into IndexedDB exactly as the walk stores it.
    page.evaluate(
        """async ({items, blobs}) => {
        const user = await FA.store.get('kv', 'last_user');
        for (const [sha, b64] of Object.entries(blobs)) {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            await FA.store.put('photos', {sha, blob: new Blob([bytes], {type: 'image/jpeg'}), type: 'image/jpeg',
                                          captured_at: new Date().toISOString(), user_id: user.id, uploaded: false});
        }
        const today = new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai'}).format(new Date());
        const d = new Date(today + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 30);
        for (const it of items) {
            for (const a of it.answers) if (a.hazard) { a.hazard.deadline = d.toISOString().slice(0, 10); a.hazard.deadline_reason = '压力测试'; }
            const now = new Date();
            it.body = {enterprise_id: it.enterprise_id, checklists: it.checklists,
                       started_at: new Date(now - 1800e3).toISOString(), finished_at: now.toISOString(),
                       location: null, location_status: 'denied', answers: it.answers};
            delete it.answers; delete it.checklists;
            it.user_id = user.id; it.state = 'pending'; it.attempts = 0; it.created_at = Date.now();
            await FA.store.put('outbox', it);
        }
    }""",
        {"items": items, "blobs": {k: base64.b64encode(v).decode() for k, v in blobs.items()}},
    )
    t0 = time.perf_counter()
    page.evaluate("FA.sync.run({force: true})")
    wait_until(
        page,
        "FA.store.all('outbox').then(xs => xs.every(x => x.state === 'synced' || x.state === 'failed' || x.state === 'conflict'))",
        120,
    )
    elapsed = time.perf_counter() - t0
    states = page.evaluate(
        "FA.store.all('outbox').then(xs => xs.map(x => x.state + (x.error ? ':' + x.error : '')))"
    )
    # Replay everything 3 times (as a phone that lost its receipts would): nothing new may appear.
    before = counts(base, inst)
    for _ in range(3):
        page.evaluate("""FA.store.all('outbox').then(xs => Promise.all(xs.map(x => { x.state = 'pending'; return FA.store.put('outbox', x); })))
                         .then(() => FA.store.all('photos')).then(ps => Promise.all(ps.map(p => { p.uploaded = false; return FA.store.put('photos', p); })))""")
        page.evaluate("FA.sync.run({force: true})")
        wait_until(
            page, "FA.store.all('outbox').then(xs => xs.every(x => x.state === 'synced'))", 120
        )
    after = counts(base, inst)
    ctx.close()
    return {
        "visits": len(items),
        "photos": len(blobs),
        "bytes": total_bytes,
        "seconds": elapsed,
        "states": states,
        "counts_before_replay": before,
        "counts_after_replay": after,
    }


def counts(base: str, inst) -> dict:
    import sqlite3

    path = inst.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("visits", "hazards", "photos", "answers")
        }


def bundle_size(base: str, inst) -> dict:
    """The offline bundle of an inspector holding four grids of 常泰街道 (~150 premises)."""
    inst.cli(
        "user",
        "create",
        "bench-grid4",
        "--role",
        "inspector",
        "--grid",
        "CT-01",
        "--grid",
        "CT-02",
        "--grid",
        "CT-03",
        "--grid",
        "CT-04",
        input="bench-password-1\n",
    )
    req = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"username": "bench-grid4", "password": "bench-password-1"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    token = json.load(urllib.request.urlopen(req))["token"]
    body = urllib.request.urlopen(
        urllib.request.Request(
            f"{base}/api/v1/bootstrap", headers={"Authorization": f"Bearer {token}"}
        )
    ).read()
    data = json.loads(body)
    return {
        "premises": len(data["enterprises"]),
        "checklists": len(data["checklists"]),
        "hazards": len(data["hazards"]),
        "raw_kb": len(body) / 1024,
        "gzip_kb": gz(body) / 1024,
    }


def run() -> dict:
    inst = make_instance()
    with serve_fieldapp(inst, workers=2, cpu=0) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        weight = page_weight(browser, base, inst, "inspector-ky-01")
        day = sync_day(browser, base, inst, "inspector-ct-01")
        bundle = bundle_size(base, inst)
        browser.close()
    rows = [
        [
            label,
            f"{w['first_load_kb']:.1f}",
            f"≤ {PAGE_BUDGET_KB}",
            "OK" if w["first_load_kb"] <= PAGE_BUDGET_KB else "OVER",
            f"{w['repeat_static_from_network']}/{w['repeat_static_requests']}",
        ]
        for label, w in weight.items()
    ]
    print("\nPage weight (gzip -6 of every response; repeat load with the worker installed)\n")
    print(
        table(rows, ["page", "first load KB", "budget", "verdict", "static from network on repeat"])
    )
    dup = {
        k: day["counts_after_replay"][k] - day["counts_before_replay"][k]
        for k in day["counts_before_replay"]
    }
    print(
        f"\nA day's queue: {day['visits']} visits, {day['photos']} photos ({day['bytes'] / 1e6:.1f} MB) synced in "
        f"{day['seconds']:.1f} s on loopback (budget ≤ {SYNC_BUDGET_S} s: {'OK' if day['seconds'] <= SYNC_BUDGET_S else 'OVER'}); "
        f"after 3 full replays: {sum(dup.values())} duplicates {dup}"
    )
    bad = [s for s in day["states"] if not s.startswith("synced")]
    if bad:
        print("  not synced:", bad[:3])
    print(
        f"\nOffline bundle: {bundle['premises']} premises, {bundle['checklists']} checklists, {bundle['hazards']} open hazards: "
        f"{bundle['raw_kb']:.0f} KB raw, {bundle['gzip_kb']:.0f} KB gzip"
    )
    result = {"weight": weight, "day": day, "bundle": bundle}
    save("client", result)
    return result


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    run()


if __name__ == "__main__":
    main()
