"""Register search at city scale: the bigram index against the substring scan, same run.

Budget (issue 23.2): the register search page at most 30 ms p95 of server time at
city scale (50,000 units) on SQLite and PostgreSQL. Only the register is built
(`fieldapp demo --visits 0 --bulk`): search reads no history. Queries are the
two-character brand and road names the demo generator writes into names and
addresses. For each database the page (in process, as the district office) and
the search function alone are timed twice per query: through the grams, and with
the clause swapped for the substring scan as the baseline. Both must return the
same rows.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
import urllib.parse

from .common import Instance, make_instance, save, table

BUDGET_P95_MS = 30.0
PER_PAGE = 20  # as the register page shows
CITY = 50_000
ADMIN_URL = os.environ.get(
    "FIELDAPP_TEST_POSTGRES_URL",
    "postgresql://fieldapp_ci:fieldapp_ci_password@127.0.0.1:5432/postgres",
)


def queries() -> list[str]:
    """Two-character brands and road names, as people type them."""
    from fieldapp import demo

    roads = [r[:2] for r in demo.ROADS if len(r) >= 3][:10]
    return [*demo.BRANDS[:10], *roads]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def measure(url: str, data_dir: str, rounds: int) -> dict:
    """Time page and function, grams and scan, in one process against one database."""
    os.environ.update(
        FIELDAPP_DATABASE_URL=url,
        FIELDAPP_DATA_DIR=data_dir,
        FIELDAPP_SECRET_KEY="bench-secret",
        FIELDAPP_LOGIN_MAX_FAILURES_PER_IP="100000",
    )
    from sqlalchemy import func, or_, select

    from fieldapp import auth, create_app, enterprises, search
    from fieldapp.extensions import db
    from fieldapp.models import Enterprise, User

    app = create_app()

    def scan_clause(q: str, code_prefix: str):
        text = search.text_clause(q)
        if code_prefix and code_prefix.isascii() and code_prefix.isalnum():
            return or_(text, search.credit_code_prefix_clause(code_prefix))
        return text

    @contextlib.contextmanager
    def scanning():
        saved = enterprises.search_clause
        enterprises.search_clause = scan_clause
        try:
            yield
        finally:
            enterprises.search_clause = saved

    with app.app_context():
        units = db.session.scalar(select(func.count()).select_from(Enterprise))
        district = db.session.scalar(select(User).where(User.username == "district"))
        actor = auth.Actor.of(district)
        db.session.remove()
    client = app.test_client()
    # Sign in through the form, as a browser does.
    import re

    from werkzeug.security import generate_password_hash

    with app.app_context():
        db.session.get(User, district.id).password_hash = generate_password_hash("bench-pass-1")
        db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"username": "district", "password": "bench-pass-1", "csrf_token": token}
    )

    out: dict = {"units": units, "queries": {}}
    samples = {
        k: [] for k in ("page", "page_scan", "htmx", "htmx_scan", "func", "func_scan", "page_noq")
    }
    mismatches = []
    for q in queries():
        path = f"/enterprises?q={urllib.parse.quote(q)}"
        filters = enterprises.Filters(q=q)
        with app.app_context():
            found = enterprises.search(actor, filters, per_page=PER_PAGE)
            with scanning():
                scanned = enterprises.search(actor, filters, per_page=PER_PAGE)
            db.session.remove()
        if found.total != scanned.total or [r.id for r in found.items] != [
            r.id for r in scanned.items
        ]:
            mismatches.append(q)
        out["queries"][q] = found.total
        for _ in range(rounds):
            # The register's first page without a query: what the page costs besides search.
            t = time.perf_counter()
            client.get("/enterprises")
            samples["page_noq"].append((time.perf_counter() - t) * 1000)
            for key, ctx in (("", contextlib.nullcontext), ("_scan", scanning)):
                with ctx():
                    t = time.perf_counter()
                    resp = client.get(path)
                    samples["page" + key].append((time.perf_counter() - t) * 1000)
                    assert resp.status_code == 200, resp.status_code
                    # What typing in the search box asks for: the results region only.
                    t = time.perf_counter()
                    resp = client.get(path, headers={"HX-Request": "true"})
                    samples["htmx" + key].append((time.perf_counter() - t) * 1000)
                    assert resp.status_code == 200, resp.status_code
                    with app.app_context():
                        t = time.perf_counter()
                        enterprises.search(actor, filters, per_page=PER_PAGE)
                        samples["func" + key].append((time.perf_counter() - t) * 1000)
                        db.session.remove()
    for key, values in samples.items():
        out[key] = {"p50": statistics.median(values), "p95": pct(values, 95), "n": len(values)}
    out["mismatches"] = mismatches
    return out


def build(url: str | None) -> Instance:
    return make_instance(enterprises=CITY, database_url=url, demo_args=("--visits", "0", "--bulk"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="timings per query and variant")
    parser.add_argument("--sqlite-url", help="reuse a built city register (SQLite)")
    parser.add_argument("--postgres-url", help="reuse a built city register (PostgreSQL)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    import subprocess
    import sys

    results = {}
    for backend in ("sqlite", "postgresql"):
        if args.only and args.only != backend:
            continue
        url = args.sqlite_url if backend == "sqlite" else args.postgres_url
        with contextlib.ExitStack() as stack:
            if url is None:
                if backend == "postgresql":
                    from .scale import pg_database

                    url = stack.enter_context(pg_database(ADMIN_URL, "search"))
                t0 = time.perf_counter()
                inst = build(url if backend == "postgresql" else None)
                url = inst.database_url
                print(f"{backend}: city register built in {time.perf_counter() - t0:.0f} s")
            # A fresh interpreter per database: the app binds its engine at import of the config.
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.search",
                    "--_measure",
                    url,
                    "--rounds",
                    str(args.rounds),
                ],
                capture_output=True,
                text=True,
                check=True,
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            )
            import json

            results[backend] = json.loads(proc.stdout.strip().splitlines()[-1])
    report(results)


def report(results: dict) -> None:
    rows = []
    for backend, r in results.items():
        for what, label in (
            ("htmx", "search as you type (htmx)"),
            ("page", "full register page"),
            ("func", "enterprises.search"),
        ):
            new, old = r[what], r[what + "_scan"]
            rows.append(
                [
                    backend,
                    label,
                    f"{new['p50']:.1f}",
                    f"{new['p95']:.1f}",
                    f"{old['p50']:.1f}",
                    f"{old['p95']:.1f}",
                    f"{new['p95'] / old['p95']:.2f}",
                    "OK" if new["p95"] <= BUDGET_P95_MS else "OVER",
                ]
            )
    print(f"\nRegister search at city scale; load: {os.getloadavg()[0]:.2f} (1-min)\n")
    print(
        table(
            rows,
            [
                "db",
                "what",
                "grams p50",
                "grams p95",
                "scan p50",
                "scan p95",
                "p95 × scan",
                "≤ 30 ms",
            ],
        )
    )
    for backend, r in results.items():
        print(
            f"{backend}: the register page without a query: p50 {r['page_noq']['p50']:.1f} ms, "
            f"p95 {r['page_noq']['p95']:.1f} ms"
        )
        print(
            f"{backend}: {r['units']:,} units; same results as the scan: "
            f"{'yes' if not r['mismatches'] else 'NO ' + ','.join(r['mismatches'])}; "
            f"{r['page']['n']} timings per variant; matches per query: "
            + ", ".join(f"{q} {n}" for q, n in r["queries"].items())
        )
    save("search", results)


if __name__ == "__main__":
    import json
    import sys

    if "--_measure" in sys.argv:
        i = sys.argv.index("--_measure")
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
        import tempfile

        print(
            json.dumps(
                measure(sys.argv[i + 1], tempfile.mkdtemp(prefix="fieldapp-search-"), rounds)
            )
        )
    else:
        main()
