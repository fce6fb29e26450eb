from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core import roles
from apps.core.models import AuditLog

# ContentVersion is not registered: its stamps are machine state, bumped by the services.


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only; only the admin role may read who looked at personal data."""

    list_display = ("created_at", "user", "action", "target", "customer", "fields", "reason")
    # Both filters are columns of the row itself: no join, no DISTINCT (issue 7 targets).
    list_filter = ("action", "created_at")
    list_select_related = ("user", "customer")
    search_fields = ("^user__username", "target")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.has_role(request.user, roles.ADMIN) and super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
