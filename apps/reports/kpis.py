"""KPIs of DESIGN §3 as database aggregates over conversation timestamps.

Every figure is one aggregate query over a window of conversations (by `started_at`), so the
same functions serve the live dashboard, the daily report and the drill-down lists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from apps.chat.models import Conversation, ConversationState
from apps.evaluations.models import Evaluation, EvaluationStatus

FCR_DAYS = 7


@dataclass
class Kpis:
    conversations: int
    containment: float | None  # closed in BOT without escalation / all
    escalation_rate: float | None  # reached QUEUED / all
    asa_seconds: float | None  # mean(assigned_at - queued_at)
    service_level: float | None  # assigned within X s / (assigned + abandoned after X s)
    abandonment: float | None  # ABANDONED / QUEUED
    frt_seconds: float | None  # mean(first_agent_reply_at - assigned_at)
    aht_seconds: float | None  # mean(closed_at - assigned_at + wrap-up) over agent-handled
    csat_mean: float | None
    csat_top2: float | None  # share of scores 4-5
    fcr: float | None  # closed with no other conversation of the customer within 7 days / closed
    qa_score: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _seconds(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)  # microseconds on backends without intervals


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def window(start: datetime, end: datetime) -> QuerySet[Conversation]:
    return Conversation.objects.filter(started_at__gte=start, started_at__lt=end)


def _repeat_contact() -> Exists:
    later = Conversation.objects.filter(
        channel_key=OuterRef("channel_key"),
        user_id=OuterRef("user_id"),
        started_at__gt=OuterRef("closed_at"),
        started_at__lte=OuterRef("closed_at") + timedelta(days=FCR_DAYS),
    )
    return Exists(later)


def compute(qs: QuerySet[Conversation], sla_seconds: int = 60) -> Kpis:
    sla = timedelta(seconds=sla_seconds)
    closed = ConversationState.CLOSED
    counts = qs.aggregate(
        total=Count("pk"),
        contained=Count("pk", filter=Q(state=closed, queued_at__isnull=True)),
        queued=Count("pk", filter=Q(queued_at__isnull=False)),
        assigned=Count("pk", filter=Q(assigned_at__isnull=False)),
        within_sla=Count("pk", filter=Q(assigned_at__lte=F("queued_at") + sla)),
        abandoned=Count("pk", filter=Q(state=ConversationState.ABANDONED)),
        abandoned_late=Count(
            "pk", filter=Q(state=ConversationState.ABANDONED, abandoned_at__gt=F("queued_at") + sla)
        ),
        closed=Count("pk", filter=Q(state=closed)),
        csat_n=Count("pk", filter=Q(csat_score__isnull=False)),
        csat_top=Count("pk", filter=Q(csat_score__gte=4)),
        csat_mean=Avg("csat_score"),
        asa=Avg(_duration("assigned_at", "queued_at"), filter=Q(assigned_at__isnull=False)),
        frt=Avg(
            _duration("first_agent_reply_at", "assigned_at"),
            filter=Q(first_agent_reply_at__isnull=False),
        ),
        talk=Avg(
            _duration("closed_at", "assigned_at"),
            filter=Q(assigned_at__isnull=False, closed_at__isnull=False),
        ),
        wrapup=Avg("wrapup_seconds", filter=Q(assigned_at__isnull=False, closed_at__isnull=False)),
    )
    repeat = qs.filter(state=closed).filter(_repeat_contact()).count() if counts["closed"] else 0
    talk = _seconds(counts["talk"])
    qa = Evaluation.objects.filter(
        conversation__in=qs,
        status__in=[
            EvaluationStatus.SUBMITTED,
            EvaluationStatus.ACKNOWLEDGED,
            EvaluationStatus.DISPUTED,
            EvaluationStatus.RESOLVED,
        ],
    ).aggregate(score=Avg("score"))["score"]
    return Kpis(
        conversations=counts["total"],
        containment=_ratio(counts["contained"], counts["total"]),
        escalation_rate=_ratio(counts["queued"], counts["total"]),
        asa_seconds=_seconds(counts["asa"]),
        service_level=_ratio(counts["within_sla"], counts["assigned"] + counts["abandoned_late"]),
        abandonment=_ratio(counts["abandoned"], counts["queued"]),
        frt_seconds=_seconds(counts["frt"]),
        aht_seconds=round(talk + float(counts["wrapup"] or 0), 1) if talk is not None else None,
        csat_mean=round(float(counts["csat_mean"]), 2) if counts["csat_mean"] else None,
        csat_top2=_ratio(counts["csat_top"], counts["csat_n"]),
        fcr=_ratio(counts["closed"] - repeat, counts["closed"]),
        qa_score=round(float(qa), 2) if qa is not None else None,
    )
