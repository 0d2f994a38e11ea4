"""The OpenAPI 3 document for /api/v1; a test checks every route is in it."""

from __future__ import annotations

from flask import jsonify

from . import bp


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
]

STAFF_ERRORS = {"401": _error("未登录或令牌无效"), "404": _error("不存在或不在调用者的管辖范围内")}

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {"error": {"type": "string", "description": "中文错误说明"}, "status": {"type": "integer"}},
    },
    "EnterpriseItem": {
        "type": "object",
        "required": ["id", "name", "credit_code", "street", "grid", "venue_type", "size_class", "risk_color"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "credit_code": {"type": ["string", "null"], "description": "统一社会信用代码"},
            "street": {"type": "string", "description": "街道名称"},
            "grid": {"type": ["string", "null"], "description": "网格编码"},
            "industry": {"type": "string"},
            "venue_type": {"type": ["string", "null"], "enum": [None, "small_manufacturing", "beauty_bath", "internet_cafe", "entertainment", "hotel", "catering", "shop", "clinic", "school"]},
            "size_class": {"type": "string", "enum": ["above_scale", "medium", "small_micro"]},
            "standardization": {"type": "string", "enum": ["level1", "level2", "level3", "micro_pass", "self_assessed", "none"]},
            "stars": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
            "risk_color": {"type": "string", "enum": ["red", "orange", "yellow", "blue"]},
            "address": {"type": "string"},
            "hosts_tenants": {"type": "boolean"},
            "landlord_id": {"type": ["integer", "null"]},
            "version": {"type": "integer"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "Enterprise": {
        "allOf": [
            _ref("EnterpriseItem"),
            {
                "type": "object",
                "properties": {
                    "lat": {"type": ["number", "null"]},
                    "lng": {"type": ["number", "null"]},
                    "employees": {"type": ["integer", "null"]},
                    "principal_name": {"type": ["string", "null"]},
                    "principal_phone": {"type": ["string", "null"]},
                    "safety_officer_name": {"type": ["string", "null"]},
                    "safety_officer_phone": {"type": ["string", "null"]},
                    "tenants": {"type": "array", "items": {"type": "integer"}},
                    "checklists": {"type": "array", "description": "适用的检查清单及现行版本", "items": {
                        "type": "object", "required": ["id", "version"],
                        "properties": {"id": {"type": "string"}, "version": {"type": "integer"}}}},
                    "note": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "public_url": {"type": ["string", "null"], "description": "场所码链接（仅街道和区用户可见）"},
                },
            },
        ]
    },
}

UUID = {"type": "string", "format": "uuid", "pattern": "^[0-9a-f-]{36}$"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

SCHEMAS.update({
    "Receipt": {
        "type": "object",
        "required": ["uuid", "received_at", "hazards", "missing_photos"],
        "properties": {
            "uuid": UUID,
            "received_at": {"type": "string", "format": "date-time", "description": "服务器收到时间（UTC），重放时不变"},
            "hazards": {"type": "array", "items": UUID},
            "missing_photos": {"type": "array", "items": SHA256, "description": "服务器尚未收到的照片"},
        },
    },
    "Visit": {
        "type": "object",
        "required": ["enterprise_id", "checklists", "started_at", "finished_at", "answers"],
        "properties": {
            "enterprise_id": {"type": "integer"},
            "checklists": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["id", "version"],
                           "properties": {"id": {"type": "string"}, "version": {"type": "integer"}}}},
            "started_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": "string", "format": "date-time"},
            "location": {"type": ["object", "null"], "properties": {
                "lat": {"type": "number"}, "lng": {"type": "number"}, "accuracy_m": {"type": ["number", "null"]}}},
            "location_status": {"type": "string", "enum": ["ok", "denied", "unavailable", "timeout", "none"],
                                "description": "定位结果；拒绝提供位置如实记录"},
            "answers": {"type": "array", "items": {
                "type": "object", "required": ["checklist", "item", "result"],
                "properties": {
                    "checklist": {"type": "string"}, "item": {"type": "string"},
                    "result": {"type": "string", "enum": ["pass", "fail", "na"]},
                    "note": {"type": "string"}, "photos": {"type": "array", "items": SHA256},
                    "hazard": {"type": ["object", "null"], "required": ["uuid"], "properties": {
                        "uuid": UUID, "description": {"type": "string"},
                        "level": {"type": "string", "enum": ["general", "major"]},
                        "level_reason": {"type": "string"},
                        "deadline": {"type": "string", "format": "date"}, "deadline_reason": {"type": "string"},
                        "fixed_on_spot": {"type": "boolean"}, "after_photos": {"type": "array", "items": SHA256},
                        "measure": {"type": "string", "description": "整改措施"},
                        "owner": {"type": "string", "description": "整改责任人（默认为主要负责人）"},
                        "defect": {"type": "string", "maxLength": 200,
                                   "description": "隐患表述（默认为检查项的 defect，网格员可修改）"},
                    }},
                },
            }},
            "fire_combined": {"type": ["object", "null"], "required": ["decision"],
                              "description": "GB 35181 多项要素综合判定：网格员对系统提议的确认或不予认定",
                              "properties": {
                "decision": {"type": "string", "enum": ["confirm", "decline"]},
                "venue_kind": {"type": "string", "enum": ["crowded", "flammable", "important", "other"]},
                "reason": {"type": "string", "maxLength": 1000, "description": "不予认定时必填"},
                "hazard": {"type": "object", "properties": {
                    "uuid": UUID, "deadline": {"type": "string", "format": "date"}, "defect": {"type": "string"}}},
            }},
        },
    },
    "HazardItem": {
        "type": "object",
        "required": ["uuid", "enterprise_id", "state", "level", "deadline", "overdue", "version"],
        "properties": {
            "uuid": UUID, "enterprise_id": {"type": "integer"},
            "state": {"type": "string", "enum": ["open", "rectified", "closed"]},
            "level": {"type": "string", "enum": ["general", "major"]},
            "deadline": {"type": "string", "format": "date"}, "overdue": {"type": "boolean"},
            "days_left": {"type": ["integer", "null"]}, "version": {"type": "integer"},
            "item_text": {"type": "string"}, "defect": {"type": "string"}, "checklist": {"type": ["string", "null"]}, "item": {"type": ["string", "null"]},
            "category": {"type": "string"}, "supervised": {"type": "boolean"}, "referred": {"type": "boolean"},
            "fixed_on_spot": {"type": "boolean"},
            "extension_requested_to": {"type": ["string", "null"], "format": "date"},
            "raised_at": {"type": "string", "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Hazard": {"allOf": [_ref("HazardItem"), {"type": "object", "properties": {
        "description": {"type": "string"}, "visit": {"type": ["string", "null"]},
        "level_reason": {"type": "string"}, "deadline_reason": {"type": "string"},
        "before_photos": {"type": "array", "items": SHA256}, "after_photos": {"type": "array", "items": SHA256},
        "evidence_flags": {"type": "array", "items": {"type": "string"}},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
    }}]},
    "HazardEvent": {
        "type": "object", "required": ["action", "version"],
        "properties": {
            "uuid": {**UUID, "description": "客户端生成；重放同一 uuid 得到同样的答复"},
            "action": {"type": "string", "enum": ["submit_rectification", "verify", "reject", "request_extension",
                                                  "approve_extension", "refuse_extension", "supervise", "refer", "reopen"]},
            "version": {"type": "integer", "description": "客户端所见的隐患版本；过期答复 409"},
            "note": {"type": "string"}, "photos": {"type": "array", "items": SHA256},
            "deadline": {"type": "string", "format": "date", "description": "申请延期的新期限"},
        },
    },
})

PATHS: dict[str, dict] = {
    "/auth/token": {
        "post": {
            "summary": "用用户名和密码换取 Bearer 令牌",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                }}},
            },
            "responses": {
                "200": _json({"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}, "token_type": {"type": "string"}, "role": {"type": "string"}}}),
                "400": _error("请求体格式错误"),
                "401": _error("用户名或密码错误（未知用户答复相同）"),
                "429": _error("失败次数过多，暂时锁定"),
            },
        }
    },
    "/enterprises": {
        "get": {
            "summary": "管辖范围内的企业列表",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "名称、地址或信用代码"},
                {"name": "street", "in": "query", "schema": {"type": "string"}, "description": "街道名称"},
                {"name": "grid", "in": "query", "schema": {"type": "string"}, "description": "网格编码"},
                {"name": "industry", "in": "query", "schema": {"type": "string"}},
                {"name": "venue_type", "in": "query", "schema": {"type": "string"}},
                {"name": "size_class", "in": "query", "schema": {"type": "string"}},
                {"name": "risk_color", "in": "query", "schema": {"type": "string"}},
                {"name": "standardization", "in": "query", "schema": {"type": "string"}},
                *PAGE_PARAMS,
            ],
            "responses": {
                "200": _json({"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": _ref("EnterpriseItem")},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                }}),
                "400": _error("分页参数错误"),
                "401": STAFF_ERRORS["401"],
            },
        }
    },
    "/enterprises/{id}": {
        "get": {
            "summary": "一个企业的完整记录",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": _json(_ref("Enterprise")), **STAFF_ERRORS},
        }
    },
    "/session": {
        "get": {"summary": "当前登录用户与新的 CSRF 令牌（离线同步前调用）", "security": [],
                "responses": {"200": _json({"type": "object", "properties": {
                    "user": {"type": ["object", "null"]}, "csrf_token": {"type": "string"}}})}}
    },
    "/bootstrap": {
        "get": {
            "summary": "网格员的离线数据包：管辖场所、适用清单、未销号隐患",
            "responses": {"200": _json({"type": "object", "required": ["enterprises", "checklists", "hazards"], "properties": {
                "generated_at": {"type": "string", "format": "date-time"},
                "enterprises": {"type": "array", "items": {"type": "object"}},
                "checklists": {"type": "array", "items": {"type": "object", "required": ["id", "version", "items"], "properties": {
                    "id": {"type": "string"}, "version": {"type": "integer"},
                    "items": {"type": "array", "items": {"type": "object", "required": ["key"]}}}}},
                "hazards": {"type": "array", "items": {"type": "object"}},
            }}), "401": STAFF_ERRORS["401"], "403": _error("角色不适用")},
        }
    },
    "/photos/{sha256}": {
        "put": {
            "summary": "上传一张照片（地址为其 SHA-256，服务器重新计算核对）",
            "parameters": [
                {"name": "sha256", "in": "path", "required": True, "schema": SHA256},
                {"name": "captured_at", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {"name": "lat", "in": "query", "schema": {"type": "number"}},
                {"name": "lng", "in": "query", "schema": {"type": "number"}},
                {"name": "accuracy_m", "in": "query", "schema": {"type": "number"}},
            ],
            "requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/webp": {"schema": {"type": "string", "format": "binary"}},
                "image/heic": {"schema": {"type": "string", "format": "binary"}},
            }},
            "responses": {
                "201": _json({"type": "object"}, "已保存"), "200": _json({"type": "object"}, "服务器已有该照片"),
                "400": _error("内容与 SHA-256 不符，或参数错误"), "401": STAFF_ERRORS["401"], "403": _error("角色不能上传"),
                "413": _error("超过大小上限"), "415": _error("不是支持的图片（按解码判断）"), "422": _error("像素过多或图片损坏"),
            },
        }
    },
    "/visits/{uuid}": {
        "put": {
            "summary": "提交一次完成的检查（幂等：同样内容重放得到同样回执）",
            "parameters": [{"name": "uuid", "in": "path", "required": True, "schema": UUID}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Visit")}}},
            "responses": {
                "201": _json(_ref("Receipt"), "已保存"), "200": _json(_ref("Receipt"), "同样内容的重放"),
                "400": _error("请求格式错误"), "401": STAFF_ERRORS["401"], "403": _error("角色不能提交检查"),
                "404": STAFF_ERRORS["404"], "409": _error("同一编号已提交过不同内容，未作任何修改"),
                "422": {"description": "检查内容有误（errors 列出每一处）", "content": {"application/json": {"schema": {
                    "allOf": [_ref("Error"), {"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "string"}}}}]}}}},
            },
        },
        "get": {
            "summary": "已保存检查的回执（用于核对手机上的记录）",
            "parameters": [{"name": "uuid", "in": "path", "required": True, "schema": UUID}],
            "responses": {"200": _json(_ref("Receipt")), **STAFF_ERRORS},
        },
    },
    "/hazards": {
        "get": {
            "summary": "管辖范围内的隐患",
            "parameters": [
                {"name": "enterprise", "in": "query", "schema": {"type": "integer"}},
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["open", "rectified", "closed", "overdue"]}},
                {"name": "level", "in": "query", "schema": {"type": "string", "enum": ["general", "major"]}},
                *PAGE_PARAMS,
            ],
            "responses": {"200": _json({"type": "object", "required": ["items", "total"], "properties": {
                "items": {"type": "array", "items": _ref("HazardItem")}, "total": {"type": "integer"}}}),
                "400": _error("参数错误"), "401": STAFF_ERRORS["401"]},
        }
    },
    "/hazards/{uuid}": {
        "get": {
            "summary": "一条隐患的详情",
            "parameters": [{"name": "uuid", "in": "path", "required": True, "schema": UUID}],
            "responses": {"200": _json(_ref("Hazard")), **STAFF_ERRORS},
        }
    },
    "/hazards/{uuid}/events": {
        "post": {
            "summary": "隐患闭环操作：提交整改、复查销号、退回、延期、督办、移交、重新打开",
            "parameters": [{"name": "uuid", "in": "path", "required": True, "schema": UUID}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("HazardEvent")}}},
            "responses": {
                "200": _json({"type": "object", "required": ["uuid", "state", "version"], "properties": {
                    "uuid": UUID, "event": UUID, "action": {"type": "string"},
                    "state": {"type": "string"}, "version": {"type": "integer"}, "at": {"type": "string"}}}),
                "400": _error("请求格式错误"), "401": STAFF_ERRORS["401"], "403": _error("角色无权执行"),
                "404": STAFF_ERRORS["404"], "409": _error("版本已过期（先于其他检查）或当前状态不允许"),
                "422": _error("缺少必需的说明、照片或日期"),
            },
        }
    },
    "/openapi.json": {
        "get": {"summary": "本文档", "security": [], "responses": {"200": _json({"type": "object"})}}
    },
}


def document() -> dict:
    """Return the OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "fieldapp 网格安全巡查 API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "fieldapp_session",
                            "description": "浏览器会话；修改类请求须带 X-CSRFToken 头"},
            },
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
