"""A real HTTP server in a thread, for tests that need real connections (parallel
requests, chunked bodies, an outside fuzzer). The browser tests have their own
fixture with the same shape (tests/browser/conftest.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on a free localhost port, one thread per request; yield its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Closing waits for requests still answering, so none keeps a database connection
    # past the app fixture's pool disposal.
    server.daemon_threads = False
    server.block_on_close = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
