"""Report tables (Korean headers, computed rows) and their CSV/XLSX files.

Each builder returns (headers, rows) for a period of Seoul days; rows come from grouped
aggregates, so a report costs a handful of queries whatever the number of conversations.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q
from openpyxl import Workbook
from openpyxl.styles import Font

from apps.agents.models import Agent
from apps.chat.models import Message, MessageSender
from apps.core.spreadsheet import csv_cell, xlsx_append
from apps.evaluations.models import Evaluation, EvaluationStatus
from apps.faqs.models import Faq
from apps.reports import kpis, rollups
from apps.reports.kpis import Kpis
from apps.reports.models import ReportKind

Table = tuple[list[str], list[list[Any]]]

KPI_HEADERS = [
    "대화 수",
    "챗봇 해결률(%)",
    "상담 연결률(%)",
    "평균 응답 대기(초)",
    "서비스 레벨(%)",
    "포기율(%)",
    "첫 응답 시간(초)",
    "평균 처리 시간(초)",
    "만족도 평균",
    "만족도 4-5점(%)",
    "1차 해결률(%)",
    "점유율(%)",
    "QA 점수",
]


def _pct(value: float | None) -> float | None:
    return round(value * 100, 2) if value is not None else None


def _kpi_cells(k: Kpis) -> list[Any]:
    return [
        k.conversations,
        _pct(k.containment),
        _pct(k.escalation_rate),
        k.asa_seconds,
        _pct(k.service_level),
        _pct(k.abandonment),
        k.frt_seconds,
        k.aht_seconds,
        k.csat_mean,
        _pct(k.csat_top2),
        _pct(k.fcr),
        _pct(k.occupancy),
        k.qa_score,
    ]


def daily_kpi(first: date, last: date) -> Table:
    grouped, total = rollups.compute_report(first, last, "day")
    rows = [[day.isoformat(), *_kpi_cells(k)] for day, k in grouped]
    rows.append(["합계", *_kpi_cells(total)])
    return ["일자", *KPI_HEADERS], rows


def agent_performance(first: date, last: date) -> Table:
    grouped = [(pk, k) for pk, k in rollups.compute_grouped(first, last, "agent") if pk is not None]
    agents = Agent.objects.select_related("team").in_bulk([pk for pk, _ in grouped])
    rows = []
    for pk, k in grouped:
        agent = agents[pk]
        rows.append([agent.display_name, agent.team.name if agent.team else "", *_kpi_cells(k)])
    return ["상담원", "팀", *KPI_HEADERS], rows


def faq_effectiveness(first: date, last: date) -> Table:
    start, end = kpis.day_bounds(first, last)
    bot = Message.objects.filter(
        sender=MessageSender.BOT, created_at__gte=start, created_at__lt=end
    )
    stats = (
        bot.filter(faq__isnull=False)
        .values("faq_id")
        .annotate(
            hits=Count("pk"),
            # Not named "helpful": SQLite would read the alias inside the FILTER clause.
            votes_up=Count("pk", filter=Q(helpful=True)),
            votes_down=Count("pk", filter=Q(helpful=False)),
        )
        .order_by()
    )
    # Sorted here: SQLite refuses ORDER BY on a FILTERed aggregate; one row per FAQ anyway.
    ranked = sorted(stats, key=lambda r: (-r["hits"], r["faq_id"]))
    faqs = Faq.objects.filter(pk__in=[r["faq_id"] for r in ranked])
    questions = dict(faqs.values_list("pk", "question"))
    rows: list[list[Any]] = []
    for r in ranked:
        votes = r["votes_up"] + r["votes_down"]
        share = round(r["votes_up"] * 100 / votes, 2) if votes else None
        rows.append(
            [
                r["faq_id"],
                questions.get(r["faq_id"], ""),
                r["hits"],
                r["votes_up"],
                r["votes_down"],
                share,
            ]
        )
    fallbacks = bot.filter(next_action="FALLBACK").count()
    rows.append(["", "폴백(답변하지 못함)", fallbacks, None, None, None])
    return ["FAQ ID", "질문", "답변 횟수", "도움 됨", "도움 안 됨", "도움 비율(%)"], rows


def qa_summary(first: date, last: date) -> Table:
    start, end = kpis.day_bounds(first, last)
    stats = (
        Evaluation.objects.filter(
            status__in=kpis.QA_STATUSES, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("agent__display_name")
        .annotate(
            n=Count("pk"),
            mean=Avg("score"),
            low=Min("score"),
            high=Max("score"),
            disputes=Count("pk", filter=Q(status=EvaluationStatus.DISPUTED)),
        )
        .order_by("agent__display_name")
    )
    rows = [
        [
            r["agent__display_name"],
            r["n"],
            round(float(r["mean"]), 2),
            float(r["low"]),
            float(r["high"]),
            r["disputes"],
        ]
        for r in stats
    ]
    return ["상담원", "평가 수", "평균 점수", "최저 점수", "최고 점수", "이의 제기 중"], rows


BUILDERS: dict[str, Callable[[date, date], Table]] = {
    ReportKind.DAILY_KPI: daily_kpi,
    ReportKind.AGENT_PERFORMANCE: agent_performance,
    ReportKind.FAQ_EFFECTIVENESS: faq_effectiveness,
    ReportKind.QA_SUMMARY: qa_summary,
}


def to_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    # UTF-8 with BOM: Excel opens the Korean headers correctly only with it.
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's sheet-name limit
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        xlsx_append(sheet, row)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
