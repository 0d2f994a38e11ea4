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
                    "note": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                },
            },
        ]
    },
}

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
