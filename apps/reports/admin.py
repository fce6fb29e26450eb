from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import HardenedAdminMixin
from apps.core.exceptions import ApplicationError
from apps.reports.models import ConversationExport, KpiRollupDay, ReportDefinition, ReportRun
from apps.reports.services import parse_crontab, report_definition_schedule


def _crontab_text(definition: ReportDefinition) -> str:
    task = definition.periodic_task
    if task is None or task.crontab is None:
        return ""
    c = task.crontab
    return f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"


class ReportDefinitionForm(forms.ModelForm):
    # The schedule is a django-celery-beat PeriodicTask kept in step by the service on save.
    crontab = forms.CharField(
        label=_("일정(크론)"),
        required=False,
        help_text=_(
            "분 시 일 월 요일, Asia/Seoul. 예: 0 7 * * * = 매일 07:00. 비우면 일정 없음. "
            '매개변수 {"days": 7}이면 7일치(발송 전날까지)를 만듭니다.'
        ),
    )

    class Meta:
        model = ReportDefinition
        fields = ("name", "title", "kind", "file_format", "recipients", "params", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["crontab"].initial = _crontab_text(self.instance)

    def clean_crontab(self) -> str:
        value = " ".join(self.cleaned_data["crontab"].split())
        if value:
            try:
                parse_crontab(value)
            except ApplicationError as exc:
                raise ValidationError(str(exc))
        return value


@admin.register(ReportDefinition)
class ReportDefinitionAdmin(HardenedAdminMixin, admin.ModelAdmin):
    form = ReportDefinitionForm
    list_display = (
        "title",
        "name",
        "kind",
        "file_format",
        "recipient_count",
        "schedule",
        "is_active",
    )
    list_filter = ("kind", "file_format", "is_active")
    list_select_related = ("periodic_task",)
    search_fields = ("name", "title")
    prepopulated_fields = {"name": ("title",)}

    def save_model(
        self, request: HttpRequest, obj: ReportDefinition, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        report_definition_schedule(definition=obj, crontab=form.cleaned_data["crontab"])

    @admin.display(description=_("수신자 수"))
    def recipient_count(self, definition: ReportDefinition) -> int:
        return len(definition.recipient_list)

    @admin.display(description=_("일정"))
    def schedule(self, definition: ReportDefinition) -> str:
        task = definition.periodic_task
        if task is None:
            return "-"
        url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
        return format_html('<a href="{}">{}</a>', url, task.name)


@admin.register(ReportRun)
class ReportRunAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Read-only: runs are made by the scheduled task and the "run now" service."""

    list_display = (
        "definition",
        "period_start",
        "period_end",
        "status",
        "row_count",
        "created_at",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("definition",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConversationExport)
class ConversationExportAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Read-only trail of row-level exports (the AuditLog holds the same who/what/why)."""

    list_display = ("created_at", "requested_by", "reason", "status", "row_count", "finished_at")
    list_filter = ("status",)
    list_select_related = ("requested_by",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KpiRollupDay)
class KpiRollupDayAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Read-only: which days the KPI pages read from roll-ups, and how fresh they are."""

    list_display = ("day", "computed_at", "sla_seconds")
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
