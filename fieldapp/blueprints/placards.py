"""Placards for the street office: print them, download the QR, rotate or revoke the link, set the PIN."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from sqlalchemy import select

from .. import placards, roles, scope
from ..access import roles_required
from ..clock import utcnow
from ..extensions import db
from ..models import Enterprise, Grid, Street

bp = Blueprint("placards", __name__, url_prefix="/placards")


def _card(ent: Enterprise) -> dict:
    url = placards.public_url(current_app.config["BASE_URL"], ent)
    street = db.session.get(Street, ent.street_id)
    return {
        "ent": ent,
        "url": url,
        "svg": placards.qr_svg(url).decode() if url else None,
        "street": street,
    }


@bp.get("/<int:enterprise_id>")
@roles_required(*roles.OFFICE)
def one(enterprise_id: int):
    return render_template(
        "placards/sheet.html",
        cards=[_card(scope.get_editable_enterprise(g.user, enterprise_id))],
        single=True,
    )


@bp.get("/sheet")
@roles_required(*roles.OFFICE)
def sheet():
    """Placards for a street or a grid, four A6 to an A4 page."""
    stmt = scope.enterprises(g.user).where(
        Enterprise.active.is_(True), Enterprise.public_token.is_not(None)
    )
    if request.args.get("grid"):
        stmt = stmt.where(
            Enterprise.grid_id
            == select(Grid.id).where(Grid.code == request.args["grid"]).scalar_subquery()
        )
    elif request.args.get("street"):
        stmt = stmt.where(
            Enterprise.street_id
            == select(Street.id).where(Street.name == request.args["street"]).scalar_subquery()
        )
    else:
        abort(400)
    ents = db.session.scalars(stmt.order_by(Enterprise.grid_id, Enterprise.name).limit(400)).all()
    return render_template("placards/sheet.html", cards=[_card(e) for e in ents], single=False)


@bp.get("/<int:enterprise_id>/qr.<fmt>")
@roles_required(*roles.OFFICE)
def qr(enterprise_id: int, fmt: str):
    ent = scope.get_editable_enterprise(g.user, enterprise_id)
    url = placards.public_url(current_app.config["BASE_URL"], ent)
    if url is None or fmt not in ("svg", "png"):
        abort(404)
    data = placards.qr_svg(url) if fmt == "svg" else placards.qr_png(url)
    resp = Response(data, mimetype="image/svg+xml" if fmt == "svg" else "image/png")
    resp.headers["Content-Disposition"] = f'attachment; filename="placard-{ent.id}.{fmt}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# What each change undoes for good, stated before it is made: a mis-tap must not void a printed placard.
# {name} is the placard's configured name (PLACARD_NAME, default 安全公示码).
CONSEQUENCES = {
    "rotate": (
        "更换链接",
        "更换后，已张贴的{name}和旧链接立即失效，扫码打不开，必须重新打印张贴。此操作不能撤销。",
    ),
    "revoke": (
        "停用{name}",
        "停用后，扫码打不开公示页，企业也无法再用 PIN 登录。重新启用会生成新链接，必须重新打印张贴。",
    ),
    "pin": (
        "重置 PIN",
        "重置后，原 PIN 和用它登录的会话立即失效；新 PIN 只显示一次，须当面交给企业负责人。",
    ),
}


@bp.post("/<int:enterprise_id>/<action>")
@roles_required(*roles.OFFICE)
def change(enterprise_id: int, action: str):
    ent = scope.get_editable_enterprise(g.user, enterprise_id)
    url = placards.public_url(current_app.config["BASE_URL"], ent)
    name = current_app.config["PLACARD_NAME"]
    if action not in ("rotate", "revoke", "pin"):
        abort(404)
    # Enabling a revoked placard voids nothing; every other change waits for its confirmation.
    if request.form.get("confirm") != "1" and (url or action == "pin"):
        return render_template(
            "placards/_panel.html",
            ent=ent,
            message=None,
            pin=None,
            url=url,
            confirm=(action, *(t.format(name=name) for t in CONSEQUENCES[action])),
        )
    now = utcnow()
    pin = None
    if action == "rotate":
        placards.rotate(ent, actor=g.user, now=now)
        message = f"已更换二维码链接：旧的{name}即刻失效，请重新打印张贴。"
    elif action == "revoke":
        placards.revoke(ent, actor=g.user, now=now)
        message = f"已停用{name}：扫码将无法打开。"
    elif action == "pin":
        pin = placards.set_pin(ent, actor=g.user, now=now)
        message = "已设置新的 PIN（原 PIN 和已登录的会话即刻失效）。"
    db.session.commit()
    g.placard_changed = True  # for the security log: a confirmation page changes nothing
    return render_template(
        "placards/_panel.html",
        ent=ent,
        message=message,
        pin=pin,
        url=placards.public_url(current_app.config["BASE_URL"], ent),
    )
