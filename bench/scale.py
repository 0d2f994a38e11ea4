"""District and city scale on PostgreSQL: inspectors syncing while offices browse, several workers.

For each scale a fresh PostgreSQL database is filled through the real CLI
(`fieldapp demo`; at city scale `--bulk`), served by `fieldapp serve --workers N` (gunicorn), and loaded
for a fixed time by closed-loop clients: inspector threads sync visits the way
the phone does (bootstrap, PUT each photo, PUT the visit) with bearer tokens,
office threads browse the register, the rectification list and the JSON lists.
Reported per request type: client latency p50/p95, server time p50/p95 (the
app's own Server-Timing), throughput and errors; then how each grows from
district to city scale.

Honest limits: the machine has 2 cores shared by PostgreSQL, the gunicorn
workers and this Python load generator, so the figures are lower bounds of
what a dedicated server does, and throughput is the whole box's.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import random
import shutil
import statistics
import struct
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from .common import BIN, Instance, free_port, make_instance, save, serve, sign_in, table

ADMIN_URL = "postgresql://fieldapp_test:fieldapp_test@127.0.0.1:5432/postgres"
PHOTOS_PER_VISIT = 2
BOOTSTRAP_EVERY = 5  # visits between bundle refreshes, as a sync run refreshes it


@contextlib.contextmanager
def pg_database(admin_url: str, label: str):
    """Create an empty PostgreSQL database for one run; drop it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from fieldapp.config import normalize_database_url

    admin = create_engine(make_url(normalize_database_url(admin_url)), isolation_level="AUTOCOMMIT")
    name = f"fieldapp_bench_{label}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_facts(url: str) -> dict:
    from sqlalchemy import create_engine, text

    from fieldapp.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.connect() as conn:
        facts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("enterprises", "visits", "answers", "hazards", "audit_events", "photos")
        }
        facts["open_hazards"] = conn.execute(
            text("SELECT count(*) FROM hazards WHERE state <> 'closed'")
        ).scalar_one()
        facts["db_mb"] = (
            conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() / 1e6
        )
    engine.dispose()
    return facts


def unique_jpeg(base: bytes, n: int) -> bytes:
    """The same picture with a COM segment carrying `n`: a valid JPEG with its own SHA-256."""
    comment = f"fieldapp bench {n} {uuid.uuid4()}".encode()
    return base[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + base[2:]


@dataclass
class Sample:
    op: str
    client_ms: float
    server_ms: float | None
    status: int


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    recording: bool = False

    def add(self, sample: Sample) -> None:
        if self.recording:
            with self.lock:
                self.samples.append(sample)


class Http:
    """One client connection (gunicorn's sync workers close it after each answer; http.client reopens)."""

    def __init__(self, base: str, recorder: Recorder, headers: dict[str, str]):
        parsed = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        self.recorder = recorder
        self.headers = headers

    def call(
        self,
        op: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> tuple[int, bytes]:
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            resp = self.conn.getresponse()
            data = resp.read()
            status, timing = resp.status, resp.getheader("Server-Timing")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status, timing, data = 599, None, b""
        ms = (time.perf_counter() - t0) * 1000
        server = float(timing.split("dur=")[1]) if timing and "dur=" in timing else None
        self.recorder.add(Sample(op, ms, server, status))
        return status, data

    def close(self) -> None:
        self.conn.close()


def token(base: str, username: str, password: str) -> str:
    client = Http(base, Recorder(), {"Content-Type": "application/json"})
    status, data = client.call(
        "login",
        "POST",
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}).encode(),
    )
    client.close()
    if status != 200:
        raise RuntimeError(f"token for {username}: HTTP {status}")
    return json.loads(data)["token"]


def visit_body(bundle: dict, rng: random.Random, shas: list[str]) -> dict:
    """A finished visit to one of the inspector's premises: every item answered, some failing with photos."""
    lists = {(c["id"], c["version"]): c for c in bundle["checklists"]}
    premises = rng.choice(bundle["enterprises"])
    answers, left = [], list(shas)
    for ref in premises["checklists"]:
        for i, item in enumerate(lists[(ref["id"], ref["version"])]["items"]):
            fail = bool(left) and i % 4 == 1
            photos = [left.pop()] if fail else []
            answers.append(
                {
                    "checklist": ref["id"],
                    "item": item["key"],
                    "result": "fail" if fail else "pass",
                    "note": "现场检查发现问题" if fail else "",
                    "photos": photos,
                    "hazard": {
                        "uuid": str(uuid.uuid4()),
                        "description": "基准测试发现的隐患",
                        "level": "major" if item.get("major") else "general",
                        "deadline": None,
                        "fixed_on_spot": False,
                        "after_photos": [],
                    }
                    if fail
                    else None,
                }
            )
    now = time.time()
    stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))  # noqa: E731
    return {
        "enterprise_id": premises["id"],
        "checklists": premises["checklists"],
        "started_at": stamp(now - 1800),
        "finished_at": stamp(now - 60),
        "location": {"lat": 24.91, "lng": 118.58, "accuracy_m": 15.0},
        "answers": answers,
    }


def inspector_loop(
    base: str,
    bearer: str,
    recorder: Recorder,
    stop: threading.Event,
    photo_bases: list[bytes],
    seed: int,
):
    http_ = Http(base, recorder, {"Authorization": f"Bearer {bearer}"})
    rng = random.Random(seed)
    n, bundle = 0, None
    while not stop.is_set():
        if n % BOOTSTRAP_EVERY == 0:
            status, data = http_.call("inspector: GET bootstrap", "GET", "/api/v1/bootstrap")
            bundle = json.loads(data) if status == 200 else bundle
        if not bundle or not bundle["enterprises"]:
            break
        shas = []
        for k in range(PHOTOS_PER_VISIT):
            data = unique_jpeg(
                photo_bases[(n + k) % len(photo_bases)], seed * 1_000_000 + n * 10 + k
            )
            sha = hashlib.sha256(data).hexdigest()
            http_.call(
                "inspector: PUT photo",
                "PUT",
                f"/api/v1/photos/{sha}",
                data,
                {"Content-Type": "image/jpeg"},
            )
            shas.append(sha)
        body = json.dumps(visit_body(bundle, rng, shas)).encode()
        http_.call(
            "inspector: PUT visit",
            "PUT",
            f"/api/v1/visits/{uuid.uuid4()}",
            body,
            {"Content-Type": "application/json"},
        )
        n += 1
    http_.close()


OFFICE_ROUTES = [
    ("office: register page", "/enterprises", "cookie"),
    ("office: register search", "/enterprises?q=" + urllib.parse.quote("鑫源"), "cookie"),
    ("office: rectification list", "/lists/rectification", "cookie"),
    ("office: API enterprises", "/api/v1/enterprises?page={page}", "bearer"),
    ("office: API hazards", "/api/v1/hazards?state=open&page={page}", "bearer"),
]


def office_loop(
    base: str, cookie: str, bearer: str, recorder: Recorder, stop: threading.Event, seed: int
):
    rng = random.Random(seed)
    pages = Http(base, recorder, {"Cookie": cookie})
    api = Http(base, recorder, {"Authorization": f"Bearer {bearer}"})
    i = seed
    while not stop.is_set():
        op, path, auth = OFFICE_ROUTES[i % len(OFFICE_ROUTES)]
        (pages if auth == "cookie" else api).call(op, "GET", path.format(page=rng.randint(1, 10)))
        i += 1
    pages.close()
    api.close()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))]


def summarize(samples: list[Sample], seconds: float) -> dict:
    ops: dict[str, dict] = {}
    for op in sorted({s.op for s in samples}):
        mine = [s for s in samples if s.op == op]
        client = [s.client_ms for s in mine]
        server = [s.server_ms for s in mine if s.server_ms is not None]
        ops[op] = {
            "n": len(mine),
            "per_s": len(mine) / seconds,
            "errors": sum(s.status >= 400 for s in mine),
            "p50_ms": pct(client, 50),
            "p95_ms": pct(client, 95),
            "srv_p50_ms": pct(server, 50),
            "srv_p95_ms": pct(server, 95),
            "mean_ms": statistics.fmean(client),
        }
    return ops


@contextlib.contextmanager
def serve_workers(inst: Instance, workers: int):
    """`fieldapp serve` with several workers, not pinned: they share both cores with the database and the load."""
    port = free_port()
    argv = [
        str(BIN / "fieldapp"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with serve(argv, inst.env, f"http://127.0.0.1:{port}/healthz"):
        yield f"http://127.0.0.1:{port}"


def photo_bases() -> list[bytes]:
    """Phone-downscaled photos (1600×1200 JPEG with real detail, ~250 KB), as the browser uploads them."""
    from .client import photo_bytes

    return [photo_bytes(seed) for seed in range(4)]


def load(
    inst: Instance, *, workers: int, seconds: int, inspectors: int, offices: int, bases: list[bytes]
) -> dict:
    names = sorted(u for u in inst.logins if u.startswith("inspector-"))
    rng = random.Random(7)
    chosen = rng.sample(names, min(inspectors, len(names)))
    office_users = ["district"] + sorted(u for u in inst.logins if u.startswith("street-"))
    with serve_workers(inst, workers) as base:
        tokens = {u: token(base, u, inst.logins[u]) for u in chosen + office_users}
        cookies = {u: sign_in(base, u, inst.logins[u]) for u in office_users}
        recorder, stop = Recorder(), threading.Event()
        threads = [
            threading.Thread(
                target=inspector_loop, args=(base, tokens[u], recorder, stop, bases, i + 1)
            )
            for i, u in enumerate(chosen)
        ]
        for i in range(offices):
            user = office_users[i % len(office_users)]
            threads.append(
                threading.Thread(
                    target=office_loop, args=(base, cookies[user], tokens[user], recorder, stop, i)
                )
            )
        for t in threads:
            t.start()
        time.sleep(min(5, seconds / 5))  # warm-up: caches, connection pools, first bundles
        recorder.recording = True
        t0 = time.perf_counter()
        time.sleep(seconds)
        recorder.recording = False
        elapsed = time.perf_counter() - t0
        stop.set()
        for t in threads:
            t.join()
    return {
        "ops": summarize(recorder.samples, elapsed),
        "seconds": elapsed,
        "loadavg_1m": os.getloadavg()[0],
        "requests": len(recorder.samples),
        "errors": sum(s.status >= 400 for s in recorder.samples),
    }


def run_scale(
    label: str,
    *,
    enterprises: int,
    visits: int | None,
    admin_url: str,
    reuse_url: str | None,
    mixes: list[str],
    inspectors: int,
    offices: int,
    backup: bool,
    **load_args,
) -> dict:
    with contextlib.ExitStack() as stack:
        url = reuse_url or stack.enter_context(pg_database(admin_url, label))
        t0 = time.perf_counter()
        # The district is the default demo (made through the domain functions); the city's
        # history is bulk load data, as the domain path would take most of an hour there.
        demo_args = ("--visits", str(visits), "--bulk") if visits is not None else ()
        if reuse_url:
            demo_args += ("--if-empty",)
        inst = make_instance(enterprises=enterprises, database_url=url, demo_args=demo_args)
        stack.callback(shutil.rmtree, inst.root, True)
        build_s = time.perf_counter() - t0
        facts = database_facts(url)
        print(
            f"\n{label}: {facts['enterprises']:,} units, {facts['visits']:,} visits, {facts['hazards']:,} hazards "
            f"({facts['open_hazards']:,} not closed), {facts['answers']:,} answers, {facts['audit_events']:,} audit events, "
            f"{facts['db_mb']:.0f} MB; built in {build_s:.0f} s"
        )
        result = {"facts": facts, "build_s": build_s}
        for mix in mixes:
            # "browse": offices only, so query growth shows without photo work competing for the cores.
            clients = {"mixed": (inspectors, offices), "browse": (0, inspectors + offices)}[mix]
            result[mix] = load(inst, inspectors=clients[0], offices=clients[1], **load_args)
            print_table(
                f"{label}, {mix} ({clients[0]} inspectors + {clients[1]} offices)", result[mix]
            )
        if backup:
            result["backup"] = backup_and_restore(inst, admin_url, label)
    return result


def backup_and_restore(inst: Instance, admin_url: str, label: str) -> dict:
    """Time `fieldapp backup` of the loaded instance and `fieldapp restore` into a new database."""
    target = inst.root / "backup"
    t0 = time.perf_counter()
    inst.cli("backup", str(target))
    backup_s = time.perf_counter() - t0
    manifest = json.loads((target / "manifest.json").read_text())
    sizes = {
        p.relative_to(target).as_posix(): p.stat().st_size for p in target.rglob("*") if p.is_file()
    }
    with pg_database(admin_url, f"{label}_restore") as url:
        restored = Instance(inst.root / "restored", url)
        t0 = time.perf_counter()
        restored.cli("restore", str(target))
        restore_s = time.perf_counter() - t0
    out = {
        "backup_s": backup_s,
        "restore_s": restore_s,
        "total_mb": sum(sizes.values()) / 1e6,
        "database_mb": sizes[manifest["database_file"]] / 1e6,
        "files": len(manifest["files"]),
        "rows": sum(manifest["tables"].values()),
    }
    print(
        f"\n{label}: fieldapp backup {out['backup_s']:.1f} s ({out['rows']:,} rows, dump {out['database_mb']:.0f} MB, "
        f"{out['files']:,} files, {out['total_mb']:.0f} MB in all); fieldapp restore with verification {out['restore_s']:.1f} s"
    )
    return out


def print_table(label: str, result: dict) -> None:
    rows = [
        [
            op,
            r["n"],
            f"{r['per_s']:.1f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['srv_p50_ms']:.1f}",
            f"{r['srv_p95_ms']:.1f}",
            r["errors"],
        ]
        for op, r in result["ops"].items()
    ]
    total = result["requests"] / result["seconds"]
    print(
        f"\n{label}: {result['requests']} requests in {result['seconds']:.0f} s = {total:.1f} req/s, "
        f"{result['errors']} errors; load average at the end {result['loadavg_1m']:.1f} on 2 cores\n"
    )
    print(
        table(
            rows,
            ["request", "n", "req/s", "p50 ms", "p95 ms", "srv p50 ms", "srv p95 ms", "errors"],
        )
    )


def print_growth(results: dict, mix: str) -> None:
    district, city = (results.get("district") or {}).get(mix), (results.get("city") or {}).get(mix)
    if not (district and city):
        return
    rows = []
    for op, d in district["ops"].items():
        c = city["ops"].get(op)
        if c:
            rows.append(
                [
                    op,
                    f"{d['srv_p95_ms']:.1f} → {c['srv_p95_ms']:.1f}",
                    f"×{c['srv_p95_ms'] / d['srv_p95_ms']:.2f}",
                    f"{d['p95_ms']:.0f} → {c['p95_ms']:.0f}",
                    f"{d['per_s']:.1f} → {c['per_s']:.1f}",
                ]
            )
    print(f"\nGrowth, district → city ({mix})\n")
    print(table(rows, ["request", "srv p95 ms", "growth", "client p95 ms", "req/s"]))


def run(
    *,
    seconds: int,
    workers: int,
    inspectors: int,
    offices: int,
    city_enterprises: int,
    city_visits: int,
    admin_url: str,
    scales: list[str],
    mixes: list[str],
    reuse: dict[str, str],
    backup: bool = True,
) -> dict:
    bases = photo_bases()
    common = dict(
        workers=workers,
        seconds=seconds,
        inspectors=inspectors,
        offices=offices,
        bases=bases,
        admin_url=admin_url,
        mixes=mixes,
        backup=backup,
    )
    # Other work on the machine skews every figure: note the load before starting.
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    results: dict = {
        "loadavg_before": os.getloadavg()[0],
        "workers": workers,
        "seconds": seconds,
        "inspectors": inspectors,
        "offices": offices,
        "photo_kb": statistics.fmean(len(b) for b in bases) / 1024,
    }
    print(
        f"{workers} gunicorn sync workers; mixes {', '.join(mixes)}: {inspectors} inspectors syncing "
        f"({PHOTOS_PER_VISIT} photos of ~{results['photo_kb']:.0f} KB per visit) + {offices} office clients browsing, "
        f"closed loop, {seconds} s each.\n2 cores shared by PostgreSQL, the workers and this load generator."
    )
    if "district" in scales:
        results["district"] = run_scale(
            "district", enterprises=1091, visits=None, reuse_url=reuse.get("district"), **common
        )
    if "city" in scales:
        results["city"] = run_scale(
            "city",
            enterprises=city_enterprises,
            visits=city_visits,
            reuse_url=reuse.get("city"),
            **common,
        )
    for mix in mixes:
        print_growth(results, mix)
    save("scale", results)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=30, help="measured seconds per scale")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--inspectors", type=int, default=4, help="concurrent syncing inspectors")
    parser.add_argument("--offices", type=int, default=12, help="concurrent office clients")
    parser.add_argument("--city-enterprises", type=int, default=50_000)
    parser.add_argument("--city-visits", type=int, default=50_000)
    parser.add_argument("--scales", default="district,city")
    parser.add_argument(
        "--mixes",
        default="mixed,browse",
        help="mixed: inspectors sync while offices browse; browse: offices only",
    )
    parser.add_argument(
        "--admin-url", default=ADMIN_URL, help="a PostgreSQL role that may CREATE DATABASE"
    )
    parser.add_argument(
        "--no-backup", action="store_true", help="skip timing fieldapp backup and restore"
    )
    parser.add_argument(
        "--reuse-district",
        help="URL of a database already filled by `fieldapp demo` (kept afterwards)",
    )
    parser.add_argument("--reuse-city", help="the same for the city scale")
    args = parser.parse_args(argv)
    run(
        seconds=args.seconds,
        workers=args.workers,
        inspectors=args.inspectors,
        offices=args.offices,
        city_enterprises=args.city_enterprises,
        city_visits=args.city_visits,
        admin_url=args.admin_url,
        scales=[s.strip() for s in args.scales.split(",") if s.strip()],
        mixes=[m.strip() for m in args.mixes.split(",") if m.strip()],
        reuse={
            k: v for k, v in (("district", args.reuse_district), ("city", args.reuse_city)) if v
        },
        backup=not args.no_backup,
    )


if __name__ == "__main__":
    main()
