from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.core.roles import is_supervisor


class IsSupervisor(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_supervisor(request.user)
