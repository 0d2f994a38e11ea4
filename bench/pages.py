"""District-scale server time and throughput of read pages, against a bare Flask "hello".

Budgets (PRODUCT.md §12): any page or API call p95 ≤ 50 ms of server time on one
core at 16 concurrent clients; read-page throughput ≥ 0.35 × hello on the same server.
"""

from __future__ import annotations

import argparse
import urllib.parse

from .common import make_instance, save, serve_fieldapp, serve_hello, sign_in, table, wrk

SERVER_P95_BUDGET_MS = 50.0
RATIO_BUDGET = 0.35


def routes(inst) -> list[tuple[str, str, str]]:
    """(label, user, path) of the pages measured."""
    q = urllib.parse.quote("鑫源")
    return [
        ("inspector: home", "inspector-ky-01", "/"),
        ("inspector: premises list", "inspector-ky-01", "/enterprises"),
        ("inspector: premises page", "inspector-ky-01", "/enterprises/20"),
        ("district: register p.1", "district", "/enterprises"),
        ("district: register search", "district", f"/enterprises?q={q}"),
        ("street: risk filter", "street-ct", "/enterprises?risk_color=red"),
        ("district: premises page", "district", "/enterprises/500"),
        ("street: home", "street-jl", "/"),
        ("API list (50)", "district", "/api/v1/enterprises"),
        ("API detail", "district", "/api/v1/enterprises/500"),
    ]


def run(seconds: int = 8) -> dict:
    inst = make_instance()
    results: dict = {"routes": {}, "seconds": seconds, "connections": 16, "workers": 1}
    with serve_hello() as hello:
        results["hello"] = wrk(f"{hello}/", seconds=seconds)
    with serve_fieldapp(inst) as base:
        cookies = {}
        for label, user, path in routes(inst):
            cookies.setdefault(user, sign_in(base, user, inst.logins[user]))
            results["routes"][label] = wrk(f"{base}{path}", cookie=cookies[user], seconds=seconds)
    hello_rps = results["hello"]["rps"]
    rows = []
    for label, r in results["routes"].items():
        r["ratio"] = r["rps"] / hello_rps
        rows.append(
            [
                label,
                f"{r['srv_p50_ms']:.1f}",
                f"{r['srv_p95_ms']:.1f}",
                f"{r['lat_p95_ms']:.1f}",
                f"{r['rps']:.0f}",
                f"{r['ratio']:.2f}",
                int(r["http_errors"] + r["socket_errors"]),
                "OK"
                if r["srv_p95_ms"] <= SERVER_P95_BUDGET_MS and r["ratio"] >= RATIO_BUDGET
                else "OVER",
            ]
        )
    print(
        f"\nhello baseline: {hello_rps:.0f} req/s (1 gunicorn sync worker, 16 connections, {seconds}s each)\n"
    )
    print(
        table(
            rows,
            [
                "route",
                "srv p50 ms",
                "srv p95 ms",
                "client p95 ms",
                "req/s",
                "× hello",
                "errors",
                "budget",
            ],
        )
    )
    save("pages", results)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args(argv)
    run(args.seconds)


if __name__ == "__main__":
    main()
