"""The product's words: code names and their Chinese labels (PRODUCT.md §3)."""

from __future__ import annotations

ROLES = {
    "inspector": "网格员",
    "enterprise": "企业",
    "street": "街道安办",
    "district": "区安委办",
    "department": "行业主管部门",
}

VENUE_TYPES = {
    "small_manufacturing": "小生产加工",
    "beauty_bath": "小美容洗浴",
    "internet_cafe": "小网吧",
    "entertainment": "小歌舞娱乐",
    "hotel": "小旅馆",
    "catering": "小餐饮",
    "shop": "小商店",
    "clinic": "小型医疗机构",
    "school": "小型学校幼儿园（含校外培训机构）",
}

SIZE_CLASSES = {
    "above_scale": "规上企业",
    "medium": "中等企业",
    "small_micro": "小微企业",
}

STANDARDIZATION = {
    "level1": "一级",
    "level2": "二级",
    "level3": "三级",
    "micro_pass": "小微达标不定级",
    "self_assessed": "自评",
    "none": "未创建",
}

RISK_COLORS = {
    "red": "红色（重大风险）",
    "orange": "橙色（较大风险）",
    "yellow": "黄色（一般风险）",
    "blue": "蓝色（低风险）",
}

RISK_COLOR_SHORT = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}

# 行业领域: the supervising departments' sectors. A department user is scoped to one.
INDUSTRIES = [
    "机械",
    "轻工",
    "纺织",
    "建材",
    "冶金有色",
    "烟草",  # Order 10 (2023) Art. 2 and Art. 10: a 工贸 industry of its own
    "商贸",
    "餐饮",
    "住宿",
    "文化娱乐",
    "教育",
    "卫生",
    "交通运输",
    "建筑施工",
    "危险化学品",
    "其他",
]


def label(mapping: dict[str, str], code: str | None, empty: str = "—") -> str:
    """Return the Chinese label for a code, or a dash for none."""
    if not code:
        return empty
    return mapping.get(code, code)
