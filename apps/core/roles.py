"""Roles are Django groups, created by a data migration (core 0002_roles)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

SUPERVISOR = "supervisor"
QA_EVALUATOR = "qa_evaluator"
AGENT = "agent"
ADMIN = "admin"
ROLES = (SUPERVISOR, QA_EVALUATOR, AGENT, ADMIN)


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name__in=roles).exists()  # type: ignore[attr-defined]


def is_supervisor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, SUPERVISOR, ADMIN)
