"""Properties of the visit validator (contract, then domain rules), checked with Hypothesis.

Any JSON value in any field of a visit gets a 4xx with a Chinese message, never an
exception; any valid visit (built from the same item rules the bootstrap ships) is
stored, replays to the same receipt, and is stored as sent.
"""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fieldapp.contract.rules import LIMITS, ItemRules
from fieldapp.extensions import db
from fieldapp.models import Answer

from ..clock import VISIT_DAY
from ..factories import visit_body

FIELD_PATHS = [
    ("enterprise_id",),
    ("checklists",),
    ("checklists", 0),
    ("checklists", 0, "id"),
    ("checklists", 0, "version"),
    ("started_at",),
    ("finished_at",),
    ("location",),
    ("location", "lat"),
    ("location", "lng"),
    ("location", "accuracy_m"),
    ("location_status",),
    ("answers",),
    ("answers", 0),
    ("answers", 0, "checklist"),
    ("answers", 0, "item"),
    ("answers", 0, "result"),
    ("answers", 0, "note"),
    ("answers", 0, "photos"),
    ("answers", 0, "hazard"),
    ("answers", 1, "hazard", "uuid"),
    ("answers", 1, "hazard", "description"),
    ("answers", 1, "hazard", "level"),
    ("answers", 1, "hazard", "level_reason"),
    ("answers", 1, "hazard", "deadline"),
    ("answers", 1, "hazard", "deadline_reason"),
    ("answers", 1, "hazard", "fixed_on_spot"),
    ("answers", 1, "hazard", "after_photos"),
    ("answers", 1, "hazard", "measure"),
    ("answers", 1, "hazard", "owner"),
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18, max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        ["\x00", "\ud800", "9999-12-31", "0001-01-01T00:00:00Z", "pass", "major", "a" * 5000]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
PROPERTY = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


@pytest.fixture
def inspector(client, world, app):
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    return {"Authorization": f"Bearer {token}"}


def _put(body_or_path_value, client, headers, world):
    return client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body_or_path_value, headers=headers)


@PROPERTY
@given(path=st.sampled_from(FIELD_PATHS), value=json_values)
def test_any_json_value_in_any_field_is_a_4xx_in_chinese_or_accepted(
    client, world, inspector, path, value
):
    body = copy.deepcopy(
        visit_body(world.ents["a1"], photos={"extinguishers": ["a" * 64], "gas_alarm": ["b" * 64]})
    )
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    resp = _put(body, client, inspector, world)
    assert resp.status_code < 500
    if resp.status_code >= 400:
        assert resp.status_code in (400, 404, 409, 413, 422), resp.status_code
        answer = resp.json
        assert chinese(answer["error"]), answer
        assert all(chinese(e) for e in answer.get("errors", [])), answer


@PROPERTY
@given(top=json_values)
def test_any_json_value_as_the_whole_body_is_a_4xx_in_chinese(client, world, inspector, top):
    resp = _put(top, client, inspector, world)
    assert resp.status_code in (400, 422) and chinese(resp.json["error"])


ITEMS = [
    ("general", "exits_clear"),
    ("general", "extinguishers"),
    ("general", "no_ad_hoc_wiring"),
    ("catering", "gas_alarm"),
    ("catering", "lpg_not_in_dining"),
]
text = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
    | st.sampled_from(" abc123。，"),
    max_size=LIMITS.text // 20,
)


@st.composite
def valid_answers(draw, registry):
    answers = []
    for cid, key in ITEMS:
        result = draw(st.sampled_from([None, "pass", "na", "fail"]))
        if result is None:
            continue  # unanswered items are recorded as such
        answer = {
            "checklist": cid,
            "item": key,
            "result": result,
            "note": draw(text),
            "photos": [],
            "hazard": None,
        }
        if result == "fail":
            rules = ItemRules.of(registry.get(cid).item(key))
            answer["photos"] = (
                [draw(st.sampled_from("abcdef")) * 64]
                if rules.photo_required or draw(st.booleans())
                else []
            )
            days = draw(st.integers(0, rules.deadline_reason_after_days))
            answer["hazard"] = {
                "uuid": str(uuid.uuid4()),
                "description": draw(text),
                "level": rules.default_level,
                "deadline": (VISIT_DAY + timedelta(days=days)).isoformat(),
                "fixed_on_spot": False,
                "after_photos": [],
            }
        answers.append(answer)
    return answers


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_valid_visits_round_trip(app, client, world, inspector, data):
    answers = data.draw(valid_answers(app.extensions["checklists"]))
    body = visit_body(world.ents["a1"], answers=answers)
    vid = str(uuid.uuid4())
    first = client.put(f"/api/v1/visits/{vid}", json=body, headers=inspector)
    assert first.status_code == 201, first.json
    again = client.put(f"/api/v1/visits/{vid}", json=copy.deepcopy(body), headers=inspector)
    assert again.status_code == 200 and again.json == first.json
    assert len(first.json["hazards"]) == sum(a["result"] == "fail" for a in answers)
    with app.app_context():
        stored = {
            (a.checklist_id, a.item_key): (a.result, a.note)
            for a in db.session.scalars(select(Answer).where(Answer.visit_uuid == vid))
        }
    assert stored == {
        (a["checklist"], a["item"]): (a["result"], a["note"].strip()) for a in answers
    }
