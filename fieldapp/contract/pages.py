"""What the office and inspector pages take in their query strings and form ids.

Every number and date a page reads is bounded here, so a hand-edited URL (year
9999, a date in year 1, an id past what the database holds) is a 400 in Chinese,
never a 500; a garbled or huge `?page=` shows the nearest page, as lists always did.
Free-text filters are bounded in length; NUL and the like never get this far (`guard`).
"""

from typing import Annotated, Literal

from pydantic import Field

from .types import VERSION_MAX, Day, Id, PageShown, Query, Text, Version, Year, blank

Filter = Text(100)


class EnterpriseFilters(Query):
    """The register's filters, on the page and on GET /api/v1/enterprises."""

    q: Text(100) = Field("", description="名称、地址或信用代码")
    street: Text(100) = Field("", description="街道名称")
    grid: Text(100) = Field("", description="网格编码")
    industry: Filter = ""
    venue_type: Filter = ""
    size_class: Filter = ""
    risk_color: Filter = ""
    standardization: Filter = ""
    visit: Text(100) = Field("", description="late：超过检查周期未检查")
    page: PageShown = 1


class ListQuery(Query):
    """/lists/<kind>: the three lists' filters (free text stays as typed, ids and dates are checked)."""

    enterprise: blank(Id) = None
    by: blank(Id) = None
    start: blank(Day) = None
    end: blank(Day) = None
    format: blank(Literal["csv", "xlsx"]) = None
    page: PageShown = 1


class UnitsQuery(Query):
    """/units: the units found in the field, by review status, a page at a time."""

    status: Text(20) = "proposed"
    page: PageShown = 1


class YearQuery(Query):
    """Pages that show one campaign year (targets, letters)."""

    year: blank(Year) = None


class LoopQuery(YearQuery):
    """/assessment/<street>/hazards: the hazards behind one closed-loop figure of a year."""

    figure: Text(20) = "found"
    page: PageShown = 1


class LettersQuery(YearQuery):
    kind: Text(40) = "notice"
    grid: Text(40) = ""
    deadline: blank(Day) = None
    page: PageShown = 1


class QuarterQuery(YearQuery):
    quarter: blank(Annotated[int, Field(ge=1, le=4)]) = None
    annex: blank(Annotated[int, Field(ge=1, le=99)]) = None
    street: Text(100) = ""
    format: blank(Literal["csv", "xlsx"]) = None


class PeriodQuery(Query):
    """The dashboard's period (dates in Asia/Shanghai)."""

    start: blank(Day) = None
    end: blank(Day) = None


class InspectorsQuery(PeriodQuery):
    """/dashboard/inspectors: every inspector's work in the dashboard's period, a page at a time."""

    page: PageShown = 1


# Reading a page: any version number that may exist (an unknown one is a 404).
ShownVersion = Annotated[int, Field(ge=0, le=VERSION_MAX)]


class VersionQuery(Query):
    version: blank(ShownVersion) = None


class DiffQuery(Query):
    old: blank(ShownVersion) = Field(None, alias="from")
    to: blank(ShownVersion) = None


class HazardActForm(Query):
    """The hazard page's action form (the API's event body, as form fields)."""

    action: Text(40) = ""
    version: Version
    event_uuid: blank(Text(36)) = None
    note: Text(2000) = ""
    deadline: blank(Day) = None
    # Major-hazard steps (fieldapp.hazard_major): the 治理方案, 挂牌督办 and the 销号 acceptance.
    goal: Text(2000) = ""
    method: Text(2000) = ""
    funds: Text(2000) = ""
    organization: Text(2000) = ""
    timeline: Text(2000) = ""
    safety_measures: Text(2000) = ""
    emergency_plan: Text(2000) = ""
    status_and_cause: Text(2000) = ""
    harm_analysis: Text(2000) = ""
    supervision_level: Text(10) = ""
    supervisor: Text(60) = ""
    accepted_by: Text(200) = ""
    accepted_on: blank(Day) = None

    def major_data(self) -> dict:
        """The major-hazard fields as hazards.transition takes them in `data`."""
        from ..hazard_major import PLAN_FIELDS, REPORT_FIELDS

        data: dict = {}
        if self.action == "submit_plan":
            data["plan"] = {k: getattr(self, k) for k in (*PLAN_FIELDS, *REPORT_FIELDS)}
        if self.action == "supervise":
            data.update(supervision_level=self.supervision_level, supervisor=self.supervisor)
        if self.action == "record_acceptance":
            data.update(accepted_by=self.accepted_by, accepted_on=self.accepted_on)
        return data
