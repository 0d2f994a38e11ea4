"""The unit of work a view hands its domain call to.

Views parse the request, make one domain call and render; they never touch the ORM
session themselves. The call runs inside `run` (or an `atomic()` block when a form
makes two calls that must land together): its writes are committed when it returns
and rolled back when it raises, so a refused action leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError

from .extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def run(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Call fn, commit its writes, and roll them back if it raises."""
    with atomic():
        return fn(*args, **kwargs)


def run_or_replay(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run fn as `run` does; if a concurrent request stored the same record first, run it again.

    For idempotent receivers (a record addressed by its uuid or hash): the request that
    lost the race sees the winner's row on the second call and answers as a replay.
    """
    try:
        return run(fn, *args, **kwargs)
    except IntegrityError:
        return run(fn, *args, **kwargs)


@contextlib.contextmanager
def atomic() -> Iterator[None]:
    """Commit the block's writes together, or roll them all back if it raises."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def rollback() -> None:
    """Drop uncommitted writes (a view that caught a refusal outside `run`)."""
    db.session.rollback()
