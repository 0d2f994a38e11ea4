"""A department's dashboard: its industry's premises across the streets, broken down by street."""

from __future__ import annotations

from fieldapp.extensions import db
from fieldapp.models import Grid, Street

from ..clock import day
from ..factories import make_enterprise, make_hazard


def test_the_department_sees_its_industry_by_street(app, world, login):
    with app.app_context():
        b = db.session.get(Street, world.streets["B"])
        other = make_enterprise(
            b,
            db.session.get(Grid, world.grids["b2"]),
            name="乙二小餐馆",
            industry="餐饮",
            venue_type="catering",
            risk_color="orange",
        )
        make_hazard(other.id, deadline=day(-2))  # overdue
        make_hazard(world.ents["a1"])
        make_hazard(world.ents["a2"])  # 机械: not the department's
        db.session.commit()
    html = login("dept_catering").get("/dashboard").get_data(as_text=True)
    assert "隐患闭环工作台 · 餐饮行业" in html
    assert 'id="by-street"' in html and 'id="by-industry"' not in html
    table = html[html.index('id="by-street"') :]
    table = table[: table.index("</table>")]
    assert "甲街道" in table and "乙街道" in table
    colours = html[html.index('id="colours-by-street"') :]
    colours = colours[: colours.index("</table>")]
    # 甲街道: a1 yellow; 乙街道: the orange 小餐馆. 机械 premises are not counted.
    assert (
        "risk_color=yellow&amp;street=%E7%94%B2%E8%A1%97%E9%81%93" in colours
        or "street=%E7%94%B2%E8%A1%97%E9%81%93&amp;risk_color=yellow" in colours
    )
    assert colours.count(">1</a>") == 4 and ">2</a>" not in colours
    coverage = html[html.index('id="fig-coverage"') :]
    assert "<th>街道</th>" in coverage[: coverage.index("</table>")]
    assert 'id="plan-due"' in html


def test_a_street_dashboard_keeps_its_grid_view(world, login):
    html = login("street_a").get("/dashboard").get_data(as_text=True)
    assert (
        'id="colours-by-street"' not in html
        and 'id="by-grid"' in html
        and 'id="by-industry"' in html
    )
