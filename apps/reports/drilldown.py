"""What each KPI means and which conversations stand behind a figure.

The same lookups build the admin changelist link (chat.Conversation, query parameters) and the
queryset of the CSV export, so a figure, its drill-down list and its export agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.chat.models import Conversation, ConversationState
from apps.reports.kpis import day_bounds

CLOSED, ABANDONED = ConversationState.CLOSED, ConversationState.ABANDONED


@dataclass(frozen=True)
class KpiMeta:
    key: str
    label: Any
    formula: Any
    unit: str  # "count", "ratio", "seconds", "score"
    rows: dict[str, Any]  # lookups selecting the conversations the figure is computed over


KPIS = [
    KpiMeta("conversations", _("대화 수"), _("기간에 시작된 대화"), "count", {}),
    KpiMeta(
        "containment",
        _("챗봇 해결률"),
        _("상담원 연결 없이 챗봇에서 종료된 대화 ÷ 전체 대화"),
        "ratio",
        {"state": CLOSED, "queued_at__isnull": True},
    ),
    KpiMeta(
        "escalation_rate",
        _("상담 연결률"),
        _("대기열에 들어간 대화 ÷ 전체 대화"),
        "ratio",
        {"queued_at__isnull": False},
    ),
    KpiMeta(
        "asa_seconds",
        _("평균 응답 대기(ASA)"),
        _("평균(배정 시각 − 대기 시작), 배정된 대화"),
        "seconds",
        {"assigned_at__isnull": False},
    ),
    KpiMeta(
        "service_level",
        _("서비스 레벨"),
        _("기준 시간(60초) 안에 배정된 대화 ÷ (배정된 대화 + 기준 시간 후 이탈한 대화)"),
        "ratio",
        {"queued_at__isnull": False},
    ),
    KpiMeta(
        "abandonment",
        _("포기율"),
        _("이탈한 대화 ÷ 대기열에 들어간 대화"),
        "ratio",
        {"state": ABANDONED},
    ),
    KpiMeta(
        "frt_seconds",
        _("첫 응답 시간(FRT)"),
        _("평균(상담원 첫 응답 − 배정 시각)"),
        "seconds",
        {"first_agent_reply_at__isnull": False},
    ),
    KpiMeta(
        "aht_seconds",
        _("평균 처리 시간(AHT)"),
        _("평균(종료 − 배정 시각 + 후처리 시간), 상담원이 처리한 대화"),
        "seconds",
        {"assigned_at__isnull": False, "closed_at__isnull": False},
    ),
    KpiMeta(
        "csat_mean",
        _("만족도 평균"),
        _("만족도 점수(1–5)의 평균"),
        "score",
        {"csat_score__isnull": False},
    ),
    KpiMeta(
        "csat_top2",
        _("만족도 4–5점 비율"),
        _("4점 또는 5점 응답 ÷ 만족도 응답"),
        "ratio",
        {"csat_score__isnull": False},
    ),
    KpiMeta(
        "fcr",
        _("1차 해결률(FCR)"),
        _("종료 후 7일 안에 같은 고객의 다른 대화가 없는 종료 대화 ÷ 종료 대화"),
        "ratio",
        {"state": CLOSED},
    ),
    KpiMeta(
        "occupancy",
        _("점유율"),
        _("상담원이 1건 이상 상담한 시간 ÷ 대기(AVAILABLE)+상담 중(BUSY) 상태 시간 (큐별 없음)"),
        "ratio",
        {"agent__isnull": False},
    ),
    KpiMeta(
        "qa_score",
        _("QA 점수"),
        _("제출된 평가 점수(0–100)의 평균"),
        "score",
        {"agent__isnull": False},
    ),
]
KPI_BY_KEY = {meta.key: meta for meta in KPIS}

_GROUP_LOOKUP = {"queue": "queue", "team": "agent__team", "agent": "agent"}


def row_lookups(
    first: date, last: date, group: str = "", value: Any = None, kpi: str = "conversations"
) -> dict[str, Any]:
    """ORM lookups for the conversations behind one figure (group value None = unassigned)."""
    if group == "day":
        first = last = value if isinstance(value, date) else date.fromisoformat(str(value))
    start, end = day_bounds(first, last)
    lookups: dict[str, Any] = {"started_at__gte": start, "started_at__lt": end}
    if group in _GROUP_LOOKUP:
        field = _GROUP_LOOKUP[group]
        if value in (None, "", "None"):
            lookups[f"{field}__isnull"] = True
        else:
            lookups[f"{field}__id__exact"] = int(value)
    lookups.update(KPI_BY_KEY[kpi].rows)
    return lookups


def rows(lookups: dict[str, Any]) -> QuerySet[Conversation]:
    return Conversation.objects.filter(**lookups)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def changelist_url(lookups: dict[str, Any]) -> str:
    query = urlencode({key: _param(value) for key, value in lookups.items()})
    return f"{reverse('admin:chat_conversation_changelist')}?{query}"


def _encoded(lookups: dict[str, Any]) -> dict[str, str]:
    return {key: urlencode({key: _param(value)}) for key, value in lookups.items()}


class Links:
    """changelist_url for every KPI of many rows, without a reverse() and urlencode per cell.

    A 200-agent page has 2,600 cells: the URL prefix is reversed once, each KPI's lookups and
    each row's period/group lookups are encoded once, and a cell joins the two as
    row_lookups(...) would (the KPI's lookups win on a shared key).
    """

    def __init__(self) -> None:
        self.base = reverse("admin:chat_conversation_changelist")
        self.kpis = {meta.key: _encoded(meta.rows) for meta in KPIS}

    def row(self, first: date, last: date, group: str = "", value: Any = None) -> dict[str, str]:
        """KPI key -> URL of the conversations behind that figure of the row."""
        row = _encoded(row_lookups(first, last, group, value))
        return {
            key: f"{self.base}?{'&'.join({**row, **pairs}.values())}"
            for key, pairs in self.kpis.items()
        }


def display(meta: KpiMeta, value: Any) -> str:
    if value is None:
        return "–"
    if meta.unit == "ratio":
        return f"{value * 100:.1f}%"
    if meta.unit == "seconds":
        return f"{value:,.1f}초"
    if meta.unit == "count":
        return f"{value:,}"
    return f"{value:.2f}"


def days_in(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
