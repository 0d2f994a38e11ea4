"""All mapped classes, importable from one place."""

from .base import Base
from .registry import Enterprise, EnterpriseChange, Grid, Street
from .users import AuthSession, RateCounter, User, user_grids

__all__ = [
    "AuthSession",
    "Base",
    "Enterprise",
    "EnterpriseChange",
    "Grid",
    "RateCounter",
    "Street",
    "User",
    "user_grids",
]
