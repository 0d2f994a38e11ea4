"""A small district with something on every page, and a walk over its page types.

The accessibility and tap-target tests visit one page of each type for each role. The
world of tests/factories.py gets what every page needs to show: a visit through the API,
hazards in each state (one overdue, one whose evidence the checks doubted, one closed),
a PIN, a public report, two versions of a quarterly filing, the plan's calendar and a
filing, a checklist proposal and an export job, made through the app's own forms.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from fieldapp import field_samples, placards, plan, public
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, PlanRequirement, UnitProposal, User

from .. import images
from ..clock import TODAY
from ..conftest import REPO, Client
from ..factories import build_world, make_hazard, store_photo, visit_body

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
USERS = {
    "district": "district",
    "street": "street_a",
    "inspector": "inspector_a1",
    "department": "dept_catering",
    "enterprise": "owner_a1",
}
# Not pages: files, images, fragments that htmx swaps in, the worker and the manifest.
NOT_PAGES = {
    "static": "a static file",
    "main.favicon": "an icon",
    "main.healthz": "JSON",
    "pwa.service_worker": "JavaScript",
    "pwa.manifest": "JSON",
    "photos.show": "an image",
    "photos.original": "an image download",
    "placards.qr": "an SVG/PNG download",
    "archive.download": "the archive file",
    "archive.bulk_download": "a ZIP",
    "plan.download": "a filed document",
    "proposals.download": "a TOML download",
    "hazards.history": "an htmx fragment of the hazard page",
    "audit.verify": "an htmx fragment of the audit page",
    "main.home": "a redirect to the role's start page",
    "units.photo": "an image",
    "enforcement.attachment": "a filed document",
}


@dataclass
class Site:
    """Where each role's pages start, and the placard's link and PIN (an orange premises)."""

    token: str
    pin: str
    starts: dict[str, list[str]] = field(default_factory=dict)


def _signed_in(app, username: str) -> Client:
    client = app.test_client()
    assert client.login(username).status_code == 303, username
    return client


@pytest.fixture
def site(app) -> Site:
    """The furnished district (import this fixture into a test module to use it)."""
    return furnish(app)


def furnish(app) -> Site:
    """Build the world and give every page type something to show."""
    now = utcnow()
    with app.app_context():
        world = build_world()
    a1 = world.ents["a1"]
    office, inspector = _signed_in(app, "street_a"), _signed_in(app, "inspector_a1")
    # A visit from the phone, with a photo of each hazard it found.
    shots = [images.jpeg(seed=61), images.jpeg(seed=62)]
    for data in shots:
        assert (
            inspector.put(
                f"/api/v1/photos/{images.sha(data)}", data=data, content_type="image/jpeg"
            ).status_code
            == 201
        )
    body = visit_body(
        a1, photos={"extinguishers": [images.sha(shots[0])], "gas_alarm": [images.sha(shots[1])]}
    )
    assert inspector.put(f"/api/v1/visits/{uuid.uuid4()}", json=body).status_code == 201
    with app.app_context():
        ent = db.session.get(Enterprise, a1)
        ent.risk_color = "orange"  # the colour whose contrast was measured
        street = db.session.get(User, world.users["street_a"])
        pin = placards.set_pin(ent, actor=street, now=now)
        before = store_photo(images.jpeg(seed=63), uploader_id=world.users["inspector_a1"])
        after = store_photo(images.jpeg(seed=64), uploader_id=world.users["owner_a1"])
        make_hazard(
            a1,
            item_text="疏散通道堆放杂物",
            deadline=TODAY - timedelta(days=3),
            raised_by=world.users["inspector_a1"],
        )
        # A rectification whose evidence the checks doubted: the reviewer must give a reason.
        make_hazard(
            a1,
            state="rectified",
            item_text="灭火器压力不足",
            raised_by=world.users["inspector_a1"],
            submitted_by=world.users["owner_a1"],
            before_photos=[before],
            after_photos=[after],
            evidence_flags=["same_as_before", "far_from_premises", "time_implausible"],
        )
        make_hazard(
            a1,
            state="closed",
            item_text="配电箱未上锁",
            raised_by=world.users["inspector_a1"],
            submitted_by=world.users["owner_a1"],
            closed_by=world.users["street_a"],
            after_photos=[after],
        )
        make_hazard(
            world.ents["a2"],
            level="major",
            supervised=True,
            item_text="危化品仓库无防爆设施",
            raised_by=world.users["inspector_a1"],
        )
        public.submit_report(
            ent, description="后门被锁住了", contact="", photo=None, now=now, sender="198.51.100.7"
        )
        plan.load_seed(2025, actor=db.session.get(User, world.users["district"]), now=now)
        # Issue 20's pages: a unit found in the field, enforcement records and a case, a cadre.
        field_samples.populate(now=now, seed=7)
        unit = db.session.scalar(
            select(UnitProposal.uuid).order_by(UnitProposal.received_at).limit(1)
        )
        token = ent.public_token
        db.session.commit()
        rid = db.session.scalar(
            select(PlanRequirement.id).where(
                PlanRequirement.year == 2025, PlanRequirement.key == "plan"
            )
        )
    q = (
        (TODAY.month - 1) // 3
    ) or 4  # the quarter before today's: it has ended, so it may be filed
    year = TODAY.year - (TODAY.month <= 3)
    assert office.post(f"/quarterly/file?year={year}&quarter={q}").status_code == 303
    assert (
        office.post(f"/quarterly/file?year={year}&quarter={q}", data={"reason": "补录"}).status_code
        == 303
    )
    assert office.post("/archive/bulk", data={"scope": "street:甲街道"}).status_code == 303
    _file_plan(office, rid)
    assert (
        _signed_in(app, "dept_catering")
        .post("/checklist-proposals", data={"checklist": "catering", "reason": ""})
        .status_code
        == 303
    )
    return Site(
        token=token,
        pin=pin,
        starts={
            "district": ["/", "/checklists/general/diff?old=1&to=1", "/plan?year=2025"],
            "street": [
                "/",
                "/plan?year=2025",
                "/dashboard/inspectors",
                "/enterprises?street=甲街道",
                f"/units/{unit}",
            ],
            "department": ["/"],
            "enterprise": ["/"],
            # The phone's pages that only its own store (or the worker) links to.
            "inspector": ["/", "/inspect/notice", "/offline"],
            "pin": ["/"],
            "public": [f"/q/{token}"],
        },
    )


def _file_plan(client, rid: int) -> None:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    from .. import documents

    boundary, body = encode_multipart(
        MultiDict(
            {
                "kind": "document",
                "note": "",
                "file": FileStorage(
                    BytesIO(documents.pdf()), filename="方案.pdf", content_type="application/pdf"
                ),
            }
        )
    )
    resp = client.post(
        f"/plan/requirements/{rid}/file",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)


TAP = 44
# Every control one can tap, as the phone lays it out. A checkbox or radio wrapped in its
# label is tapped through the label, so the label is measured; so is a file input hidden
# inside a label styled as a button (拍照).
SMALL_TARGETS = """(tap) => {
  const out = [];
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary, [role=button]")) {
    if (el.type === "hidden" || el.closest("[hidden], template, .skip-link")) continue;
    let target = el;
    const label = el.closest("label");
    if (label && (["checkbox", "radio", "file"].includes(el.type))) target = label;
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    if (box.width + 0.5 < tap || box.height + 0.5 < tap)
      out.push(`${target.tagName.toLowerCase()} “${(target.innerText || target.value || target.getAttribute("aria-label") || "").trim().slice(0, 16)}” ${Math.round(box.width)}×${Math.round(box.height)}`);
  }
  return out;
}"""


def sign_in_as(page, site: Site, role: str) -> None:
    """Sign a browser page in as the role (the PIN user through the placard; the public not at all)."""
    if role == "public":
        return
    if role == "pin":
        page.goto(f"/q/{site.token}/pin")
        page.get_by_label("PIN").fill(site.pin)
    else:
        page.goto("/login")
        page.get_by_label("用户名").fill(USERS[role])
        page.get_by_label("密码").fill("password123")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert "/login" not in page.url and not page.url.endswith("/pin"), f"{role} did not sign in"


def page_type(app, url: str) -> str | None:
    """The page type of a same-site URL: its endpoint (and its kind for the three lists and letters)."""
    path = urlparse(url).path
    try:
        endpoint, args = app.url_map.bind("localhost").match(path, method="GET")
    except Exception:  # 404, 405 and redirects: not a page of its own
        return None
    if endpoint in NOT_PAGES or endpoint.startswith("api"):
        return None
    return f"{endpoint}:{args['kind']}" if "kind" in args else endpoint


# Where a page leads: its links, and its GET forms submitted as they stand (each submit button's formaction too).
LINKS = """() => {
  const out = [...document.querySelectorAll("a[href]:not([download])")].map(a => a.href);
  for (const f of document.querySelectorAll("form")) {
    if ((f.getAttribute("method") || "get").toLowerCase() !== "get") continue;
    const query = new URLSearchParams(new FormData(f)).toString();
    for (const action of [f.action, ...[...f.querySelectorAll("[formaction]")].map(b => b.formAction)])
      out.push(action + (action.includes("?") ? "&" : "?") + query);
  }
  return out;
}"""


def visit_page_types(
    app, page, starts: list[str], check, *, limit: int = 80, skip=frozenset()
) -> dict[str, str]:
    """Open one page of each type reachable by links from `starts`; call check(page, type) on each.

    Page types in `skip` are not opened (unless they are a start). Returns the URL visited for each page type.
    """
    queue, visited = list(starts), {}
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if page_type(app, url) in visited or (url not in starts and page_type(app, url) in skip):
            continue
        resp = page.goto(url)
        assert resp is not None and resp.status < 500, f"{url} answered {resp and resp.status}"
        kind = page_type(app, page.url)  # after any redirect
        if kind is None or kind in visited:
            continue
        if "/inspect" in page.url:
            page.wait_for_load_state(
                "networkidle"
            )  # the phone's pages draw from its store and the bundle
        visited[kind] = page.url
        check(page, kind)
        here = urlparse(page.url).netloc
        for href in page.evaluate(LINKS):
            link = urlparse(href)
            if (
                link.netloc == here
                and page_type(app, href) not in visited
                and page_type(app, href) is not None
            ):
                queue.append(link.path + ("?" + link.query if link.query else ""))
    return visited
