"""Every page a user can reach works on the district's own data (issue 15, points 4 and 5).

On the full default demo (1,091 units, history from the plan's start, made through the
domain functions) each role signs in and follows every same-origin link and hx-get it
meets; a page of every hazard state and every kind of visit is visited whether the
links lead there or not. No 5xx, no template error, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import Text, and_, cast, exists, func, select

from fieldapp import demo, placards
from fieldapp.clock import local_today
from fieldapp.extensions import db
from fieldapp.models import Answer, AuditEvent, Enterprise, Hazard, Photo, PhotoRef, User, Visit

from ..clock import NOW
from ..crawl import Crawl

TODAY = local_today(NOW)


def nonempty(column):
    """A JSON list column holding something (compared as text: PostgreSQL has no = on json)."""
    return cast(column, Text) != "[]"


DISTRICT, STREET, INSPECTOR = "district", "street-ct", "inspector-ct-01"
# Hazards of every state and flag, as the office meets them.
HAZARD_KINDS = {
    "open": and_(Hazard.state == "open", Hazard.deadline >= TODAY),
    "overdue": and_(Hazard.state == "open", Hazard.deadline < TODAY),
    "rectified": and_(Hazard.state == "rectified", Hazard.deadline >= TODAY),
    "rectified past its deadline": and_(Hazard.state == "rectified", Hazard.deadline < TODAY),
    "closed": Hazard.state == "closed",
    "closed on the spot": Hazard.fixed_on_spot.is_(True),
    "rejected, open again": and_(
        Hazard.state == "open",
        exists().where(AuditEvent.object_id == Hazard.uuid, AuditEvent.action == "reject"),
    ),
    "reopened": exists().where(AuditEvent.object_id == Hazard.uuid, AuditEvent.action == "reopen"),
    "supervised": Hazard.supervised.is_(True),
    "referred": Hazard.referred.is_(True),
    "extension pending": Hazard.extension_requested_to.is_not(None),
    "from a public report": Hazard.visit_uuid.is_(None),
    "flagged evidence": nonempty(Hazard.evidence_flags),
    "at a closed-down premises": Enterprise.active.is_(False),  # examples() joins the premises
    "found by the enterprise itself": Hazard.source == "self",
    "self-found, confirmed by an inspector": and_(
        Hazard.source == "self", Hazard.confirmed_at.is_not(None)
    ),
    "from a combined fire judgement": Hazard.item_key == "fire_combined",
    "closed by a second office user": exists().where(
        AuditEvent.object_id == Hazard.uuid, AuditEvent.action == "confirm_closure"
    ),
}
_answers = select(Answer.id).where(Answer.visit_uuid == Visit.uuid)
VISIT_KINDS = {
    "located": Visit.lat.is_not(None),
    "location refused": Visit.location_status == "denied",
    "location timed out": Visit.location_status == "timeout",
    "no location available": Visit.location_status == "unavailable",
    "with photos": exists(_answers.where(nonempty(Answer.photos))),
    "without photos": ~exists(_answers.where(nonempty(Answer.photos))),
    "with notes": exists(_answers.where(Answer.note != "")),
    "without notes": ~exists(_answers.where(Answer.note != "")),
    "with items left unanswered": Visit.answered_count < Visit.item_count,
    "every item answered": Visit.answered_count == Visit.item_count,
    "with an on-the-spot fix": exists().where(
        Hazard.visit_uuid == Visit.uuid, Hazard.fixed_on_spot.is_(True)
    ),
    "without hazards": Visit.fail_count == 0,
    "with a photo that never arrived": exists().where(
        PhotoRef.object_id == Visit.uuid, ~exists().where(Photo.sha256 == PhotoRef.photo_sha256)
    ),
    "by an inspector who left": exists().where(
        User.id == Visit.inspector_id, User.active.is_(False)
    ),
    "at a closed-down premises": Enterprise.active.is_(False),
    "correcting an earlier visit": Visit.amends.is_not(None),
    "with a combined fire judgement answered": exists().where(
        AuditEvent.object_id == Visit.uuid,
        AuditEvent.action == "visit_received",
        AuditEvent.payload.like('%"decision"%'),
    ),
}


def examples(scope_clause=None) -> dict[str, list[str]]:
    """URLs of one hazard and one visit of each kind (within a scope), with the premises they are at."""
    out = {}
    for name, cond in HAZARD_KINDS.items():
        stmt = (
            select(Hazard.uuid, Hazard.enterprise_id)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .where(cond)
        )
        row = db.session.execute(
            stmt.where(scope_clause) if scope_clause is not None else stmt
        ).first()
        if row:
            out[f"hazard {name}"] = [
                f"/hazards/{row[0]}",
                f"/hazards/{row[0]}/history",
                f"/enterprises/{row[1]}",
                f"/api/v1/hazards/{row[0]}",
            ]
    for name, cond in VISIT_KINDS.items():
        stmt = (
            select(Visit.uuid, Visit.enterprise_id)
            .join(Enterprise, Enterprise.id == Visit.enterprise_id)
            .where(cond)
        )
        row = db.session.execute(
            stmt.where(scope_clause) if scope_clause is not None else stmt
        ).first()
        if row:
            out[f"visit {name}"] = [
                f"/visits/{row[0]}",
                f"/visits/{row[0]}/notice",
                f"/enterprises/{row[1]}",
                f"/api/v1/visits/{row[0]}",
                f"/api/v1/enterprises/{row[1]}",
            ]
    stmt = (
        select(Answer.photos)
        .join(Visit, Visit.uuid == Answer.visit_uuid)
        .join(Enterprise, Enterprise.id == Visit.enterprise_id)
        .where(nonempty(Answer.photos))
    )
    shot = db.session.scalar(stmt.where(scope_clause) if scope_clause is not None else stmt)
    if shot:  # the evidence as received: office users only (others get 404)
        out["photo"] = [
            f"/photos/{shot[0]}/original",
            f"/photos/{shot[0]}/display.jpg",
            f"/photos/{shot[0]}/thumb.jpg",
        ]
    return out


# Fetched by scripts and the browser, not linked: the service worker, the offline page, the API.
BACKGROUND = [
    "/sw.js",
    "/offline",
    "/manifest.webmanifest",
    "/favicon.ico",
    "/healthz",
    "/api/v1/session",
    "/api/v1/openapi.json",
    "/api/v1/enterprises",
    "/api/v1/hazards",
]


def test_the_demo_holds_every_kind_of_hazard_and_visit(demo_app):
    with demo_app.app_context():
        found = examples()
    missing = {f"hazard {k}" for k in HAZARD_KINDS} | {f"visit {k}" for k in VISIT_KINDS}
    assert missing - set(found) == set()


def _login(app, site, username):
    client = app.test_client()
    resp = client.login(username, site.logins[username].password)
    assert resp.status_code == 303, username
    return client


def _pin_client(app, site):
    """Sign in with a placard's PIN, as an owner does from the public page."""
    with app.app_context():
        user = db.session.scalar(
            select(User)
            .where(User.username.like(f"{placards.PIN_USER_PREFIX}%"), User.active.is_(True))
            .order_by(User.enterprise_id)
        )
        token = db.session.get(Enterprise, user.enterprise_id).public_token
        pin = demo.pin_for(site.seed, user.enterprise_id)
    client = app.test_client()
    assert client.get(f"/q/{token}/pin").status_code == 200
    resp = client.post(f"/q/{token}/pin", data={"pin": pin})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client, [resp.headers["Location"], f"/q/{token}"]


ROLES = ["district", "street", "inspector", "department", "enterprise", "placard PIN", "public"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_works(demo_app, demo_site, role, capsys):
    app, site = demo_app, demo_site
    must: list[str] = []
    seeds = ["/"] + BACKGROUND
    with app.app_context():
        if role == "district":
            must = [u for urls in examples().values() for u in urls]
            seeds += ["/api/v1/hazards?state=open", "/api/v1/enterprises", "/audit/verify"]
        elif role == "street":
            street_id = db.session.scalar(select(User.street_id).where(User.username == STREET))
            must = [
                u for urls in examples(Enterprise.street_id == street_id).values() for u in urls
            ]
        elif role == "inspector":
            grid_ids = [
                g.id
                for g in db.session.scalar(select(User).where(User.username == INSPECTOR)).grids
            ]
            must = [u for urls in examples(Enterprise.grid_id.in_(grid_ids)).values() for u in urls]
            seeds += ["/api/v1/bootstrap", "/inspect/outbox"]
        elif role == "public":
            tokens = db.session.scalars(
                select(Enterprise.public_token)
                .where(
                    Enterprise.public_token.is_not(None),
                    exists().where(Hazard.enterprise_id == Enterprise.id),
                )
                .order_by(Enterprise.id)
                .limit(3)
            ).all()
            seeds = [f"/q/{t}" for t in tokens] + BACKGROUND
    if role in ("district", "street", "department"):
        # The dashboard links to every inspector's work only past 20 inspectors; the demo has fewer.
        seeds.append("/dashboard/inspectors")
    t0 = time.perf_counter()
    if role == "placard PIN":
        client, seeds = _pin_client(app, site)
        seeds += BACKGROUND
    elif role == "public":
        client = app.test_client()
    else:
        client = _login(
            app,
            site,
            {
                "district": DISTRICT,
                "street": STREET,
                "inspector": INSPECTOR,
                "department": "dept-catering",
                "enterprise": "enterprise-demo",
            }[role],
        )
    crawl = Crawl(client).run(seeds, must)
    seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(
            f"\ncrawl {site.backend} {role}: {len(crawl.visited)} pages, {len(crawl.kinds)} kinds, {seconds:.1f} s, "
            f"statuses {dict(sorted(crawl.statuses().items()))} (demo built in {site.build_s:.0f} s)"
        )
    assert crawl.failures == []
    assert len(crawl.visited) > (1 if role == "public" else 10)
    # Pages of the role's own records open; the original evidence only for the office.
    refused = [
        v.url
        for v in crawl.visited
        if v.url in must
        and v.status != 200
        and not (v.url.endswith("/original") and role not in ("district", "street"))
    ]
    assert refused == []


def test_an_imported_premises_reads_like_any_other(demo_app, demo_site, database, tmp_path):
    """An archive from the demo imported into an empty instance: its pages, with placeholder people, all work."""
    from fieldapp import create_app
    from fieldapp.archive import load

    from ..factories import make_user

    with demo_app.app_context():
        ent_id = db.session.scalar(
            select(Hazard.enterprise_id)
            .where(HAZARD_KINDS["reopened"])
            .order_by(Hazard.enterprise_id)
        )
    client = _login(demo_app, demo_site, DISTRICT)
    with client.get(f"/enterprises/{ent_id}/archive") as resp:
        assert resp.status_code == 200
        archive = resp.get_data()
    target = create_app(demo_site.config(database.fresh(tmp_path)))
    target.test_client_class = type(client)
    with target.app_context():
        from fieldapp.clock import utcnow

        imported = load.import_bytes(archive, now=utcnow())
        make_user("district", "district")
        db.session.commit()
        hazards = db.session.scalars(select(Hazard.uuid)).all()
        visits = db.session.scalars(select(Visit.uuid)).all()
    try:
        other = target.test_client()
        assert other.login("district").status_code == 303
        must = (
            [f"/enterprises/{imported.enterprise_id}"]
            + [f"/hazards/{h}" for h in hazards]
            + [f"/visits/{v}" for v in visits]
        )
        crawl = Crawl(other).run(["/"], must)
        assert crawl.failures == []
        assert [v.url for v in crawl.visited if v.url in must and v.status != 200] == []
        page = other.get(f"/hazards/{hazards[0]}").get_data(as_text=True)
        assert re.search(r"<li><time>", page)
    finally:
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_plans_year_has_inspection_figures_every_quarter(demo_app, demo_site):
    """Annexes 4, 5 and 7 for each quarter of 2025 count inspections (the first demo's history left 2025 empty)."""
    client = _login(demo_app, demo_site, DISTRICT)
    for quarter in (1, 2, 3, 4):
        for annex in (4, 5, 7):
            resp = client.get(f"/quarterly?year=2025&quarter={quarter}&annex={annex}&format=csv")
            assert resp.status_code == 200
    from fieldapp import quarterly
    from fieldapp.models import Street

    with demo_app.app_context():
        streets = db.session.scalars(select(Street).order_by(Street.id)).all()
        for quarter in (1, 2, 3, 4):
            p = quarterly.period(2025, quarter)
            if p.end > NOW:
                continue
            a4 = quarterly.build(4, streets, p, unit="全区").rows[-1].values
            a7 = quarterly.build(7, streets, p, unit="全区").rows[-1].values
            a5 = quarterly.build(5, streets, p, unit="全区").rows
            assert a4["self_found"] > 0 and a4["self_rectified"] > 0 and a4["three_lists"] > 0, (
                quarter
            )
            assert a7["inspected"] > 0 and a7["found"] > 0 and a7["urged"] > 0, quarter
            assert (
                sum(r.values["notices"] or 0 for r in a5) > 0
                and sum(r.values["commitments"] or 0 for r in a5) > 0
            )


def test_the_demo_follows_the_plans_calendar(demo_app):
    """Letters are handed out in the mobilisation phase, with the self-assessment deadline at its phase's end."""
    from datetime import date

    from fieldapp.models import CampaignLetter, StandardizationRecord

    with demo_app.app_context():
        letters = db.session.execute(
            select(
                CampaignLetter.year,
                func.min(CampaignLetter.done_on),
                func.max(CampaignLetter.done_on),
                func.min(CampaignLetter.deadline),
                func.max(CampaignLetter.deadline),
            ).group_by(CampaignLetter.year)
        ).all()
        assert letters and all(
            last <= date(year, 1, 25) and first >= date(year, 1, 1)
            for year, first, last, *_ in letters
        )
        assert all(lo == hi == date(year, 3, 31) for year, *_, lo, hi in letters)
        self_assessed = db.session.scalars(
            select(StandardizationRecord.on).where(StandardizationRecord.kind == "self_assessment")
        ).all()
        assert self_assessed and all(
            date(d.year, 2, 1) <= d <= date(d.year, 3, 31) for d in self_assessed
        )
        first_visit = db.session.scalar(select(func.min(Visit.finished_at)))
        assert local_today(first_visit) >= date(2025, 1, 1)
