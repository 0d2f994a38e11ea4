"""Run the app under gunicorn from the `fieldapp serve` command."""

from __future__ import annotations

import gc
import os

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app after the fork, so no database
        # connection is shared between processes.
        from . import create_app

        app = create_app()
        # The app, its routes, templates and table metadata live as long as the worker:
        # keep them out of the cyclic collector's scans, which otherwise walk all of it
        # whenever a request allocates many objects (a report reads 50,000 rows).
        gc.freeze()
        return app


def run(*, host: str, port: int, workers: int | None, threads: int, instance_path: str) -> None:
    """Start gunicorn in the foreground."""
    workers = workers or min(8, 2 * (os.cpu_count() or 1) + 1)
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            # The app writes its own access log (fieldapp/logs.py) without raw
            # addresses, query strings or placard tokens; gunicorn's would have all three.
            "accesslog": None,
            "timeout": 120,
            "limit_request_line": 8190,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }
    ).run()
