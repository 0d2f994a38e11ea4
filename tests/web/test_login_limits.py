"""Sign-in and limits (issue 16, point 8): where `next` may lead, throttling under
parallel attempts, Retry-After, and a streamed body past the size limit."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import pytest

from ..live import serve


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/%09/evil.example", "/"),  # a tab: browsers drop it and read //evil.example
        ("/%0a/evil.example", "/"),  # a newline: was a 500 (a header may not hold one)
        ("/%0d%0aSet-Cookie:x=1", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%E3%80%80/evil.example", "/"),  # an ideographic space
        ("javascript:alert(1)", "/"),
        ("/lists/rectification?level=major", "/lists/rectification?level=major"),
        ("/enterprises//1", "/enterprises/1"),
    ],
)
def test_next_after_login_is_only_a_path_on_this_site(app, world, target, expected):
    client = app.test_client()
    resp = client.post(
        f"/login?next={target}", data={"username": "district", "password": "password123"}
    )
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location == expected
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and not location.startswith("//")


def _token(base: str, username: str, password: str) -> tuple[int, dict]:
    host, port = urlsplit(base).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(
            "POST",
            "/api/v1/auth/token",
            body=json.dumps({"username": username, "password": password}),
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        resp.read()
        return resp.status, dict(resp.getheaders())
    finally:
        conn.close()


def test_parallel_wrong_passwords_never_pass_the_limit_and_429_says_when_to_retry(app, world):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    attempts = 3 * limit
    with serve(app) as base, ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(lambda _: _token(base, "ghost", "wrong-password"), range(attempts)))
    statuses = sorted(status for status, _ in results)
    # Each attempt is counted atomically before the password is checked: exactly `limit` are checked.
    assert statuses == [401] * limit + [429] * (attempts - limit), statuses
    window = app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    for status, headers in results:
        if status == 429:
            assert 1 <= int(headers["Retry-After"]) <= window


def test_a_throttled_page_sign_in_carries_retry_after(app, world):
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert (
            client.post("/login", data={"username": "district", "password": "wrong"}).status_code
            == 401
        )
    resp = client.post("/login", data={"username": "district", "password": "password123"})
    assert (
        resp.status_code == 429
        and 1 <= int(resp.headers["Retry-After"]) <= app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    )


def test_a_successful_sign_in_does_not_count_against_the_address(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    client = app.test_client()
    for _ in range(5):
        assert (
            client.post(
                "/login", data={"username": "district", "password": "password123"}
            ).status_code
            == 303
        )


def _chunked_put(base: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    host, port = urlsplit(base).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest("PUT", path)
        for k, v in {**headers, "Transfer-Encoding": "chunked"}.items():
            conn.putheader(k, v)
        conn.endheaders()
        try:
            for at in range(0, len(body), 64 * 1024):
                chunk = body[at : at + 64 * 1024]
                conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading: the answer is what counts
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_a_chunked_body_past_the_limit_is_413_not_a_short_upload(app, client, world):
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    body = os.urandom(600 * 1024)
    sha = hashlib.sha256(body).hexdigest()
    with serve(app) as base:
        status, answer = _chunked_put(
            base,
            f"/api/v1/photos/{quote(sha)}",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"},
        )
    assert status == 413, answer.decode(errors="replace")
    assert "过大" in json.loads(answer)["error"]


def test_a_chunked_body_within_the_limit_is_read_whole(app, client, world):
    from .. import images

    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    data = images.jpeg(seed=5)
    app.config["MAX_CONTENT_LENGTH"] = len(data)  # exactly at the limit is still within it
    with serve(app) as base:
        status, answer = _chunked_put(
            base,
            f"/api/v1/photos/{images.sha(data)}",
            data,
            {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"},
        )
    assert status == 201, answer
