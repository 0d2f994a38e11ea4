"""axe-core on one page of every type, for every role, at 360 px (a phone) and 1366 px (an office PC).

The budget is 0 serious or critical violations. In the same walk, every control an
inspector, an enterprise (account or PIN) or the public can tap is at least 44 × 44 px at
360 px (a checkbox, radio or file input is tapped through its label, so the label counts).
axe-core is a test-only npm package (package.json; `make test` runs `npm ci`), injected
into each page: the context bypasses the app's CSP, which rightly refuses injected scripts.
"""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE, new_context
from .site import AXE, NOT_PAGES, SMALL_TARGETS, TAP, sign_in_as, site, visit_page_types  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

ROLES = ["street", "district", "inspector", "department", "enterprise", "pin", "public"]
# A role that shows the same templates as another (the district sees a street's pages with a wider
# scope; a PIN user is an enterprise user) is checked on its start pages and the page types the
# other did not reach: the time budget of the suite (PRODUCT.md §12) pays for each template once.
SAME_PAGES_AS = {"district": "street", "pin": "enterprise"}
# Who taps the app on a phone: every control on their pages must be 44 × 44 px at 360 px.
TAPPERS = {"inspector", "enterprise", "pin", "public"}


# Rules whose impact is fixed at minor or moderate (region, landmark-*, heading-order… 32 of
# 105 in 4.14.1) cannot break a serious/critical budget; skipping them halves axe's time on
# the larger pages.
RUN_AXE = """() => axe.run(document, {resultTypes: ["violations"], rules: Object.fromEntries(
  axe._audit.rules.filter(r => r.impact === "minor" || r.impact === "moderate").map(r => [r.id, {enabled: false}]))})"""


def serious_violations(page) -> list[str]:
    """Run axe-core on the page as it stands; describe each serious or critical violation."""
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (make test does)"
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(RUN_AXE)
    return [
        f"{v['id']} ({v['impact']}) at {', '.join(str(n['target'][0]) for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def page_endpoints(app) -> set[str]:
    return {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and r.endpoint not in NOT_PAGES and not r.endpoint.startswith("api")
    }


def test_every_page_type_has_no_serious_axe_violation_and_every_phone_control_is_44_px(
    app, browser, playwright, live_server, site
):
    """One walk for both budgets (the suite's time): axe at both widths, tap targets on the phone's pages."""
    found: dict[str, list[str]] = {}
    small: dict[str, list[str]] = {}
    covered: set[str] = set()
    seen: dict[str, dict[str, str]] = {}
    for role in ROLES:
        # One context per role: its own session, no service worker (pages come from the server).
        context = new_context(
            browser, playwright, live_server, PHONE, bypass_csp=True, service_workers="block"
        )
        page = context.new_page()
        sign_in_as(page, site, role)

        def check(page, kind, role=role):
            where = f"{kind} {page.url.split('//', 1)[1].split('/', 1)[1]}"
            if role in TAPPERS and (tiny := page.evaluate(SMALL_TARGETS, TAP)):
                small[f"{role} {where}"] = tiny
            # Each page at both widths without a second crawl: the layout follows the viewport's width.
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                if bad := serious_violations(page):
                    found[f"{role} {size['width']}px {where}"] = bad
            page.set_viewport_size(PHONE)

        visited = seen[role] = visit_page_types(
            app, page, site.starts[role], check, skip=set(seen.get(SAME_PAGES_AS.get(role, ""), {}))
        )
        covered |= {kind.split(":")[0] for kind in visited}
        context.close()
    # Every page the app serves was among them (a new page type is covered by being linked).
    assert page_endpoints(app) - covered == set()
    reached = {role: len(seen[role]) for role in ("inspector", "enterprise", "public")}
    assert reached["inspector"] >= 12 and reached["enterprise"] >= 4 and reached["public"] >= 3, (
        reached
    )
    assert found == {}, "\n".join(f"/{where}: {'; '.join(bad)}" for where, bad in found.items())
    assert small == {}, "\n".join(f"/{where}: {'; '.join(tiny)}" for where, tiny in small.items())
