"""The top navigation: each role's links, the few a phone shows in its bar, the rest under 更多.

A 360 px bar holds four short links beside 更多; which four depends on the role's work
(an inspector needs 待同步 at hand, an office its queue). Wider screens show every link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request, url_for

from . import roles
from .roles import Role


@dataclass(frozen=True)
class Link:
    label: str
    endpoint: str
    who: frozenset
    args: dict = field(default_factory=dict)
    on: tuple[
        str, ...
    ] = ()  # other pages this link is "here" on (首页 redirects to each role's start)


INSPECTOR = frozenset({Role.INSPECTOR})
DISTRICT = frozenset({Role.DISTRICT})
# Who reads checklist proposals: the departments that write them and the district that decides.
PROPOSAL_READERS = frozenset({Role.DEPARTMENT, Role.DISTRICT})

# Every staff link, in the order a wide screen shows them.
STAFF_LINKS = [
    Link("首页", "main.home", roles.STAFF, on=("dashboard.index", "inspect.due")),
    Link("企业", "enterprises.index", roles.STAFF),
    Link("待复查", "hazards.queue", roles.FIELD),
    Link("举报", "reports.index", roles.FIELD),
    Link("三张清单", "lists.show", roles.STAFF, {"kind": "rectification"}),
    Link("检查清单", "checklists.index", roles.STAFF),
    Link("报送", "plan.index", roles.OVERSIGHT),
    Link("清单建议", "proposals.index", PROPOSAL_READERS),
    Link("待同步", "inspect.outbox", INSPECTOR),
    Link("季报表", "quarterly.index", roles.OVERSIGHT),
    Link("目标", "dashboard.targets_page", roles.OFFICE),
    Link("考评", "assessment.index", roles.OFFICE),
    Link("告知承诺", "campaign.missing", roles.OFFICE),
    Link("重大隐患", "field.majors", roles.OVERSIGHT),
    Link("执法", "enforcement.index", roles.OVERSIGHT),
    Link("督导帮扶", "field.supervision_visits", roles.OVERSIGHT),
    Link("新发现单位", "units.index", roles.OFFICE),
    Link("包保", "field.cadre_list", roles.OFFICE),
    Link("设置", "campaign.settings_page", DISTRICT),
    Link("审计链", "audit.index", DISTRICT),
]
# What stays in a phone's bar, in this order; the others go under 更多.
PHONE_BAR = {
    Role.INSPECTOR: ["main.home", "inspect.outbox", "hazards.queue", "enterprises.index"],
    Role.STREET: ["main.home", "hazards.queue", "enterprises.index", "lists.show"],
    Role.DISTRICT: ["main.home", "hazards.queue", "enterprises.index", "lists.show"],
    Role.DEPARTMENT: ["main.home", "enterprises.index", "lists.show", "quarterly.index"],
}


@dataclass
class Item:
    label: str
    url: str
    current: bool


@dataclass
class Nav:
    bar: list[Item]
    more: list[Item]


def _item(link: Link) -> Item:
    return Item(
        link.label,
        url_for(link.endpoint, **link.args),
        request.endpoint in (link.endpoint, *link.on),
    )


def for_user(user) -> Nav:
    """The signed-in user's navigation: the links of the phone's bar, then the rest."""
    if user is None:
        return Nav([], [])
    if user.role == Role.ENTERPRISE:
        if not user.enterprise_id:
            return Nav([], [])
        eid = user.enterprise_id
        return Nav(
            [
                _item(Link("本单位", "enterprises.detail", frozenset(), {"enterprise_id": eid})),
                _item(
                    Link(
                        "整改清单",
                        "lists.show",
                        frozenset(),
                        {"kind": "rectification", "enterprise": eid},
                    )
                ),
                _item(Link("企业自查", "selfcheck.index", frozenset())),
            ],
            [],
        )
    mine = [link for link in STAFF_LINKS if user.role in link.who]
    first = PHONE_BAR.get(user.role, [])
    bar = sorted(
        (link for link in mine if link.endpoint in first),
        key=lambda link: first.index(link.endpoint),
    )
    return Nav(
        [_item(link) for link in bar], [_item(link) for link in mine if link.endpoint not in first]
    )
