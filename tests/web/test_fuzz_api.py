"""Schemathesis over /api/v1/openapi.json against a live server (issue 16, point 2).

Run as district and as inspector with a fixed seed and a bounded number of
examples, as the outside fuzzer that found the integer-overflow 500s was run:
no answer may be a 5xx, every answer must match the document, and every
operation that needs a credential must refuse a call without one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..factories import make_hazard
from ..live import serve

SEED = 20261128
CHECKS = "not_a_server_error,response_schema_conformance,ignored_auth"
MAX_EXAMPLES = 25
MAX_SECONDS = 20


def fuzzer_env() -> dict[str, str]:
    """The fuzzer runs on the real clock: under .ci/run's faketime pass only the server moves.

    libfaketime, inherited through LD_PRELOAD, kept the fuzzer's own time limit from ending
    its run (killed at the subprocess timeout); the server under test is still shifted.
    """
    return {
        k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")
    }


@pytest.mark.parametrize("username", ["district", "inspector_a1"])
def test_schemathesis_finds_nothing(app, client, world, tmp_path, username):
    from fieldapp.extensions import db

    with app.app_context():
        make_hazard(world.ents["a1"])  # a hazard in scope, so the lists are not empty
        db.session.commit()
    token = client.post(
        "/api/v1/auth/token", json={"username": username, "password": "password123"}
    ).json["token"]
    # The fuzzer tries the token endpoint too: keep the sign-in limits out of its way.
    app.config.update(LOGIN_MAX_FAILURES_PER_IP=10**6, LOGIN_MAX_FAILURES_PER_ACCOUNT=10**6)
    st = Path(sys.executable).with_name("st")
    with serve(app) as base:
        started = time.monotonic()
        run = subprocess.run(
            [
                str(st),
                "run",
                f"{base}/api/v1/openapi.json",
                "--checks",
                CHECKS,
                "--seed",
                str(SEED),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--max-time",
                str(MAX_SECONDS),
                # One worker: Python 3.11 builds ASTs unsafely across threads (CPython
                # gh-106905), and Hypothesis parses lambdas as it generates; two workers
                # failed a clean run with "AST constructor recursion depth mismatch".
                "--workers",
                "1",
                # A slow shared CI machine must not pass for a broken server: a generous
                # per-request timeout, no retries (a crash or hang still fails the run).
                "--request-timeout",
                "60",
                "--header",
                f"Authorization: Bearer {token}",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=170,
            cwd=tmp_path,
            env={**fuzzer_env(), "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"},
        )
        took = time.monotonic() - started
    print(f"schemathesis as {username}: {took:.1f} s\n" + run.stdout[-1500:])
    # The errors section first: the tail alone hides which operation failed and why.
    errors = run.stdout.partition("ERRORS")[2].partition("SUMMARY")[0]
    assert run.returncode == 0, errors[:6000] + run.stdout[-3000:] + run.stderr[-2000:]
