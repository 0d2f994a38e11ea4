"""A client that resets a download mid-body leaves no open file behind the test server.

The CI run on 8daadd9 failed a browser test on a ResourceWarning for a static file the
development server never closed (see tests/live.py). This reproduces the drop with a
raw socket: request, a few bytes more, then a reset while the file is being written.
"""

from __future__ import annotations

import gc
import socket
import struct
import time
import warnings

from ..live import serve

BIG_STATIC = "/static/vendor/jsqr-1.4.0/jsQR.js"  # 250 KB: more than the socket buffers


def _reset_mid_body(base_url: str, path: str) -> None:
    """Ask for `path`, read a little, send stray bytes, then reset the connection."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    # A tiny receive window keeps the server writing when the reset arrives.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    sock.recv(64)
    # Unread request bytes make the server drain the socket after the write fails; the
    # reset makes that read fail too, which is the path that skipped close().
    sock.sendall(b"x" * 100)
    time.sleep(0.05)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_download_reset_mid_body_leaves_no_file_open(app):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with serve(app) as url:
            for _ in range(10):
                _reset_mid_body(url, BIG_STATIC)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
