"""The roles people act in, and the named groups of them the rules speak of (PRODUCT.md §2).

Every role check in the code names one of these sets, so a rule such as "the office
closes major hazards" reads the same wherever it is enforced.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INSPECTOR = "inspector"  # 网格员
    ENTERPRISE = "enterprise"  # 企业 (account or placard PIN)
    STREET = "street"  # 街道安办
    DISTRICT = "district"  # 区安委办
    DEPARTMENT = "department"  # 行业主管部门


# Street and district offices: edit the register, decide, close major hazards.
OFFICE = frozenset({Role.STREET, Role.DISTRICT})
# Everyone who reads the office pages: the offices and the supervising departments.
OVERSIGHT = OFFICE | {Role.DEPARTMENT}
# Who walks premises and rechecks rectifications.
FIELD = frozenset({Role.INSPECTOR}) | OFFICE
# Every staff account (not enterprises, not the public).
STAFF = FIELD | {Role.DEPARTMENT}
# Who may upload photos (evidence comes from the field, the office and the enterprise).
UPLOADERS = FIELD | {Role.ENTERPRISE}
# Who may decide 四色 (plan 三（五）1): the offices, and each department for its industry;
# the district's setting "risk_deciders" says whether streets, departments or both do.
RISK_DECIDERS = OVERSIGHT
# Who files the plan's documents and tables (方案, 评估报告, 季度/年度总结): each street and department.
PLAN_FILERS = frozenset({Role.STREET, Role.DEPARTMENT})
