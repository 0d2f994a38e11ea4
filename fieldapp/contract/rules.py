"""The per-item rules a phone enforces offline, and the limits of what it may send.

One source: the server validates a visit with `ItemRules.of(item)` and `LIMITS`, and
the bootstrap ships the same objects, so the phone never keeps its own copy.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """Sizes every client input is held to (characters, items)."""

    model_config = ConfigDict(frozen=True)

    text: int = Field(2000, description="备注、隐患描述、整改措施、说明的最大字数")
    reason: int = Field(500, description="偏离默认等级或期限的理由的最大字数")
    owner: int = Field(60, description="整改责任人的最大字数")
    defect: int = Field(200, description="隐患表述的最大字数（整改通知书和公示页的表格中显示）")
    photos_per_answer: int = Field(10, description="每个检查项（或每次整改提交）最多的照片数")
    answers_per_visit: int = Field(1000, description="一次检查最多的作答数")
    checklists_per_visit: int = Field(20, description="一次检查最多的清单数")
    max_deadline_days: int = Field(365, description="整改期限距检查日最多的天数")


LIMITS = Limits()


class ItemRules(BaseModel):
    """What a failed answer to one item must carry; the server refuses the visit otherwise."""

    model_config = ConfigDict(frozen=True)

    major: bool = Field(description="不符合即为重大事故隐患")
    default_level: Literal["general", "major"] = Field(description="隐患的默认等级")
    default_deadline_days: int = Field(description="默认整改期限：检查日加该天数（0 为当日）")
    deadline_reason_after_days: int = Field(
        description="期限晚于检查日加该天数时须填 deadline_reason"
    )
    max_deadline_days: int = Field(description="期限不得晚于检查日加该天数")
    photo_required: bool = Field(description="不符合时须至少一张照片")
    level_reason_if_lowered: bool = Field(description="默认重大、改定为一般时须填 level_reason")
    fix_on_spot_levels: tuple[Literal["general", "major"], ...] = Field(
        description="可当场整改销号的等级"
    )
    fix_on_spot_needs_photos: bool = Field(description="当场整改须有整改前和整改后照片")
    required: bool = Field(
        True,
        description="必答：手机上完成检查前须作答，或选“未检查”并说明理由（清单标 optional 的为选答）",
    )

    @classmethod
    def of(cls, item) -> ItemRules:
        """The rules of a checklist item (a `checklists.Item` or a recorded snapshot dict)."""
        get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
        major = bool(get("major", False))
        days = int(get("deadline_days", 0) or 0)
        return cls(
            major=major,
            default_level="major" if major else "general",
            default_deadline_days=days,
            deadline_reason_after_days=days,
            max_deadline_days=LIMITS.max_deadline_days,
            photo_required=bool(get("photo_required", False)),
            level_reason_if_lowered=major,
            fix_on_spot_levels=("general",),
            fix_on_spot_needs_photos=True,
            required=not bool(get("optional", False)),
        )
