from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import HardenedAdminMixin
from apps.monitoring import alerts
from apps.monitoring.models import AlertLog, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "metric",
        "comparison",
        "threshold",
        "window_minutes",
        "queue",
        "channel",
        "is_active",
    )
    list_filter = ("is_active", "metric", "channel")
    list_select_related = ("queue",)
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (_("조건"), {"fields": ("metric", "comparison", "threshold", "window_minutes", "queue")}),
        (_("알림"), {"fields": ("channel", "recipients")}),
    )
    actions = ("check_now",)

    @admin.action(description=_("지금 확인하기"), permissions=["view"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[AlertRule]) -> None:
        # Same path as the every-minute task, so a test fire is also de-duplicated per window.
        for rule in queryset.select_related("queue"):
            result = alerts.alert_rule_evaluate(rule=rule)
            value = "-" if result.value is None else f"{result.value:g}"
            state = _("알림 발송") if result.fired else _("발송 없음")
            self.message_user(request, f"{rule.name}: {value} ({state})", messages.INFO)


@admin.register(AlertLog)
class AlertLogAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Written by the alert task only: read-only for everyone."""

    list_display = (
        "created_at",
        "rule",
        "metric",
        "value",
        "comparison",
        "threshold",
        "window_start",
        "channel",
        "sent_to",
        "status",
    )
    list_filter = ("status", "metric", "channel")
    list_select_related = ("rule",)
    search_fields = ("rule__name",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
