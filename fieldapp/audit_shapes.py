"""The declared shape of every audit payload, by action: checked on write, read back tolerantly.

One table says, for each action, which object it is about and exactly which keys its
payload carries and what each holds. `fieldapp.audit.append` refuses a payload that
does not match, so no page can meet a shape that real use cannot produce.

Reading is the other half: the chain is never edited, so rows written by older code
stay as they are — the first demo wrote hazard events with only
{"hazard", "from", "to"} (and "demo", "photos"), and an imported archive carries the
source's payload verbatim under its own keys plus ``imported``. `view` turns any of
them into the shape pages read, with every optional part present and typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from .errors import DomainError

Check = Callable[[object], bool]

_SHA = re.compile(r"^[0-9a-f]{64}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Literal here, not imported: fieldapp.hazards imports the audit module (a cycle otherwise).
HAZARD_STATES = ("open", "rectified", "closed")
LEVELS = ("general", "major")
COLORS = ("red", "orange", "yellow", "blue")
CASE_LEVELS = ("city", "district", "street")
REVIEW_LEVELS = ("level1", "level2", "level3", "micro_pass")
# The columns of an audit row that an import keeps verbatim under payload["imported"].
IMPORTED_FIELDS = (
    "seq",
    "uuid",
    "object_type",
    "object_id",
    "enterprise_id",
    "action",
    "actor_id",
    "actor_label",
    "at",
    "payload",
    "payload_sha256",
    "prev_hash",
    "hash",
)


class PayloadError(DomainError, ValueError):
    """A payload that is not the declared shape of its action (a bug in the writer, never user input)."""

    status = 500


def STR(v) -> bool:
    return isinstance(v, str)


def TEXT(v) -> bool:
    return isinstance(v, str) and bool(v.strip())


def INT(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def BOOL(v) -> bool:
    return isinstance(v, bool)


def DICT(v) -> bool:
    return isinstance(v, dict)


def ANY(v) -> bool:
    """Any JSON value (a structure another module defines and checks, e.g. a proposal's changes)."""
    return True


def NONE(v) -> bool:
    return v is None


def SHA(v) -> bool:
    return isinstance(v, str) and bool(_SHA.match(v))


def UUID(v) -> bool:
    return isinstance(v, str) and bool(_UUID.match(v))


def DATE(v) -> bool:
    if not isinstance(v, str):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def opt(check: Check) -> Check:
    return lambda v: v is None or check(v)


def one_of(*values) -> Check:
    return lambda v: v in values


def list_of(check: Check) -> Check:
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


def obj(shape: dict[str, Check]) -> Check:
    return lambda v: isinstance(v, dict) and not problems(shape, v)


def _checklist_pin(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and STR(v[0]) and INT(v[1])


def _hazard(data: dict[str, Check]) -> tuple[str, dict[str, Check]]:
    """A hazard event: the state it left and reached, what it carried, the hazard as it stood after."""
    return "hazard", {
        "hazard": UUID,
        "from": opt(one_of(*HAZARD_STATES)),
        "to": one_of(*HAZARD_STATES),
        "version": INT,
        "note": STR,
        "photos": list_of(SHA),
        "level": one_of(*LEVELS),
        "deadline": DATE,
        "supervised": BOOL,
        "referred": BOOL,
        "data": obj(data),
    }


_LETTER = ("campaign", {"year": INT, "on": DATE, "photo": opt(SHA)})
_CASE = ("campaign", {"level": one_of(*CASE_LEVELS), "on": DATE})
_PROPOSAL = {"checklist": STR, "base_version": INT}
_FIRE_COMBINED = opt(
    DICT
)  # fieldapp.fire_combined.payload: the proposal and the inspector's answer, or None

# action → (object_type, {key: check}). Keys are exact: none missing, none extra; a key ending in "?" may be absent.
SHAPES: dict[str, tuple[str, dict[str, Check]]] = {
    "raise": _hazard(
        {
            "item": opt(STR),
            "checklist": opt(STR),
            "visit": opt(UUID),
            "defect": opt(STR),
            "source?": one_of("self"),
            # A major hazard raised by an inspector waits for the office's confirmation (issue 20).
            "major_confirmed?": BOOL,
        }
    ),
    "submit_rectification": _hazard({}),
    # A flagged major hazard's first verification waits for a second office user's confirm_closure.
    "verify": _hazard({"awaiting_confirmation?": one_of(True)}),
    "confirm_closure": _hazard({}),
    "reject": _hazard({}),
    "request_extension": _hazard({"requested": DATE}),
    "approve_extension": _hazard({"old": DATE, "new": DATE}),
    "refuse_extension": _hazard({"requested": DATE}),
    # 挂牌督办 names its level and supervisor (issue 20); 移交执法 opens a case under the event's own uuid.
    "supervise": _hazard({"level": one_of("street", "district"), "supervisor": TEXT}),
    "refer": _hazard({}),
    # Major hazards governed to the law (fieldapp.hazard_major): confirmation, downgrade, 治理方案, 销号 acceptance.
    "confirm_major": _hazard({}),
    "downgrade_major": _hazard(
        {"old": one_of("major"), "new": one_of("general"), "was_confirmed": BOOL}
    ),
    "submit_plan": _hazard({"plan": DICT, "attachments": list_of(SHA)}),
    "accept_plan": _hazard({"plan": opt(UUID)}),
    "return_plan": _hazard({"plan": opt(UUID)}),
    "record_acceptance": _hazard(
        {"accepted_by": TEXT, "accepted_on": DATE, "attachments": list_of(SHA)}
    ),
    "reopen": _hazard({}),
    "fix_on_spot": _hazard({}),
    # Flags recomputed when an after photo reaches the server later than its rectification.
    "evidence_checked": ("hazard", {"photo": SHA, "flags": list_of(STR), "before": list_of(STR)}),
    "self_close": _hazard({}),
    "confirm_self": _hazard({}),
    "visit_received": (
        "visit",
        {
            "body_sha256": SHA,
            "answers": INT,
            "fails": INT,
            "checklists": list_of(_checklist_pin),
            "fire_combined": _FIRE_COMBINED,
            "amends?": UUID,
            # The responsible person's sign-off (a signature's hash, or refused) and how many items were left unchecked.
            "sign_off?": obj({"status": one_of("signed", "refused"), "signature?": SHA}),
            "unchecked?": INT,
            # A 督导帮扶 visit's team (fieldapp.supervision.record); routine visits have none.
            "supervision?": obj({"participants": list_of(TEXT), "experts": STR}),
        },
    ),
    # Units found in the field (fieldapp.units): proposed from the phone, decided by the office.
    "unit_proposed": (
        "unit",
        {
            "body_sha256": SHA,
            "name": TEXT,
            "credit_code": opt(STR),
            "no_licence": BOOL,
            "street": opt(INT),
            "grid": opt(INT),
            "photos": list_of(SHA),
        },
    ),
    "unit_approved": (
        "unit",
        {
            "enterprise": INT,
            "name": TEXT,
            "credit_code": opt(STR),
            "four_categories": ANY,
            "visits": list_of(UUID),
        },
    ),
    "unit_merged": (
        "unit",
        {"enterprise": INT, "filled": list_of(STR), "note": STR, "visits": list_of(UUID)},
    ),
    "unit_rejected": ("unit", {"reason": TEXT, "visits": list_of(UUID)}),
    "unit_visit_held": (
        "visit",
        {
            "unit": UUID,
            "body_sha256": SHA,
            "hazards": list_of(UUID),
            "unit_status": one_of("proposed", "approved", "merged", "rejected"),
        },
    ),
    # Enforcement records and referral cases (fieldapp.enforcement); amounts are exact decimal text.
    "enforcement_recorded": (
        "enforcement",
        {
            "kind": STR,
            "doc_number": STR,
            "decided_on": DATE,
            "measures": list_of(STR),
            "fine_wan": opt(STR),
            "dual_penalty": BOOL,
            "person_name": opt(STR),
            "person_role": opt(STR),
            "person_fine_wan": opt(STR),
            "persons": ANY,
            "hazards": list_of(UUID),
            "attachments": list_of(SHA),
            "case": opt(UUID),
            "filer": DICT,
            "note": STR,
        },
    ),
    "enforcement_voided": ("enforcement", {"reason": TEXT, "case": opt(UUID)}),
    "case_closed": ("case", {"hazard": UUID, "outcome": TEXT}),
    # 包保 cadres (fieldapp.cadres).
    "cadre_assigned": (
        "cadre",
        {"enterprise": opt(INT), "grid": opt(INT), "name": TEXT, "title": STR},
    ),
    "cadre_ended": ("cadre", {"enterprise": opt(INT), "grid": opt(INT), "name": TEXT}),
    "report_received": ("report", {"description_sha256": SHA, "photo": opt(SHA)}),
    "report_confirmed": ("report", {"hazard": UUID}),
    "report_dismissed": ("report", {"reason": TEXT}),
    "placard_rotate": ("placard", {"token_sha256": SHA}),
    "placard_revoke": ("placard", {"token_sha256": NONE}),
    "pin_reset": ("placard", {}),
    "letter_notice": _LETTER,
    "letter_commitment": _LETTER,
    "tenancy_agreement": ("campaign", {"tenant": INT, "on": DATE, "photo": opt(SHA)}),
    "case_sample_street": _CASE,
    "case_benchmark": _CASE,
    "case_excellent_venue": _CASE,
    "std_review": (
        "campaign",
        {
            "level": one_of(*REVIEW_LEVELS),
            "result": one_of("pass", "fail"),
            "on": DATE,
            "organizer": one_of(*CASE_LEVELS, "national", "province"),
        },
    ),
    "std_self_assessment": (
        "campaign",
        {
            "level": one_of("self_assessed"),
            "result": one_of("pass", "fail"),
            "on": DATE,
            "organizer": NONE,
        },
    ),
    "stars_rated": ("campaign", {"stars": one_of(1, 2, 3, 4, 5), "suggested": INT, "reason": STR}),
    "risk_decided": (
        "campaign",
        {
            "suggested": one_of(*COLORS),
            "color": one_of(*COLORS),
            "reasons": list_of(STR),
            "override": STR,
        },
    ),
    "archive_import": (
        "enterprise",
        {
            "file_sha256": SHA,
            "data_sha256": SHA,
            "source_enterprise_id": INT,
            "source_chain_head": DICT,
            "generated_at": STR,
            "events": INT,
            "events_sha256": SHA,
        },
    ),
    "file_quarter": (
        "quarter_filing",
        {
            "seal": STR,
            "unit": STR,
            "unit_name": STR,
            "year": INT,
            "quarter": one_of(1, 2, 3, 4),
            "version": INT,
            "reason": opt(STR),
        },
    ),
    "plan_filed": (
        "plan_filing",
        {
            "requirement": STR,
            "filer": STR,
            "kind": STR,
            "sha256": opt(STR),
            "size": opt(INT),
            "file_type": opt(STR),
            "snapshot": opt(INT),
            "due_on": DATE,
            "on_time": BOOL,
        },
    ),
    "plan_phase_saved": (
        "plan",
        {"year": INT, "key": STR, "title": STR, "starts_on": opt(DATE), "ends_on": DATE},
    ),
    "plan_requirement_saved": (
        "plan",
        {
            "year": INT,
            "key": STR,
            "title": STR,
            "due_on": DATE,
            "filers": ANY,
            "forms": ANY,
            "phase": opt(STR),
        },
    ),
    "plan_requirement_deleted": ("plan", {"year": INT, "key": STR, "title": STR}),
    "plan_loaded": ("plan", {"year": INT, "phases": INT, "requirements": INT, "source": STR}),
    "proposal_submitted": ("checklist_proposal", {**_PROPOSAL, "changes": ANY, "reason": STR}),
    "proposal_refused": ("checklist_proposal", {**_PROPOSAL, "reason": STR}),
    "proposal_accepted": (
        "checklist_proposal",
        {**_PROPOSAL, "reason": STR, "new_version": INT, "toml_sha256": SHA, "content_hash": STR},
    ),
    "proposal_installed": (
        "checklist_proposal",
        {**_PROPOSAL, "new_version": INT, "toml_sha256": SHA, "file": STR},
    ),
    "alert_received": (
        "alert",
        {"kind": STR, "hazard": opt(UUID), "record": opt(UUID), "body_sha256": SHA},
    ),
    "offline_loss_noticed": ("alert", {"kind": STR, "record": STR, "type": STR, "device": STR}),
    "alert_acknowledged": ("alert", {"kind": STR}),
}
HAZARD_ACTIONS = frozenset(a for a, (kind, _) in SHAPES.items() if kind == "hazard")


def problems(shape: dict[str, Check], payload: dict) -> list[str]:
    """What differs from the shape: missing keys, unexpected keys, values of the wrong kind."""
    keys = {k.rstrip("?"): k.endswith("?") for k in shape}
    checks = {k.rstrip("?"): c for k, c in shape.items()}
    out = [f"缺少 {k}" for k, optional in keys.items() if not optional and k not in payload]
    out += [f"多出 {k}" for k in payload if k not in keys]
    out += [
        f"{k} 的值不合规定：{payload[k]!r}"
        for k, check in checks.items()
        if k in payload and not check(payload[k])
    ]
    return out


def check(object_type: str, action: str, payload) -> None:
    """Refuse a payload that is not its action's declared shape.

    An imported event is the source instance's record, kept verbatim (an older version
    may have written it in an older shape): only its envelope is checked here — the
    original row under ``imported`` — and readers take whatever shape it has.
    """
    if not isinstance(payload, dict):
        raise PayloadError(f"{action}: payload 应为对象")
    if "imported" in payload:
        original = payload["imported"]
        if not isinstance(original, dict) or set(original) != set(IMPORTED_FIELDS):
            raise PayloadError(f"{action}: imported 应为原系统事件的整行记录")
        if original.get("action") != action or original.get("object_type") != object_type:
            raise PayloadError(f"{action}: imported 的 action 或 object_type 与本事件不符")
        return
    declared = SHAPES.get(action)
    if declared is None:
        raise PayloadError(f"未声明的审计操作：{action}")
    kind, shape = declared
    if kind != object_type:
        raise PayloadError(f"{action}: 对象类型应为 {kind}，实为 {object_type}")
    found = problems(shape, payload)
    if found:
        raise PayloadError(f"{action}: " + "；".join(found))


def view(action: str, payload) -> dict:
    """The payload as pages read it, from any shape ever written: every declared key present, wrong kinds emptied.

    Hazard events always have a text ``note``, a list of hashes ``photos`` and a dict
    ``data``; other keys the shape declares are None when a row lacks them. Keys a row
    has beyond its shape (an old ``demo`` flag, an import's ``imported``) are kept.
    """
    raw = payload if isinstance(payload, dict) else {}
    _, shape = SHAPES.get(action, ("", {}))
    out = {k.rstrip("?"): None for k in shape}
    out.update(raw)
    if action in HAZARD_ACTIONS or "hazard" in raw:
        out["note"] = raw["note"] if isinstance(raw.get("note"), str) else ""
        out["photos"] = (
            [s for s in raw["photos"] if SHA(s)] if isinstance(raw.get("photos"), list) else []
        )
        out["data"] = dict(raw["data"]) if isinstance(raw.get("data"), dict) else {}
        for key in ("from", "to"):
            out[key] = raw.get(key) if raw.get(key) in HAZARD_STATES else None
        out["version"] = raw["version"] if INT(raw.get("version")) else None
    return out
