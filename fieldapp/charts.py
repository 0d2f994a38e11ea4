"""Small server-rendered SVG charts: accessible (title, description, a data table beside), printable, offline."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PALETTE = ["#0b5cad", "#c62828", "#ef6c00", "#1e7b34", "#6b7280"]


@dataclass
class Series:
    name: str
    values: list[float]


def _scale(maximum: float) -> float:
    """A round top for the axis."""
    if maximum <= 0:
        return 1
    for step in (
        1,
        2,
        5,
        10,
        20,
        25,
        50,
        100,
        200,
        250,
        500,
        1000,
        2000,
        2500,
        5000,
        10000,
        20000,
        50000,
        100000,
    ):
        if maximum <= step * 4:
            return step * 4
    return maximum


def bars(
    title: str,
    labels: list[str],
    series: list[Series],
    *,
    chart_id: str,
    width: int = 640,
    height: int = 240,
    horizontal: bool = False,
) -> str:
    """A grouped bar chart (vertical), or one series as horizontal bars for long labels."""
    if horizontal:
        return _hbars(title, labels, series[0], chart_id=chart_id, width=width)
    pad_l, pad_b, pad_t = 40, 28, 28
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top = _scale(max((v for s in series for v in s.values), default=0))
    n = max(1, len(labels))
    group_w = plot_w / n
    bar_w = max(2, group_w * 0.8 / max(1, len(series)))
    parts = [_head(title, chart_id, width, height, series)]
    parts += _axis(pad_l, pad_t, plot_w, plot_h, top)
    for i, label in enumerate(labels):
        x0 = pad_l + i * group_w + group_w * 0.1
        for k, s in enumerate(series):
            v = s.values[i]
            h = plot_h * v / top
            parts.append(
                f'<rect x="{x0 + k * bar_w:.1f}" y="{pad_t + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)} {escape(s.name)}：{v:g}</title></rect>'
            )
        if n <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{pad_l + (i + 0.5) * group_w:.1f}" y="{height - 8}" text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def lines(
    title: str,
    labels: list[str],
    series: list[Series],
    *,
    chart_id: str,
    width: int = 640,
    height: int = 240,
) -> str:
    pad_l, pad_b, pad_t = 40, 28, 28
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top = _scale(max((v for s in series for v in s.values), default=0))
    n = max(2, len(labels))
    step = plot_w / (n - 1)
    parts = [_head(title, chart_id, width, height, series)]
    parts += _axis(pad_l, pad_t, plot_w, plot_h, top)
    for k, s in enumerate(series):
        points = " ".join(
            f"{pad_l + i * step:.1f},{pad_t + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(s.values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{PALETTE[k % len(PALETTE)]}" stroke-width="2"/>'
        )
        for i, v in enumerate(s.values):
            parts.append(
                f'<circle cx="{pad_l + i * step:.1f}" cy="{pad_t + plot_h - plot_h * v / top:.1f}" r="3" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(labels[i])} {escape(s.name)}：{v:g}</title></circle>'
            )
    for i, label in enumerate(labels):
        if i % 2 == 0:
            parts.append(
                f'<text x="{pad_l + i * step:.1f}" y="{height - 8}" text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _hbars(title: str, labels: list[str], s: Series, *, chart_id: str, width: int) -> str:
    row_h, pad_l, pad_t = 22, 150, 28
    height = pad_t + row_h * max(1, len(labels)) + 10
    top = _scale(max(s.values, default=0))
    plot_w = width - pad_l - 50
    parts = [_head(title, chart_id, width, height, [s])]
    for i, (label, v) in enumerate(zip(labels, s.values, strict=True)):
        y = pad_t + i * row_h
        w = plot_w * v / top
        parts.append(
            f'<text x="{pad_l - 6}" y="{y + 15}" text-anchor="end" font-size="11">{escape(label[:12])}</text>'
        )
        parts.append(
            f'<rect x="{pad_l}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{PALETTE[0]}"><title>{escape(label)}：{v:g}</title></rect>'
        )
        parts.append(f'<text x="{pad_l + w + 4:.1f}" y="{y + 15}" font-size="11">{v:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _head(title: str, chart_id: str, width: int, height: int, series: list[Series]) -> str:
    legend = "".join(
        f'<rect x="{8 + k * 110}" y="6" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
        f'<text x="{22 + k * 110}" y="15" font-size="11">{escape(s.name)}</text>'
        for k, s in enumerate(series)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d"><title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(title)}；数据见下方表格。</desc>{legend}'
    )


def _axis(x: float, y: float, w: float, h: float, top: float) -> list[str]:
    out = []
    for k in range(5):
        yy = y + h - h * k / 4
        out.append(
            f'<line x1="{x}" y1="{yy:.1f}" x2="{x + w}" y2="{yy:.1f}" stroke="#d8dce2" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x - 4}" y="{yy + 4:.1f}" text-anchor="end" font-size="10">{top * k / 4:g}</text>'
        )
    return out
