"""Access and security logs as JSON lines, one file per UTC day, kept as the law asks.

Cybersecurity Law art. 21 asks network operators to keep network logs for at
least six months. Each worker process appends whole lines to
`access-YYYY-MM-DD.jsonl` and `security-YYYY-MM-DD.jsonl` (O_APPEND, one
write per line), so several gunicorn workers never garble or lose a line and
"rotation" is just the date changing. Files older than LOG_RETENTION_DAYS are
deleted by whichever process first writes on a new day.

What is never written: passwords, PINs, tokens, session ids, cookies, query
strings, request bodies, user names, phone numbers. A user is an id and a role;
an address is a keyed hash (see `Logs.ip_hash`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask, Response, current_app, g, has_request_context, request

from .config import ConfigError

KINDS = ("access", "security")
MIN_RETENTION_DAYS = 183
FILE_RE = re.compile(r"^(access|security)-(\d{4}-\d{2}-\d{2})\.jsonl(\.gz)?$")
# View arguments that are secrets in themselves (the placard capability link).
SECRET_ARGS = frozenset({"token"})
# Endpoints whose 401/429 are login outcomes, already logged as such by the view.
LOGIN_ENDPOINTS = frozenset({"auth.login", "api.token", "public.pin"})
MAX_PATH = 200


class Logs:
    """Write JSON lines to the day's file (or stdout) and prune old days."""

    def __init__(self, directory: str, retention_days: int, ip_key: bytes):
        self.stdout = directory == "-"
        self.dir = Path(directory)
        self.retention_days = retention_days
        self._ip_key = ip_key
        self._pruned_on: date | None = None
        self._lock = threading.Lock()
        self._warned = False
        # One open descriptor per kind for the current day: opening and closing the
        # day file per line was a tenth of a signed-in request's fixed cost.
        self._fds: dict[str, tuple[date, int]] = {}
        self._ip_hashes: dict[str, str] = {}

    def ip_hash(self, ip: str | None) -> str | None:
        """Return a keyed hash of an address.

        The same address gets the same value all along (so repeated attempts
        from one place show up), but the log alone does not reveal it: the key
        derives from SECRET_KEY, which the log readers need not hold. An
        operator who holds the key can still check a given suspect address.
        """
        if not ip:
            return None
        hashed = self._ip_hashes.get(ip)
        if hashed is None:
            if len(self._ip_hashes) >= 1024:  # bounded: a scan from many addresses must not grow it
                self._ip_hashes.clear()
            hashed = self._ip_hashes[ip] = self.keyed(ip)
        return hashed

    def keyed(self, value: str) -> str:
        """Return a short keyed hash (HMAC-SHA256, 64 bits) of a value that must not be written."""
        return hmac.new(self._ip_key, value.encode(), hashlib.sha256).hexdigest()[:16]

    def write(self, kind: str, record: dict) -> None:
        """Append one record as one line; a failing disk never fails the request."""
        line = (
            json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        ).encode()
        try:
            if self.stdout:
                os.write(1, line)
                return
            today = datetime.now(UTC).date()
            if self._pruned_on != today:
                self._new_day(today)
            with self._lock:
                try:
                    os.write(self._fd(kind, today), line)
                except OSError:
                    self._drop(kind)  # a broken descriptor must not lose the rest of the day
                    raise
        except OSError as exc:
            if not self._warned:  # once per process: the log is broken, say it where operators look
                self._warned = True
                current_app.logger.error("无法写入日志 %s：%s", self.dir, exc)

    def _fd(self, kind: str, today: date) -> int:
        """The day file's descriptor, reopened on a new day or when the file was removed."""
        path = os.path.join(self.dir, f"{kind}-{today.isoformat()}.jsonl")
        held = self._fds.get(kind)
        if held is not None:
            day, fd = held
            # O_APPEND keeps each line whole across workers. A file deleted or moved away
            # under us (a shipper's "move, then ship") would take the lines with it, so the
            # name must still be this descriptor's file; a stat is cheaper than an open.
            with contextlib.suppress(OSError):
                if day == today and os.stat(path).st_ino == os.fstat(fd).st_ino:
                    return fd
            self._drop(kind)
        fd = os.open(
            path,
            os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
            0o640,
        )
        self._fds[kind] = (today, fd)
        return fd

    def _drop(self, kind: str) -> None:
        """Forget a held descriptor so the next line opens the file again."""
        held = self._fds.pop(kind, None)
        if held is not None:
            with contextlib.suppress(OSError):
                os.close(held[1])

    def close(self) -> None:
        """Close the held day files (an app dropped, as tests do by the hundred)."""
        for _day, fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()

    __del__ = close

    def _new_day(self, today: date) -> None:
        with self._lock:
            if self._pruned_on == today:
                return
            self.dir.mkdir(parents=True, exist_ok=True)
            prune(self.dir, self.retention_days, today)
            self._pruned_on = today


def prune(directory: Path, retention_days: int, today: date) -> list[str]:
    """Delete day files older than the retention period (by the date in the name); return their names."""
    cutoff = today - timedelta(days=retention_days)
    removed = []
    for path in directory.iterdir():
        match = FILE_RE.match(path.name)
        if not match:
            continue
        try:
            day = date.fromisoformat(match.group(2))
        except ValueError:
            continue
        if day < cutoff:
            path.unlink(missing_ok=True)  # another worker may have deleted it first
            removed.append(path.name)
    return sorted(removed)


def init_app(app: Flask) -> None:
    """Log every request to the access log and security-relevant ones to the security log."""
    days = int(app.config["LOG_RETENTION_DAYS"])
    if days < MIN_RETENTION_DAYS:
        raise ConfigError(
            f"LOG_RETENTION_DAYS 不得少于 {MIN_RETENTION_DAYS} 天（《网络安全法》第二十一条：网络日志留存不少于六个月）"
        )
    ip_key = hashlib.sha256(b"fieldapp-log-ip:" + str(app.config["SECRET_KEY"]).encode()).digest()
    app.extensions["logs"] = Logs(app.config["LOG_DIR"], days, ip_key)
    app.before_request(_start)
    app.after_request(_finish)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _start() -> None:
    g.log_started = time.perf_counter()
    g.log_rid = secrets.token_hex(6)


def _path() -> str:
    """The request path with capability tokens replaced, and without the query string."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ARGS and isinstance(value, str) and value:
            path = path.replace(value, "{" + name + "}")
    if path.startswith("/q/"):
        # Also when no route matched: a mistyped placard link still carries its token.
        parts = path.split("/")
        parts[2] = "{token}"
        path = "/".join(parts)
    return path[:MAX_PATH]


def _who() -> dict:
    user = g.get("user")
    return (
        {"user": user.id, "role": user.role} if user is not None else {"user": None, "role": None}
    )


def _context(logs: Logs) -> dict:
    if not has_request_context():
        return {"source": "cli"}
    return {
        "rid": g.get("log_rid"),
        "method": request.method,
        "path": _path(),
        **_who(),
        "ip": logs.ip_hash(request.remote_addr),
    }


def security(event: str, **fields) -> None:
    """Write one security event (in a request or from the command line)."""
    logs: Logs = current_app.extensions["logs"]
    logs.write("security", {"ts": _now(), "event": event, **_context(logs), **fields})


def login(result, *, channel: str, username: str) -> None:
    """Log a sign-in outcome (ok / failed / throttled) without the name or secret typed.

    A refused attempt carries a keyed hash of the account name, so attacks on
    one account can be counted without writing down what was typed (which is
    sometimes a password entered in the wrong field).
    """
    user = result.user
    outcome = "throttled" if result.throttled else "failed" if user is None else "ok"
    fields: dict = {"outcome": outcome, "channel": channel}
    if user is not None:
        fields.update(user=user.id, role=user.role)
    else:
        fields["account"] = current_app.extensions["logs"].keyed(
            "account:" + username.strip().lower()
        )
    security("login", **fields)


def _finish(response: Response) -> Response:
    logs: Logs = current_app.extensions["logs"]
    started = g.get("log_started")
    status = response.status_code
    record = {
        "ts": _now(),
        **_context(logs),
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "bytes": response.content_length,
    }
    fmt = request.args.get("format")
    if fmt:
        record["format"] = fmt[:10]
    logs.write("access", record)
    event = _security_event(status, response)
    if event:
        name, extra = event
        logs.write(
            "security",
            {"ts": record["ts"], "event": name, **_context(logs), "status": status, **extra},
        )
    return response


def _security_event(status: int, response: Response) -> tuple[str, dict] | None:
    """Classify a finished request: refusals, downloads and placard changes."""
    endpoint = request.endpoint or ""
    if status in (401, 429) and endpoint in LOGIN_ENDPOINTS:
        return None  # the view logged the login outcome itself
    if status in (401, 403):
        return "refused", {}
    if status == 404 and (g.get("user") is not None or request.blueprint == "public"):
        # Out of scope and absent answer the same 404 by design; the log cannot tell them apart either.
        return "not_found", {}
    if status == 429:
        return "rate_limited", {}
    if 200 <= status < 300 and response.headers.get("Content-Disposition", "").startswith(
        "attachment"
    ):
        return "download", {"format": (request.args.get("format") or response.mimetype)[:80]}
    if (
        endpoint == "placards.change"
        and request.method == "POST"
        and status == 200
        and g.get("placard_changed")
    ):
        args = request.view_args or {}
        return f"placard.{args.get('action')}", {"enterprise": args.get("enterprise_id")}
    return None
