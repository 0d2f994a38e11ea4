"""Run benchmarks: `python -m bench` (all) or `python -m bench pages [--seconds N]`."""

from __future__ import annotations

import importlib
import sys

BENCHES = ["pages", "photos", "memory", "client", "reports", "archive", "scale", "search"]


def main() -> None:
    args = sys.argv[1:]
    names = [
        a
        for i, a in enumerate(args)
        if a in BENCHES or (not a.startswith("-") and (i == 0 or not args[i - 1].startswith("-")))
    ]
    names = names or BENCHES
    rest = [a for a in args if a not in names]
    for name in names:
        if name not in BENCHES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
        print(f"=== {name} ===")
        importlib.import_module(f"bench.{name}").main(rest)


if __name__ == "__main__":
    main()
