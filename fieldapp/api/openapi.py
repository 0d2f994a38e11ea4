"""The OpenAPI 3.1 document for /api/v1, generated from the contract's models.

Each operation names its query, body and answer models; every schema comes from
pydantic (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). A test checks every
route is here, and that real answers validate against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..contract import api as req
from ..contract import responses as res
from ..contract.errors import __doc__ as STATUS_RULE
from ..contract.types import DB_INT_MAX, SHA256_RE, UUID_RE
from . import bp

UUID_PARAM = {"type": "string", "format": "uuid", "pattern": UUID_RE.pattern, "maxLength": 36}
SHA256_PARAM = {"type": "string", "pattern": SHA256_RE.pattern, "maxLength": 64}
ID_PARAM = {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX}

# Errors every signed-in operation may answer.
STAFF = {401: "未登录或令牌无效", 404: "不存在或不在调用者的管辖范围内"}
BAD = {
    400: "格式有误：不是 JSON、字段缺失、多余或类型不对，或参数无法解析（见 errors）",
    422: "内容有误：值超出范围、格式或取值不对，或不符合业务规则（见 errors）",
}
TOO_LARGE = {413: "请求体超过大小上限"}
THROTTLED = 429


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    ok: dict[int, tuple[type[BaseModel] | None, str]]
    errors: dict[int, str] = field(default_factory=dict)
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: dict[str, dict] = field(default_factory=dict)
    public: bool = False
    raw_body: dict | None = None


IMAGE = {"schema": {"type": "string", "format": "binary"}}

OPERATIONS = [
    Operation(
        "post",
        "/auth/token",
        "用用户名和密码换取 Bearer 令牌",
        {200: (res.Token, "OK")},
        {
            **BAD,
            **TOO_LARGE,
            401: "用户名或密码错误（未知用户答复相同）",
            THROTTLED: "失败次数过多，暂时锁定（Retry-After：秒）",
        },
        body=req.TokenIn,
        public=True,
    ),
    Operation(
        "get",
        "/enterprises",
        "管辖范围内的企业列表",
        {200: (res.EnterprisePage, "OK")},
        {400: BAD[400], 401: STAFF[401]},
        query=req.EnterpriseQuery,
    ),
    Operation(
        "get",
        "/enterprises/{id}",
        "一个企业的完整记录",
        {200: (res.Enterprise, "OK")},
        STAFF,
        path_params={"id": ID_PARAM},
    ),
    Operation(
        "get",
        "/session",
        "当前登录用户与新的 CSRF 令牌（离线同步前调用）",
        {200: (res.Session, "OK")},
        public=True,
    ),
    Operation(
        "get",
        "/bootstrap",
        "网格员的离线数据包：管辖场所、适用清单及其规则、未销号隐患",
        {200: (res.Bootstrap, "OK")},
        {
            401: STAFF[401],
            403: "角色不适用",
            409: "检查清单文件被修改但未更新版本号",
            503: "检查清单版本尚未登记（升级数据库后重启服务）",
        },
    ),
    Operation(
        "put",
        "/photos/{sha256}",
        "上传一张照片（地址为其 SHA-256，服务器重新计算核对）",
        {201: (res.PhotoStored, "已保存"), 200: (res.PhotoStored, "服务器已有该照片")},
        {
            400: "内容与 SHA-256 不符，或参数错误",
            401: STAFF[401],
            403: "角色不能上传",
            **TOO_LARGE,
            415: "不是支持的图片（按解码判断）",
            422: "像素过多或图片损坏",
        },
        query=req.PhotoMeta,
        path_params={"sha256": SHA256_PARAM},
        raw_body={
            "required": True,
            "content": {t: IMAGE for t in ("image/jpeg", "image/png", "image/webp", "image/heic")},
        },
    ),
    Operation(
        "put",
        "/visits/{uuid}",
        "提交一次完成的检查（幂等：同样内容重放得到同样回执）",
        {201: (res.Receipt, "已保存"), 200: (res.Receipt, "同样内容的重放")},
        {
            **BAD,
            **STAFF,
            **TOO_LARGE,
            403: "角色不能提交检查",
            409: "同一编号已提交过不同内容，未作任何修改",
        },
        body=req.VisitIn,
        path_params={"uuid": UUID_PARAM},
    ),
    Operation(
        "get",
        "/visits/{uuid}",
        "已保存检查的回执（用于核对手机上的记录）",
        {200: (res.Receipt, "OK")},
        STAFF,
        path_params={"uuid": UUID_PARAM},
    ),
    Operation(
        "post",
        "/held",
        "核对：服务器是否持有这些记录（手机每次同步时核对，找回从旧备份恢复后缺失的记录）",
        {200: (res.Held, "每个编号：持有时为回执，否则为 null")},
        {**BAD, 401: STAFF[401], 403: "角色不适用", **TOO_LARGE},
        body=req.HeldIn,
    ),
    Operation(
        "post",
        "/queue",
        "手机报告尚未同步的记录；记录未到达服务器却从手机上消失时，报告街道（可能丢失的离线记录）",
        {200: (res.QueueReport, "OK")},
        {**BAD, 401: STAFF[401], 403: "角色不适用", **TOO_LARGE},
        body=req.QueueIn,
    ),
    Operation(
        "put",
        "/alerts/{uuid}",
        "向街道安办报告：重大隐患（当日报告）或同步冲突（幂等：同样内容重放得到同样回执）",
        {201: (res.AlertReceipt, "已保存"), 200: (res.AlertReceipt, "同样内容的重放")},
        {**BAD, **STAFF, **TOO_LARGE, 403: "角色不能报告", 409: "同一编号已提交过不同内容"},
        body=req.AlertIn,
        path_params={"uuid": UUID_PARAM},
    ),
    Operation(
        "put",
        "/units/{uuid}",
        "登记一个新发现的单位（排查摸底；幂等：同样内容重放得到同样回执），由街道审核入册",
        {201: (res.UnitReceipt, "已保存，待街道审核"), 200: (res.UnitReceipt, "同样内容的重放")},
        {
            **BAD,
            **STAFF,
            **TOO_LARGE,
            403: "角色不能登记单位",
            409: "同一编号已提交过不同内容，未作任何修改",
        },
        body=req.UnitIn,
        path_params={"uuid": UUID_PARAM},
    ),
    Operation(
        "get",
        "/units/{uuid}",
        "新发现单位的回执：审核状态，入册后的场所编号",
        {200: (res.UnitReceipt, "OK")},
        {**STAFF, 403: "角色不适用"},
        path_params={"uuid": UUID_PARAM},
    ),
    Operation(
        "get",
        "/hazards",
        "管辖范围内的隐患",
        {200: (res.HazardPage, "OK")},
        {400: BAD[400], 401: STAFF[401]},
        query=req.HazardQuery,
    ),
    Operation(
        "get",
        "/hazards/{uuid}",
        "一条隐患的详情",
        {200: (res.Hazard, "OK")},
        STAFF,
        path_params={"uuid": UUID_PARAM},
    ),
    Operation(
        "post",
        "/hazards/{uuid}/events",
        "隐患闭环操作：提交整改、复查销号、退回、延期、督办、移交、重新打开；"
        "重大隐患的确认、降级、治理方案的提交与审查、销号验收",
        {200: (res.EventResult, "OK")},
        {
            **BAD,
            **STAFF,
            **TOO_LARGE,
            403: "角色无权执行",
            409: "版本已过期（先于其他检查）或当前状态不允许",
        },
        body=req.HazardEventIn,
        path_params={"uuid": UUID_PARAM},
    ),
    Operation("get", "/openapi.json", "本文档", {200: (None, "OpenAPI 3.1 文档")}, public=True),
]


def _parameters(op: Operation, schemas: dict) -> list[dict]:
    out = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in op.path_params.items()
    ]
    if op.query is not None:
        props = schemas[op.query.__name__]["properties"]
        required = set(schemas[op.query.__name__].get("required", []))
        for name, info in op.query.model_fields.items():
            key = info.alias or name
            schema = _not_null(props[key])
            description = schema.pop("description", None)
            param = {"name": key, "in": "query", "required": key in required, "schema": schema}
            if description:
                param["description"] = description
            out.append(param)
    return out


def _not_null(schema: dict) -> dict:
    """A query parameter is absent or text: "null" is no value it can take."""
    schema = {k: v for k, v in schema.items() if not (k == "default" and v is None)}
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**options[0], **rest}
    return schema


def _content(model: type[BaseModel] | None) -> dict:
    schema = {"$ref": f"#/components/schemas/{model.__name__}"} if model else {"type": "object"}
    return {"application/json": {"schema": schema}}


@lru_cache(maxsize=1)
def document() -> dict:
    """Return the OpenAPI document (built once: the models do not change at run time)."""
    models = {m for op in OPERATIONS for m in (op.query, op.body) if m} | {res.Error}
    models |= {m for op in OPERATIONS for m, _ in op.ok.values() if m}
    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = models_json_schema(
        [
            (
                m,
                "validation"
                if m in (o.body for o in OPERATIONS) or m in (o.query for o in OPERATIONS)
                else "serialization",
            )
            for m in ordered
        ],
        ref_template="#/components/schemas/{model}",
    )
    schemas = top["$defs"]
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        responses = {
            str(code): {"description": text, "content": _content(model)}
            for code, (model, text) in op.ok.items()
        }
        responses.update(
            {
                str(code): {"description": text, "content": _content(res.Error)}
                for code, text in op.errors.items()
            }
        )
        if op.errors.get(THROTTLED):
            responses[str(THROTTLED)]["headers"] = {
                "Retry-After": {"schema": {"type": "integer", "minimum": 1}}
            }
        entry = {"summary": op.summary, "responses": responses}
        if op.public:
            entry["security"] = []
        if params := _parameters(op, schemas):
            entry["parameters"] = params
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": _content(op.body)}
        elif op.raw_body is not None:
            entry["requestBody"] = op.raw_body
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fieldapp 网格安全巡查 API",
            "version": "1",
            "description": STATUS_RULE.strip(),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "fieldapp_session",
                    "description": "浏览器会话；修改类请求须带 X-CSRFToken 头",
                },
            },
            "schemas": schemas,
        },
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
