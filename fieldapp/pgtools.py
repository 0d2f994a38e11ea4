"""Run pg_dump and pg_restore against the configured PostgreSQL database.

Credentials go to the child process through PG* environment variables, never
on its command line, where any local user could read them from the process list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from glob import glob

from sqlalchemy.engine import URL


class ToolError(RuntimeError):
    """A PostgreSQL client tool is missing or failed; the message is Chinese."""


def find(tool: str) -> str:
    """Locate a client tool on PATH or in Debian's versioned directories."""
    found = shutil.which(tool) or next(
        iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)), None
    )
    if not found:
        raise ToolError(
            f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）"
        )
    return found


def environ(url: URL) -> dict[str, str]:
    """Return the environment that points libpq at the database in `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    host = url.host or url.query.get("host")
    values = {
        "PGHOST": host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
        "PGCONNECT_TIMEOUT": "10",
    }
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


def run(url: URL, tool: str, *args: str) -> None:
    """Run a tool against the database; raise ToolError with its stderr on failure."""
    proc = subprocess.run(
        [find(tool), "--no-password", *args],
        env=environ(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        detail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise ToolError(f"{tool} 失败（退出码 {proc.returncode}）：\n{detail}")
