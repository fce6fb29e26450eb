from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from apps.reports.models import ReportDefinition, ReportRun


class ReportDefinitionForm(forms.ModelForm):
    class Meta:
        model = ReportDefinition
        fields = (
            "name",
            "title",
            "kind",
            "file_format",
            "recipients",
            "params",
            "periodic_task",
            "is_active",
        )

    def clean_recipients(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["recipients"].splitlines()]
        bad = []
        for line in filter(None, lines):
            try:
                validate_email(line)
            except ValidationError:
                bad.append(line)
        if bad:
            raise ValidationError(f"올바른 이메일이 아닙니다: {', '.join(bad)}")
        return "\n".join(filter(None, lines))


@admin.register(ReportDefinition)
class ReportDefinitionAdmin(admin.ModelAdmin):
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

    @admin.display(description="수신자 수")
    def recipient_count(self, definition: ReportDefinition) -> int:
        return len(definition.recipient_list)

    @admin.display(description="일정")
    def schedule(self, definition: ReportDefinition) -> str:
        task = definition.periodic_task
        if task is None:
            return "-"
        url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
        return format_html('<a href="{}">{}</a>', url, task.name)


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Read-only: runs are made by the scheduled task and the "run now" service."""

    list_display = (
        "definition",
        "period_start",
        "period_end",
        "status",
        "row_count",
        "created_at",
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
