"""A real HTTP server in a thread, for tests that need real connections (parallel
requests, chunked bodies, an outside fuzzer). The browser tests have their own
fixture with the same shape (tests/browser/conftest.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server


def _read_whole(file, buffer_size=8192):
    """Read a sent file into memory and close it at once (a `wsgi.file_wrapper`)."""
    try:
        return [file.read()]
    finally:
        file.close()


def files_read_whole(app):
    """Wrap `app` so every file it sends is read and closed before the response is written.

    Werkzeug's development server skips the response's close() when the client drops
    the connection mid-body and reading the rest of its request then fails too (a
    browser cancelling a precache or a cut sync does both). The file it was sending is
    then closed by the garbage collector, whose ResourceWarning fails whichever test is
    running. gunicorn, which serves production, always calls close(); here the files
    are closed before the first byte goes out. Static files and photos are small.
    """

    def wsgi(environ, start_response):
        environ["wsgi.file_wrapper"] = _read_whole
        return app(environ, start_response)

    return wsgi


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on a free localhost port, one thread per request; yield its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, files_read_whole(app), threaded=True)
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
