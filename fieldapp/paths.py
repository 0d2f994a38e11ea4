"""Resolve the folders that live beside the package in a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
TEMPLATES_DIR = REPO_DIR / "templates"
STATIC_DIR = REPO_DIR / "static"
CHECKLISTS_DIR = REPO_DIR / "checklists"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
