"""一企一档 for a large record: file size, export and verify time, and opening it on a phone.

One premises with 50 visits and 200 photos (two failed items per visit, each
with a before photo; each hazard rectified with an after photo and verified),
made through the real domain functions in a throwaway SQLite instance. Photos
are phone uploads as the browser sends them (2048×1536 JPEG with photo-like
detail, each different) through the real pipeline. The file is then opened in
Chromium at phone size (360 px, CPU slowed 4×, network off) from file://, every
image decoded, and printed to A4 PDF.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from .common import save, table

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def picture(i: int, width: int = 2048, height: int = 1536) -> bytes:
    """A phone-sized photo with smooth areas, edges and sensor noise; every i gives another picture."""
    x = -2.0 + (i % 20) * 0.03
    tiles = Image.effect_mandelbrot(
        (width // 4, height // 4), (x, -1.2, x + 3.0, 1.2), 60 + i % 40
    ).resize((width, height))
    base = Image.radial_gradient("L").resize((width, height))
    im = Image.blend(
        Image.merge("RGB", (base, tiles, base.rotate(90 * (i % 4)))), tiles.convert("RGB"), 0.5
    )
    im = Image.blend(im, Image.effect_noise((width, height), 28).convert("RGB"), 0.2)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def build(app, visits: int, now: datetime) -> int:
    """Give one premises `visits` visits, each with two failed items, rectified and verified; return its id."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from fieldapp import demo, hazards, photos
    from fieldapp import visits as visits_mod
    from fieldapp.extensions import db
    from fieldapp.models import Enterprise, User, user_grids

    upgrade()
    demo.build(enterprises=8, seed=9, now=now, password_hasher=lambda p: "!")
    ent = db.session.scalar(
        select(Enterprise).where(Enterprise.grid_id.is_not(None)).order_by(Enterprise.id)
    )
    inspector = db.session.get(
        User,
        db.session.scalar(select(user_grids.c.user_id).where(user_grids.c.grid_id == ent.grid_id)),
    )
    street = db.session.scalar(
        select(User).where(User.role == "street", User.street_id == ent.street_id)
    )
    lists = app.extensions["checklists"].for_enterprise(ent)
    items = [(c, item) for c in lists for item in c.items if not item.major][:2]
    n = 0
    for v in range(visits):
        at = now - timedelta(days=80) + timedelta(days=v * 80 / visits)

        def shot(by, when):
            nonlocal n
            data = picture(n)
            n += 1
            sha = hashlib.sha256(data).hexdigest()
            photos.ingest(sha, data, photos.Meta(captured_at=when), actor=by, now=when)
            return sha

        answers = [
            {"checklist": c.id, "item": item.key, "result": "pass"}
            for c in lists
            for item in c.items
            if (c, item) not in items
        ]
        ids = {}
        for c, item in items:
            ids[item.key] = str(uuid.uuid4())
            answers.append(
                {
                    "checklist": c.id,
                    "item": item.key,
                    "result": "fail",
                    "note": "现场发现问题",
                    "photos": [shot(inspector, at)],
                    "hazard": {"uuid": ids[item.key], "description": f"第 {v + 1} 次检查发现"},
                }
            )
        body = {
            "enterprise_id": ent.id,
            "checklists": [{"id": c.id, "version": c.version} for c in lists],
            "started_at": (at - timedelta(minutes=30)).isoformat(),
            "finished_at": at.isoformat(),
            "location": {"lat": 24.9, "lng": 118.6, "accuracy_m": 10},
            "answers": answers,
        }
        visits_mod.receive(str(uuid.uuid4()), body, actor=inspector, now=at + timedelta(minutes=5))
        for hid in ids.values():
            fixed = at + timedelta(days=1)
            hazards.transition(
                hid,
                "submit_rectification",
                actor=inspector,
                now=fixed,
                version=1,
                note="已整改",
                photos=[shot(inspector, fixed)],
            )
            hazards.transition(
                hid, "verify", actor=street, now=fixed + timedelta(hours=2), version=2
            )
        db.session.commit()
    return ent.id


def open_on_phone(path: Path) -> dict:
    """Open the file in Chromium at phone size, CPU slowed 4×, network off; decode every image; print."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
        )
        context.set_offline(True)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        started = time.perf_counter()
        page.goto(path.as_uri(), wait_until="domcontentloaded", timeout=300_000)
        dom_s = time.perf_counter() - started
        page.wait_for_load_state("load", timeout=300_000)
        load_s = time.perf_counter() - started
        widths = page.evaluate(
            "Promise.all([...document.images].map(i => i.decode().then(() => i.naturalWidth, () => 0)))"
        )
        decoded_s = time.perf_counter() - started
        heap = cdp.send("Runtime.getHeapUsage")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        started = time.perf_counter()
        pdf = page.pdf(format="A4")
        pdf_s = time.perf_counter() - started
        browser.close()
    return {
        "dom_s": dom_s,
        "load_s": load_s,
        "all_images_decoded_s": decoded_s,
        "images": len(widths),
        "images_ok": sum(w > 0 for w in widths),
        "js_heap_mb": heap["usedSize"] / 1e6,
        "pdf_pages": pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"),
        "pdf_mb": len(pdf) / 1e6,
        "pdf_s": pdf_s,
    }


def run(visits: int, keep: Path | None) -> dict:
    """Build, export, verify, open and print the record; print and save the figures."""
    from fieldapp import create_app
    from fieldapp.archive import collect, render, verify
    from fieldapp.archive.cli import CONSOLE
    from fieldapp.extensions import db

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-archive-") as tmp:
        root = Path(tmp)
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{root / 'bench.sqlite3'}",
                "DATA_DIR": str(root / "data"),
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            started = time.perf_counter()
            ent_id = build(app, visits, now)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            doc = collect.collect(ent_id, actor=CONSOLE, now=now)
            out = (keep or root) / "archive.html"
            with out.open("wb") as fh:
                written = render.write(doc, fh)
            export_s = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        started = time.perf_counter()
        report = verify.verify_file(out)
        verify_s = time.perf_counter() - started
        shown = [p for p in collect.section_data(doc, "photos") if p.get("display")]
        display = sum(p["display"]["bytes"] for p in shown)
        results = {
            "visits": len(collect.section_data(doc, "visits")),
            "hazards": len(collect.section_data(doc, "hazards")),
            "photos": len(shown),
            "events": len(collect.section_data(doc, "audit")["events"]),
            "file_mb": written.size / 1e6,
            "display_copies_mb": display / 1e6,
            "display_mean_kb": display / max(1, len(shown)) / 1024,
            "non_photo_mb": (written.size - display * 4 / 3) / 1e6,
            "build_s": build_s,
            "export_s": export_s,
            "verify_s": verify_s,
            "verify_ok": report.ok,
            **open_on_phone(out),
        }
    rows = [
        [
            "record",
            f"{results['visits']} visits, {results['hazards']} hazards, {results['photos']} photos, {results['events']} events",
        ],
        [
            "file size",
            f"{results['file_mb']:.1f} MB (display copies {results['display_copies_mb']:.1f} MB, "
            f"mean {results['display_mean_kb']:.0f} KB; everything else {results['non_photo_mb']:.2f} MB)",
        ],
        [
            "export / verify",
            f"{results['export_s']:.1f} s / {results['verify_s']:.1f} s (verify ok: {results['verify_ok']})",
        ],
        [
            "phone (360 px, CPU 4× slower)",
            f"DOM {results['dom_s']:.1f} s, load {results['load_s']:.1f} s, "
            f"all {results['images_ok']}/{results['images']} images decoded {results['all_images_decoded_s']:.1f} s, "
            f"JS heap {results['js_heap_mb']:.0f} MB",
        ],
        [
            "print to A4 PDF",
            f"{results['pdf_pages']} pages, {results['pdf_mb']:.1f} MB, {results['pdf_s']:.1f} s",
        ],
    ]
    print(table(rows, ["what", "measured"]))
    save("archive", results)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--visits",
        type=int,
        default=50,
        help="visits (two photographed hazards each, rectified: 4 photos per visit)",
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the archive file in")
    args = parser.parse_args(argv)
    run(args.visits, args.keep)


if __name__ == "__main__":
    main()
