"""Configuration defaults, then the instance file, then FIELDAPP_* environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from . import paths


class ConfigError(RuntimeError):
    """Raised when the configuration cannot work."""


DEFAULTS: dict[str, object] = {
    # A district runs on one machine with SQLite; DATABASE_URL switches to PostgreSQL.
    "DATABASE_URL": None,
    "DATA_DIR": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "CHECKLISTS_DIR": str(paths.CHECKLISTS_DIR),
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Inspectors queue work offline for a whole day: the CSRF token lives as long
    # as the session instead of Flask-WTF's default hour.
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_CHECK_DEFAULT": False,
    "WTF_CSRF_SSL_STRICT": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "SESSION_IDLE_TIMEOUT": timedelta(days=3),
    "SESSION_COOKIE_NAME": "fieldapp_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: derived from BASE_URL's scheme
    # Expiry lives in the server-side session row; re-signing the cookie on
    # every response would only cost time.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "API_TOKEN_LIFETIME": timedelta(days=30),
    # Signs backup manifests; never written into a backup. Unset: derived from SECRET_KEY.
    "BACKUP_KEY": None,
    # Photos arrive as whole request bodies; 25 MB is the interface's floor.
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    # A JSON body (a visit, an event) is text: far below the photo limit.
    "MAX_JSON_BYTES": 4 * 1024 * 1024,
    # Phones take 12–50 MP (48 MP HEIF Max, 50 MP Android modes); more than this is
    # refused from the header, undecoded.
    "PHOTO_MAX_PIXELS": 50_000_000,
    # Evidence must show the scene: a thumbnail-sized picture proves nothing.
    "PHOTO_MIN_SHORT_SIDE": 320,
    # What decoding one upload may hold (estimated from the header, see
    # photos.decode_cost): with an idle worker at ~120 MB this keeps it under ~300 MB.
    "PHOTO_DECODE_BUDGET_MB": 150,
    "EVIDENCE_MAX_DISTANCE_M": 500,
    # A plan filing (方案, 评估报告, 总结: PDF, scan, Office file) — below MAX_CONTENT_LENGTH,
    # so an oversized file is refused with its size named rather than a bare 413.
    "FILING_MAX_BYTES": 20 * 1024 * 1024,
    # Documents attached to enforcement records, 治理方案 and acceptances (decisions, scans): per file.
    "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
    # Proposed units: an approved register entry within this distance with a similar name is a candidate duplicate.
    "UNIT_DUPLICATE_DISTANCE_M": 50,
    # The placard pages are public: per-IP and per-premises limits.
    "PUBLIC_MAX_REQUESTS_PER_MINUTE": 60,
    "PUBLIC_MAX_REPORTS_PER_HOUR": 3,
    "PUBLIC_MAX_REPORTS_PER_PREMISES_DAY": 20,
    # Below the premises' day: no single sender can use it up.
    "PUBLIC_MAX_REPORTS_PER_SENDER_PREMISES_DAY": 3,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "TRUSTED_HOSTS": None,
    "PROXY_FIX_HOPS": 0,
    "PER_PAGE_DEFAULT": 50,
    "PER_PAGE_MAX": 200,
    "TIMEZONE": "Asia/Shanghai",
    "SERVER_TIMING": False,
    # Photo bytes: "filesystem" (DATA_DIR/photos, one server) or "s3" (shared by many).
    "PHOTO_STORAGE": "filesystem",
    "S3_BUCKET": None,
    "S3_PREFIX": "",
    "S3_ENDPOINT_URL": None,
    "S3_REGION": None,
    "S3_ACCESS_KEY_ID": None,
    "S3_SECRET_ACCESS_KEY": None,
    "S3_ADDRESSING_STYLE": "path",
    # JSON-lines access and security logs, one file per UTC day; "-" writes to stdout.
    "LOG_DIR": None,
    # Cybersecurity Law art. 21: network logs are kept for at least six months.
    "LOG_RETENTION_DAYS": 190,
    # The 整改通知书: its title, and its number ({street} 金龙, {street1} 金, {year}, {seq}),
    # e.g. "鲤{street1}安整〔{year}〕第{seq:04d}号" for 鲤金安整〔2026〕第0012号.
    "NOTICE_TITLE": "隐患整改通知书",
    # What the QR placard on the door is called on every page (场所码 read like the epidemic health code).
    "PLACARD_NAME": "安全公示码",
    "NOTICE_NUMBER_PATTERN": "{street}安整〔{year}〕第{seq:04d}号",
}


def load(app: Flask, test_config: dict | None) -> None:
    """Layer the configuration and derive what follows from it."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("FIELDAPP")
    else:
        app.config.from_mapping(test_config)
    _derive(app)


def _derive(app: Flask) -> None:
    cfg = app.config
    instance = Path(app.instance_path)
    data_dir = Path(cfg["DATA_DIR"] or instance / "data")
    cfg["DATA_DIR"] = str(data_dir)
    url = cfg["DATABASE_URL"] or f"sqlite:///{instance / 'fieldapp.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(url)
    if cfg["SESSION_COOKIE_SECURE"] is None:
        cfg["SESSION_COOKIE_SECURE"] = str(cfg["BASE_URL"]).startswith("https://")
    cfg["BASE_URL"] = str(cfg["BASE_URL"]).rstrip("/")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(instance)
    cfg["LOG_DIR"] = str(cfg["LOG_DIR"] or data_dir / "logs")
    _check_storage(cfg)
    _check_notice(cfg)
    cfg["SECRET_KEY_FALLBACKS"] = _fallback_keys(cfg.get("SECRET_KEY_FALLBACKS"))
    if isinstance(cfg["TRUSTED_HOSTS"], str):
        cfg["TRUSTED_HOSTS"] = [h.strip() for h in cfg["TRUSTED_HOSTS"].split(",") if h.strip()]


MIN_FALLBACK_KEY = 16


def _fallback_keys(value) -> list[str]:
    """Old signing keys still accepted: a list, or comma-separated text from the environment.

    Flask extends its key list with this value; a plain string (what
    FIELDAPP_SECRET_KEY_FALLBACKS=oldkey becomes) would be taken one character at a
    time, and a one-character key signs any cookie an attacker likes.
    """
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError("SECRET_KEY_FALLBACKS 应为以逗号分隔的旧密钥")
    keys = [str(k).strip() for k in items if str(k).strip()]
    if any(len(k) < MIN_FALLBACK_KEY for k in keys):
        raise ConfigError(f"SECRET_KEY_FALLBACKS 中的每个旧密钥至少 {MIN_FALLBACK_KEY} 个字符")
    return keys


def _check_storage(cfg) -> None:
    kind = cfg["PHOTO_STORAGE"]
    if kind not in ("filesystem", "s3"):
        raise ConfigError(f"PHOTO_STORAGE 只能是 filesystem 或 s3，而不是 {kind!r}")
    if kind == "s3" and not cfg["S3_BUCKET"]:
        raise ConfigError("PHOTO_STORAGE=s3 需要设置 FIELDAPP_S3_BUCKET")
    # from_prefixed_env parses values as JSON: a numeric key id must stay a string.
    for name in ("S3_BUCKET", "S3_PREFIX", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"):
        if cfg[name] is not None and not isinstance(cfg[name], str):
            cfg[name] = str(cfg[name])


def _check_notice(cfg) -> None:
    from .notices import check_pattern

    cfg["NOTICE_TITLE"] = str(cfg["NOTICE_TITLE"]).strip()
    if not cfg["NOTICE_TITLE"]:
        raise ConfigError("NOTICE_TITLE 不能为空")
    check_pattern(str(cfg["NOTICE_NUMBER_PATTERN"]))


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path) -> str:
    """Return a per-instance secret, created once, so a newcomer needs no setup."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
