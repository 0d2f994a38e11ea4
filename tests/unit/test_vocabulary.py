"""One role vocabulary and one error model, used the same way everywhere."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import fieldapp
from fieldapp import roles, vocab
from fieldapp.errors import DomainError
from fieldapp.roles import Role

# Errors that never reach a request: start-up, command line and file-format problems.
NOT_DOMAIN = {
    "ChecklistError",
    "TableError",
    "PasswordError",
    "BackupError",
    "RestoreError",
    "ConfigError",
    "ToolError",
    "StorageMissing",
    "NotAnArchive",
}


def test_every_role_has_a_chinese_name_and_the_groups_nest():
    assert set(vocab.ROLES) == {r.value for r in Role}
    assert roles.OFFICE < roles.FIELD < roles.STAFF
    assert roles.OVERSIGHT == roles.OFFICE | {Role.DEPARTMENT}
    assert Role.DEPARTMENT not in roles.FIELD and Role.ENTERPRISE not in roles.STAFF
    assert roles.UPLOADERS == roles.FIELD | {Role.ENTERPRISE}


def _error_classes():
    for info in pkgutil.walk_packages(fieldapp.__path__, "fieldapp."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                obj.__module__ == info.name
                and issubclass(obj, Exception)
                and name not in NOT_DOMAIN
            ):
                yield f"{info.name}.{name}", obj


@pytest.mark.parametrize(
    "name,cls", list(_error_classes()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_domain_error_shares_one_base(name, cls):
    assert issubclass(cls, DomainError), f"{name} should subclass fieldapp.errors.DomainError"


@pytest.fixture
def refusing_app(app):
    def refuse():
        raise DomainError("测试拒绝：内容有误。", status=409, errors=["第 1 项：缺少照片"])

    app.add_url_rule("/api/v1/_refuse", "api_refuse", refuse)
    app.add_url_rule("/_refuse", "page_refuse", refuse)
    return app


def test_a_domain_error_is_answered_alike_by_the_api_and_the_pages(refusing_app):
    client = refusing_app.test_client()
    api = client.get("/api/v1/_refuse")
    assert api.status_code == 409
    assert api.json == {
        "error": "测试拒绝：内容有误。",
        "status": 409,
        "errors": ["第 1 项：缺少照片"],
    }
    page = client.get("/_refuse", headers={"Accept": "text/html"})
    assert page.status_code == 409 and "测试拒绝：内容有误。" in page.get_data(as_text=True)
    assert page.mimetype == "text/html"
