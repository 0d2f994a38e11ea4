"""Placards for the street office: print them, download the QR, rotate or revoke the link, set the PIN."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from .. import placards, roles, scope, tx
from ..access import roles_required
from ..clock import utcnow
from ..models import Enterprise

bp = Blueprint("placards", __name__, url_prefix="/placards")


def _card(ent: Enterprise) -> dict:
    url = placards.public_url(current_app.config["BASE_URL"], ent)
    return {
        "ent": ent,
        "url": url,
        "svg": placards.qr_svg(url).decode() if url else None,
        "street": ent.street,
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
    grid, street = request.args.get("grid", ""), request.args.get("street", "")
    if not (grid or street):
        abort(400)
    ents = placards.for_sheet(g.user, grid=grid, street=street)
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
    pin = tx.run(placards.change, ent, action, actor=g.user, now=utcnow())
    message = {
        "rotate": f"已更换二维码链接：旧的{name}即刻失效，请重新打印张贴。",
        "revoke": f"已停用{name}：扫码将无法打开。",
        "pin": "已设置新的 PIN（原 PIN 和已登录的会话即刻失效）。",
    }[action]
    g.placard_changed = True  # for the security log: a confirmation page changes nothing
    return render_template(
        "placards/_panel.html",
        ent=ent,
        message=message,
        pin=pin,
        url=placards.public_url(current_app.config["BASE_URL"], ent),
    )
