"""Report runs (file + e-mail, once per period), schedules, and conversation exports."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, cast

from celery.schedules import crontab as celery_crontab
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.files.base import ContentFile, File
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from apps.core.exceptions import ApplicationError
from apps.core.models import AuditAction, AuditLog
from apps.core.spreadsheet import csv_cell
from apps.reports import builders, drilldown, kpis, rollups
from apps.reports.models import (
    ConversationExport,
    KpiDaily,
    KpiRollupDay,
    OccupancyDaily,
    ReportDefinition,
    ReportFormat,
    ReportRun,
    RunStatus,
)

Progress = Callable[[str], None]
RUN_TASK = "reports.run_definition"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A RUNNING run older than this was left by a worker that died mid-build (the task is killed
# at CELERY_TASK_TIME_LIMIT): the next fire may claim it again.
STALE_RUN_AFTER = timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 1800)


def _quiet(_: str) -> None:
    return None


def report_period(*, definition: ReportDefinition, day: date) -> tuple[date, date]:
    """`params.days` Seoul days ending with `day` (1 = that day only)."""
    days = max(1, int(definition.params.get("days", 1)))
    return day - timedelta(days=days - 1), day


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def _claim_run(definition: ReportDefinition, first: date, last: date) -> ReportRun:
    try:
        with transaction.atomic():
            run, _created = ReportRun.objects.get_or_create(
                definition=definition, period_start=first, period_end=last
            )
    except IntegrityError:  # a concurrent fire created it first
        run = ReportRun.objects.get(definition=definition, period_start=first, period_end=last)
    return run


def report_run(
    *,
    definition: ReportDefinition,
    day: date,
    triggered_by: AbstractBaseUser | None = None,
    progress: Progress = _quiet,
) -> ReportRun:
    """Build the file for the period ending `day`, store it, mail it; idempotent per period.

    1. get or create the run of the period (unique), 2. claim it (pending/failed -> running,
    or running since longer than STALE_RUN_AFTER: its worker died) so two fires never build at
    once, 3. build and save the file, 4. claim the e-mail (emailed_at) and send it once.
    """
    first, last = report_period(definition=definition, day=day)
    progress(f"{definition.name}: {first} ~ {last} ({definition.get_kind_display()})")
    run = _claim_run(definition, first, last)
    now = timezone.now()
    stale = Q(status=RunStatus.RUNNING) & (
        Q(started_at__lt=now - STALE_RUN_AFTER)
        # Runs claimed before started_at existed: their request time is the best bound.
        | Q(started_at__isnull=True, created_at__lt=now - STALE_RUN_AFTER)
    )
    claimed = ReportRun.objects.filter(
        Q(status__in=[RunStatus.PENDING, RunStatus.FAILED]) | stale, pk=run.pk
    ).update(status=RunStatus.RUNNING, started_at=now, triggered_by=triggered_by, error="")
    if not claimed:
        run.refresh_from_db()
        progress(f"이미 {run.get_status_display()} 상태인 실행이 있습니다: #{run.pk}")
        return run
    try:
        _build(run, definition, first, last, progress)
    except Exception as exc:
        ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=repr(exc))
        raise
    _mail(run, definition, progress)
    return run


def _build(
    run: ReportRun, definition: ReportDefinition, first: date, last: date, progress: Progress
) -> None:
    progress("집계 중…")
    headers, rows = builders.BUILDERS[definition.kind](first, last)
    progress(f"행 {len(rows)}개")
    if definition.file_format == ReportFormat.CSV:
        content = builders.to_csv(headers, rows)
    else:
        content = builders.to_xlsx(definition.title, headers, rows)
    name = f"{definition.name}_{first:%Y%m%d}_{last:%Y%m%d}.{definition.file_format}"
    run.file.save(name, ContentFile(content), save=False)
    run.row_count, run.status, run.finished_at = len(rows), RunStatus.SUCCESS, timezone.now()
    run.save(update_fields=["file", "row_count", "status", "finished_at"])
    progress(f"파일 저장: {run.file.name}")


def _mail(run: ReportRun, definition: ReportDefinition, progress: Progress) -> None:
    recipients = definition.recipient_list
    if not recipients:
        progress("수신자가 없어 메일을 보내지 않습니다.")
        return
    if not ReportRun.objects.filter(pk=run.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        progress("이미 메일을 보냈습니다.")
        return
    period = f"{run.period_start} ~ {run.period_end}"
    message = EmailMessage(
        subject=f"[AICC] {definition.title} ({period})",
        body=_("%(title)s 리포트(%(period)s)를 첨부합니다. 행 %(rows)d개.")
        % {"title": definition.title, "period": period, "rows": run.row_count},
        to=recipients,
    )
    mimetype = XLSX_TYPE if definition.file_format == ReportFormat.XLSX else "text/csv"
    assert run.file.name is not None  # _mail runs only after _build saved the file
    with run.file.open("rb") as handle:
        message.attach(run.file.name.rsplit("/", 1)[-1], handle.read(), mimetype)
    message.send()
    progress(f"메일 발송: {len(recipients)}명")


# KPI roll-ups ------------------------------------------------------------------------------


def kpi_rollup_day(*, day: date, sla_seconds: int = kpis.SLA_SECONDS) -> KpiRollupDay:
    """Replace the roll-up rows of one Seoul day with fresh sums; idempotent.

    The day's KpiRollupDay row is locked first, so two roll-ups of the same day (hourly and
    nightly overlapping, a backfill) run one after the other instead of doubling rows.
    """
    start, end = kpis.day_bounds(day, day)
    with transaction.atomic():
        KpiRollupDay.objects.bulk_create([KpiRollupDay(day=day)], ignore_conflicts=True)
        marker = KpiRollupDay.objects.select_for_update().get(day=day)
        # Before the aggregates: whatever they read was committed by then.
        computed_at = timezone.now()
        rows = rollups.rollup_rows(day, sla_seconds)
        occupancy = kpis.occupancy_raw(start, end)
        KpiDaily.objects.filter(day=day).delete()
        OccupancyDaily.objects.filter(day=day).delete()
        KpiDaily.objects.bulk_create([KpiDaily(day=day, **row) for row in rows], batch_size=1000)
        OccupancyDaily.objects.bulk_create(
            [
                OccupancyDaily(day=day, agent_id=pk, busy=busy, staffed=staffed)
                for pk, (busy, staffed) in occupancy.items()
            ],
            batch_size=1000,
        )
        marker.sla_seconds, marker.computed_at = sla_seconds, computed_at
        marker.save(update_fields=["sla_seconds", "computed_at"])
    return marker


def _final_after(day: date) -> datetime:
    """When a day's figures stop changing: its last chat closed, plus the FCR look-ahead."""
    return kpis.day_bounds(day, day)[1] + kpis.MAX_CHAT + timedelta(days=kpis.FCR_DAYS)


def kpi_rollup_due(*, today: date, refresh: bool = False) -> list[date]:
    """Days the scheduled roll-up should (re)compute, oldest first.

    Hourly (refresh=False): yesterday, and any day of the horizon never rolled up after it
    ended (a stopped worker, a new install). Nightly (refresh=True): every day of the horizon
    whose figures may still change (FCR_DAYS after its chats closed), so a repeat contact or a
    late CSAT reaches the roll-up within a day.
    """
    days = [today - timedelta(days=i) for i in range(rollups.ROLLUP_HORIZON_DAYS, 0, -1)]
    # computed_at__isnull=False: the stubs cannot see that this leaves no None value.
    done = cast(
        dict[date, datetime],
        dict(
            KpiRollupDay.objects.filter(day__in=days, computed_at__isnull=False).values_list(
                "day", "computed_at"
            )
        ),
    )
    if refresh:
        return [day for day in days if day not in done or done[day] < _final_after(day)]
    yesterday = today - timedelta(days=1)
    return [
        day
        for day in days
        if day == yesterday or day not in done or done[day] < kpis.day_bounds(day, day)[1]
    ]


def kpi_rollup_range(
    *, first: date, last: date, sla_seconds: int = kpis.SLA_SECONDS, progress: Progress = _quiet
) -> int:
    """Backfill (or recompute) every day of [first, last]; returns the number of days."""
    days = kpis.days_between(first, last)
    for i, day in enumerate(days, 1):
        kpi_rollup_day(day=day, sla_seconds=sla_seconds)
        progress(f"{day} ({i}/{len(days)})")
    return len(days)


# Schedules ---------------------------------------------------------------------------------


def parse_crontab(expr: str) -> dict[str, str]:
    """'m h dom mon dow' -> CrontabSchedule fields; ApplicationError naming the field if bad."""
    parts = expr.split()
    if len(parts) != 5:
        message = _("크론 식은 '분 시 일 월 요일' 다섯 칸입니다 (예: 0 7 * * *).")
        raise ApplicationError(message, {"crontab": [message]})
    fields = dict(
        zip(["minute", "hour", "day_of_month", "month_of_year", "day_of_week"], parts, strict=True)
    )
    try:
        celery_crontab(**fields)
    except ValueError as exc:
        message = _("크론 식이 올바르지 않습니다: %(error)s") % {"error": exc}
        raise ApplicationError(message, {"crontab": [message]})
    return fields


@transaction.atomic
def report_definition_schedule(*, definition: ReportDefinition, crontab: str) -> None:
    """Create/update (or drop, when blank) the beat entry that fires reports.run_definition."""
    task = definition.periodic_task
    if not crontab.strip():
        if task is not None:
            definition.periodic_task = None
            definition.save(update_fields=["periodic_task", "updated_at"])
            task.delete()
        return
    schedule, _created = CrontabSchedule.objects.get_or_create(
        **parse_crontab(crontab), timezone="Asia/Seoul"
    )
    values = {
        "name": f"리포트: {definition.name}",
        "task": RUN_TASK,
        "crontab": schedule,
        "interval": None,
        "args": json.dumps([definition.pk]),
        "queue": "reports",
        "enabled": definition.is_active,
    }
    if task is None:
        definition.periodic_task = PeriodicTask.objects.create(**values)
        definition.save(update_fields=["periodic_task", "updated_at"])
        return
    for field, value in values.items():
        setattr(task, field, value)
    task.save()


# Exports -----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("id", "대화 ID"),
    ("session_id", "세션 ID"),
    ("channel", "채널"),
    ("user_id", "고객 식별자"),
    ("state", "상태"),
    ("queue__name", "큐"),
    ("agent__display_name", "상담원"),
    ("agent__team__name", "팀"),
    ("started_at", "시작"),
    ("queued_at", "대기 시작"),
    ("assigned_at", "배정"),
    ("first_agent_reply_at", "상담원 첫 응답"),
    ("closed_at", "종료"),
    ("abandoned_at", "이탈"),
    ("wrapup_seconds", "후처리(초)"),
    ("disposition", "처리 결과"),
    ("csat_score", "만족도"),
]


def export_request(*, user: User, params: dict[str, Any], reason: str) -> ConversationExport:
    """Record the request and queue the CSV build after commit (never inside the request)."""
    from apps.reports.tasks import export_conversations as export_task

    export = ConversationExport.objects.create(requested_by=user, params=params, reason=reason)
    transaction.on_commit(lambda: export_task.delay(export.pk))
    return export


def _export_lookups(params: dict[str, Any]) -> dict[str, Any]:
    return drilldown.row_lookups(
        date.fromisoformat(params["from"]),
        date.fromisoformat(params["to"]),
        params.get("group", ""),
        params.get("value"),
        params.get("kpi", "conversations"),
    )


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return csv_cell(value)


def export_build(*, export: ConversationExport) -> ConversationExport:
    """Write the CSV in chunks (flat memory), store it, and audit-log who/what/when/why."""
    if export.status == RunStatus.SUCCESS:
        return export
    lookups = _export_lookups(export.params)
    fields = [field for field, _label in EXPORT_COLUMNS]
    rows = drilldown.rows(lookups).order_by("started_at", "pk").values_list(*fields)
    name = f"conversations_{export.params['from']}_{export.params['to']}_{export.pk}.csv"
    with tempfile.TemporaryFile() as raw, transaction.atomic():
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([label for _field, label in EXPORT_COLUMNS])
        count = 0
        for row in rows.iterator(chunk_size=2000):
            writer.writerow([_cell(value) for value in row])
            count += 1
        text.flush()
        text.detach()  # keep `raw` open: the wrapper would close it when collected
        raw.seek(0)
        export.file.save(name, File(raw), save=False)
        export.row_count, export.status = count, RunStatus.SUCCESS
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "row_count", "status", "finished_at"])
        AuditLog.objects.create(
            user=export.requested_by,
            action=AuditAction.EXPORT,
            target=f"conversations export #{export.pk}: {json.dumps(export.params)}"[:200],
            fields=",".join(fields)[:200],
            reason=export.reason,
        )
    return export


def kpi_period_default() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=6), today
