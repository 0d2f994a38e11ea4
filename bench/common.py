"""Shared benchmark plumbing: a throwaway instance, servers, sign-in and wrk."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = REPO / "bench" / "out"
LOGIN_RE = re.compile(r"^\S+\s+(\S+)\s+(\S+)\s+", re.M)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """Pin a process to one CPU when taskset exists, so server and load do not share a core."""
    return (
        ["taskset", "-c", str(cpu), *argv]
        if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1
        else argv
    )


@dataclass
class Instance:
    """A temporary fieldapp instance (database + data dir) driven through the real CLI."""

    root: Path
    database_url: str
    logins: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "FIELDAPP_DATABASE_URL": self.database_url,
            "FIELDAPP_DATA_DIR": str(self.root / "data"),
            "FIELDAPP_SECRET_KEY": "bench-secret",
            "FIELDAPP_SERVER_TIMING": "true",
            "FIELDAPP_LOGIN_MAX_FAILURES_PER_IP": "100000",
        }

    def cli(self, *args: str, input: str | None = None) -> str:
        proc = subprocess.run(
            [str(BIN / "fieldapp"), *args],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"fieldapp {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout


def make_instance(
    *,
    enterprises: int = 1091,
    seed: int = 2025,
    database_url: str | None = None,
    demo_args: tuple[str, ...] = (),
) -> Instance:
    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    inst = Instance(root, database_url or f"sqlite:///{root / 'bench.sqlite3'}")
    inst.cli("db", "upgrade")
    out = inst.cli("demo", "--enterprises", str(enterprises), "--seed", str(seed), *demo_args)
    inst.logins = {
        m.group(1): m.group(2) for m in LOGIN_RE.finditer(out) if m.group(1) not in ("用户名",)
    }
    return inst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


@contextlib.contextmanager
def serve(argv: list[str], env: dict[str, str], health: str):
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(health)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def serve_fieldapp(inst: Instance, *, workers: int = 1, cpu: int = 0):
    """Serve the instance with `fieldapp serve` (gunicorn) on one pinned core."""
    port = free_port()
    argv = pinned(
        cpu,
        [
            str(BIN / "fieldapp"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
    )
    env = {**inst.env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"}
    with serve(argv, env, f"http://127.0.0.1:{port}/healthz"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def serve_hello(*, workers: int = 1, cpu: int = 0):
    """Serve bench/hello.py with gunicorn exactly as fieldapp is served."""
    port = free_port()
    argv = pinned(
        cpu,
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "bench.hello:app",
        ],
    )
    with serve(argv, {**os.environ, "PYTHONPATH": str(REPO)}, f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}"


def sign_in(base: str, username: str, password: str) -> str:
    """Sign in through the login form; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": token}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=data))
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(
    url: str,
    *,
    cookie: str | None = None,
    seconds: int = 8,
    connections: int = 16,
    threads: int = 2,
    cpu: int = 1,
) -> dict:
    """Load one URL with wrk; return throughput, latency and server-time percentiles."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(REPO / "bench" / "timing.lua"),
    ]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        pinned(cpu, [*argv, url]), capture_output=True, text=True, check=True
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def save(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return path


def table(rows: list[list], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
        + [fmt.format(*map(str, r)) for r in rows]
    )
