"""Report and export tasks; every name starts with "reports." so they route to that queue."""

from __future__ import annotations

from datetime import date

from celery import Task, shared_task
from django.utils import timezone

from apps.reports import kpis, services
from apps.reports.models import ConversationExport, ReportDefinition, RunStatus

OPTIONS = {"bind": True, "acks_late": True, "max_retries": 0}


@shared_task(name="reports.run_definition", **OPTIONS)
def run_definition(self: Task, definition_id: int, day: str | None = None) -> int | None:
    """Fired by beat with only the id: the period then ends yesterday (Asia/Seoul)."""
    definition = ReportDefinition.objects.filter(pk=definition_id, is_active=True).first()
    if definition is None:
        return None
    run_day = date.fromisoformat(day) if day else services.yesterday()
    return services.report_run(definition=definition, day=run_day).pk


@shared_task(name="reports.export_conversations", **OPTIONS)
def export_conversations(self: Task, export_id: int) -> int:
    export = ConversationExport.objects.get(pk=export_id)
    try:
        services.export_build(export=export)
    except Exception as exc:
        ConversationExport.objects.filter(pk=export_id).update(
            status=RunStatus.FAILED, error=repr(exc)
        )
        raise
    return export.row_count


@shared_task(name="reports.rollup_kpis", **OPTIONS)
def rollup_kpis(
    self: Task, first: str | None = None, last: str | None = None, refresh: bool = False
) -> list[str]:
    """Roll up KPI sums per Seoul day; idempotent (each day is replaced, never added to).

    Beat fires it hourly (yesterday + missing days) and nightly with refresh=True (days whose
    FCR may still change); first/last (YYYY-MM-DD) recompute a given range.
    """
    if first:
        days = kpis.days_between(date.fromisoformat(first), date.fromisoformat(last or first))
    else:
        days = services.kpi_rollup_due(today=timezone.localdate(), refresh=refresh)
    for day in days:
        services.kpi_rollup_day(day=day)
    return [day.isoformat() for day in days]
