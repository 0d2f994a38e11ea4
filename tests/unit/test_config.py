"""Configuration layers: defaults, then the instance file, then FIELDAPP_* environment."""

from __future__ import annotations

from flask import Flask

from fieldapp import config


def make(tmp_path, monkeypatch, instance_text=None, env=None):
    import os

    for key in [k for k in os.environ if k.startswith("FIELDAPP_")]:
        monkeypatch.delenv(key)  # the test decides the whole environment
    app = Flask("cfgtest", instance_path=str(tmp_path / "instance"), instance_relative_config=True)
    if instance_text is not None:
        (tmp_path / "instance").mkdir()
        (tmp_path / "instance" / "config.py").write_text(instance_text)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    config.load(app, None)
    return app


def test_defaults_make_a_secret_and_a_sqlite_url(tmp_path, monkeypatch):
    app = make(tmp_path, monkeypatch)
    secret = app.config["SECRET_KEY"]
    assert (
        len(secret) == 64 and (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
    )
    assert make(tmp_path, monkeypatch).config["SECRET_KEY"] == secret  # kept across restarts
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/fieldapp.sqlite3")
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_instance_file_then_environment(tmp_path, monkeypatch):
    app = make(
        tmp_path,
        monkeypatch,
        instance_text="BASE_URL = 'https://from-file.example'\nSECRET_KEY = 'file'\nDATA_DIR = '/srv/file'\n",
        env={
            "FIELDAPP_SECRET_KEY": "from-env",
            "FIELDAPP_DATABASE_URL": "postgresql://u:p@db/fieldapp",
            "FIELDAPP_TRUSTED_HOSTS": "a.example, b.example",
        },
    )
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["BASE_URL"] == "https://from-file.example"
    assert app.config["DATA_DIR"] == "/srv/file"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/fieldapp"
    assert app.config["TRUSTED_HOSTS"] == ["a.example", "b.example"]


def test_old_signing_keys_from_the_environment_are_whole_keys(tmp_path, monkeypatch):
    """FIELDAPP_SECRET_KEY_FALLBACKS=old is one key, not one key per character."""
    import pytest
    from flask import session

    old = "an-old-signing-key-0123456789"
    app = make(
        tmp_path,
        monkeypatch,
        env={
            "FIELDAPP_SECRET_KEY": "the-current-signing-key-987654",
            "FIELDAPP_SECRET_KEY_FALLBACKS": f"{old}, another-old-key-abcdefghij",
        },
    )
    assert app.config["SECRET_KEY_FALLBACKS"] == [old, "another-old-key-abcdefghij"]
    from fieldapp import security

    security.init_app(app)

    def cookie(key: str) -> str:
        signer = Flask("signer")
        signer.secret_key = key
        with signer.test_request_context():
            session["sid"] = "forged"
            return signer.session_interface.get_signing_serializer(signer).dumps(dict(session))

    iface = app.session_interface
    with app.test_request_context():
        loads = iface.get_signing_serializer(app).loads
        assert loads(cookie(old)) == {"sid": "forged"}  # a rotated-out key still reads
        with pytest.raises(Exception, match="Signature"):
            loads(cookie("a"))  # a single character of it does not
    for bad in ("short", "ok-long-enough-key-123,x"):
        with pytest.raises(config.ConfigError, match="至少 16 个字符"):
            make(tmp_path, monkeypatch, env={"FIELDAPP_SECRET_KEY_FALLBACKS": bad})
