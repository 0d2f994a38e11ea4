"""Sign-in, sessions that really end, throttling, CSRF and security headers."""

from __future__ import annotations

import pytest

from fieldapp import auth
from fieldapp.extensions import db
from fieldapp.models import User


def test_login_page_is_chinese_and_carries_a_csrf_field(client):
    resp = client.get("/login")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'lang="zh-CN"' in html and "用户名" in html and 'name="csrf_token"' in html


def test_anonymous_page_redirects_to_login_and_api_answers_401(client):
    resp = client.get("/enterprises")
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/login?next=/enterprises")
    api = client.get("/api/v1/enterprises")
    assert api.status_code == 401 and api.json["status"] == 401


def test_login_then_home(world, client):
    resp = client.login("street_a")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/dashboard"
    assert "甲街道" in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(
    "username,password", [("street_a", "wrong-password"), ("nobody", "password123")]
)
def test_wrong_password_and_unknown_user_look_the_same(world, client, username, password):
    resp = client.post("/login", data={"username": username, "password": password})
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)


def test_next_parameter_never_leaves_the_site(world, client):
    resp = client.post(
        "/login?next=//evil.example/x", data={"username": "district", "password": "password123"}
    )
    assert resp.headers["Location"] == "/"
    client2 = client.application.test_client()
    resp = client2.post(
        "/login",
        data={"username": "district", "password": "password123", "next": "/enterprises?q=1"},
    )
    assert resp.headers["Location"] == "/enterprises?q=1"


def test_old_cookie_after_logout_is_refused(world, client):
    client.login("district")
    cookie = client.get_cookie("fieldapp_session").value
    assert client.get("/enterprises").status_code == 200
    client.post("/logout")
    # A copy of the cookie taken before logout, replayed by someone else.
    thief = client.application.test_client()
    thief.set_cookie("fieldapp_session", cookie)
    resp = thief.get("/enterprises")
    assert resp.status_code == 303 and "/login" in resp.headers["Location"]


def test_disabling_a_user_ends_their_session(app, world, login):
    client = login("street_a")
    assert client.get("/enterprises").status_code == 200
    with app.app_context():
        auth.set_active(db.session.get(User, world.users["street_a"]), False)
    assert client.get("/enterprises").status_code == 303
    again = app.test_client().login("street_a")
    assert again.status_code == 401


def test_account_is_throttled_after_repeated_failures(app, world, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert (
            client.post("/login", data={"username": "street_a", "password": "bad-pass"}).status_code
            == 401
        )
    # Even the right password is refused while the account is throttled.
    resp = client.post("/login", data={"username": "street_a", "password": "password123"})
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    # Another account from the same client is not locked by this one.
    assert (
        client.post("/login", data={"username": "street_b", "password": "password123"}).status_code
        == 303
    )


def test_unknown_account_is_throttled_identically(app, world, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post("/login", data={"username": "ghost", "password": "bad-pass"})
    assert (
        client.post("/login", data={"username": "ghost", "password": "bad-pass"}).status_code == 429
    )


def test_ip_is_throttled_across_accounts(app, world, client):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for i in range(3):
        client.post("/login", data={"username": f"user{i}", "password": "bad-pass"})
    assert (
        client.post("/login", data={"username": "district", "password": "password123"}).status_code
        == 429
    )


def test_api_token_throttled_too(app, world, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert (
            client.post(
                "/api/v1/auth/token", json={"username": "district", "password": "x" * 9}
            ).status_code
            == 401
        )
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "district", "password": "password123"}
        ).status_code
        == 429
    )


@pytest.mark.parametrize("path", ["/login", "/logout"])
def test_state_changes_without_csrf_token_are_refused(world, client, path):
    resp = client.post(path, data={"username": "district", "password": "password123"}, csrf=False)
    assert resp.status_code == 400
    assert "页面已过期，请刷新页面后重试" in resp.get_data(as_text=True)


def test_htmx_style_header_token_is_accepted(world, client):
    token = client.csrf_token()
    resp = client.post(
        "/login",
        data={"username": "district", "password": "password123"},
        headers={"X-CSRFToken": token},
        csrf=False,
    )
    assert resp.status_code == 303


def test_logged_in_edit_without_csrf_is_refused(world, login):
    client = login("district")
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data={"name": "x"}, csrf=False)
    assert resp.status_code == 400


def test_security_headers(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    )
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(world, client):
    client.login("district")
    cookie = client.get_cookie("fieldapp_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_secure_cookie_follows_https_base_url(tmp_path):
    from fieldapp import create_app

    from ..conftest import base_config

    app = create_app({**base_config("sqlite://", tmp_path), "BASE_URL": "https://fieldapp.example"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["BASE_URL"] == "https://fieldapp.example"


def test_untrusted_host_refused(app, client):
    app.config["TRUSTED_HOSTS"] = ["fieldapp.example"]
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "fieldapp.example"}).status_code == 200


def test_short_password_refused():
    with pytest.raises(auth.PasswordError):
        auth.hash_password("short")


def test_a_new_secret_key_refuses_cookies_signed_with_the_old_one(app, world, client):
    client.login("district")
    assert client.get("/enterprises").status_code == 200
    app.secret_key = "another-secret-key-for-this-test"
    resp = client.get("/enterprises")
    assert resp.status_code == 303 and "/login" in resp.headers["Location"]
