"""The unit of work: a domain call's writes land together or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fieldapp import tx
from fieldapp.errors import DomainError
from fieldapp.extensions import db
from fieldapp.models import Street

from ..factories import make_street


def streets() -> int:
    return db.session.scalar(select(func.count()).select_from(Street))


def test_run_commits_what_the_call_wrote(ctx):
    before = streets()
    street_id = tx.run(make_street, "甲街道", "ZZ1").id
    db.session.remove()  # a fresh session sees only what was committed
    assert streets() == before + 1
    assert db.session.get(Street, street_id).name == "甲街道"


def test_a_refused_call_leaves_nothing_written(ctx):
    before = streets()

    def refuses():
        make_street("乙街道", "ZZ2")
        raise DomainError("不允许", status=409)

    with pytest.raises(DomainError) as caught:
        tx.run(refuses)
    assert caught.value.status == 409
    db.session.remove()
    assert streets() == before


def test_an_atomic_block_lands_both_calls_or_neither(ctx):
    before = streets()
    with pytest.raises(ValueError):
        with tx.atomic():
            make_street("丙街道", "ZZ3")
            make_street("丁街道", "ZZ4")
            raise ValueError("second call failed")
    db.session.remove()
    assert streets() == before
    with tx.atomic():
        make_street("丙街道", "ZZ3")
        make_street("丁街道", "ZZ4")
    db.session.remove()
    assert streets() == before + 2


def test_run_or_replay_answers_the_loser_of_a_race_from_the_winners_row(ctx):
    tx.run(make_street, "戊街道", "ZZ5")  # the winner's row, committed first
    before = streets()
    calls = []

    def receive():
        calls.append(1)
        row = db.session.scalar(select(Street).where(Street.code == "ZZ5"))
        if len(calls) == 1:  # the loser looked before the winner committed
            row = make_street("戊街道", "ZZ5")
        return row.id

    street_id = tx.run_or_replay(receive)
    assert calls == [1, 1]
    db.session.remove()
    assert db.session.get(Street, street_id).code == "ZZ5"
    assert streets() == before
