"""KPIs of DESIGN §3 as database aggregates over conversation timestamps.

Every figure is computed from additive sums and counts (`sum_aggregates`): ratios and means are
divided only at the end (`to_kpis`). Here the sums of a window come live, from one aggregate
query over the conversations (by `started_at`), and occupancy from agent states and chat
intervals. Because sums add, rollups.py keeps them per day and reports over past days
(compute_period, compute_report) read them there.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    RowRange,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.agents.models import Agent, AgentState, AgentStateChange, Queue, Team
from apps.chat.models import Conversation, ConversationState
from apps.evaluations.models import Evaluation, EvaluationStatus

FCR_DAYS = 7
SLA_SECONDS = 60
SEOUL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
QA_STATUSES = [
    EvaluationStatus.SUBMITTED,
    EvaluationStatus.ACKNOWLEDGED,
    EvaluationStatus.DISPUTED,
    EvaluationStatus.RESOLVED,
]
STAFFED_STATES = [AgentState.AVAILABLE, AgentState.BUSY]
# Chats are assumed to last under this long: it bounds the occupancy scan to the indexed
# started_at instead of every conversation ever assigned (bench/reports.py).
MAX_CHAT = timedelta(days=1)


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
    occupancy: float | None = None  # time with >= 1 chat / time AVAILABLE or BUSY

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _duration(end: Any, start: Any) -> ExpressionWrapper:
    end = F(end) if isinstance(end, str) else end
    start = F(start) if isinstance(start, str) else start
    return ExpressionWrapper(end - start, output_field=DurationField())


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, last+1 00:00) in Asia/Seoul: report days are Korean calendar days."""
    start = datetime.combine(first, time.min, tzinfo=SEOUL)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=SEOUL)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


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


# Sums -----------------------------------------------------------------------------------------

Sums = dict[str, Any]
DURATION_SUMS = ("asa_sum", "frt_sum", "talk_sum")
SUM_FIELDS = (
    "total",
    "contained",
    "queued",
    "assigned",
    "within_sla",
    "abandoned",
    "abandoned_late",
    "closed",
    "repeat",
    "csat_n",
    "csat_top",
    "csat_sum",
    "asa_n",
    "asa_sum",
    "frt_n",
    "frt_sum",
    "handled",
    "talk_sum",
    "wrapup_sum",
)


def _sum_duration(end: str, start: str, condition: Q) -> Sum:
    return Sum(_duration(end, start), filter=condition, output_field=DurationField())


def sum_aggregates(sla_seconds: int) -> dict[str, Any]:
    """Aggregates over conversations, one per KpiDaily column: counts and sums only."""
    sla = timedelta(seconds=sla_seconds)
    closed = ConversationState.CLOSED
    handled = Q(assigned_at__isnull=False, closed_at__isnull=False)
    waited = Q(assigned_at__isnull=False, queued_at__isnull=False)
    replied = Q(first_agent_reply_at__isnull=False, assigned_at__isnull=False)
    return {
        "total": Count("pk"),
        "contained": Count("pk", filter=Q(state=closed, queued_at__isnull=True)),
        "queued": Count("pk", filter=Q(queued_at__isnull=False)),
        "assigned": Count("pk", filter=Q(assigned_at__isnull=False)),
        "within_sla": Count("pk", filter=Q(assigned_at__lte=F("queued_at") + sla)),
        "abandoned": Count("pk", filter=Q(state=ConversationState.ABANDONED)),
        "abandoned_late": Count(
            "pk", filter=Q(state=ConversationState.ABANDONED, abandoned_at__gt=F("queued_at") + sla)
        ),
        "closed": Count("pk", filter=Q(state=closed)),
        # State first: PostgreSQL evaluates the AND in order, so the EXISTS probe (an index
        # range scan per row) runs only for closed conversations.
        "repeat": Count("pk", filter=Q(state=closed) & Q(_repeat_contact())),
        "csat_n": Count("pk", filter=Q(csat_score__isnull=False)),
        "csat_top": Count("pk", filter=Q(csat_score__gte=4)),
        "csat_sum": Coalesce(Sum("csat_score"), 0),
        "asa_n": Count("pk", filter=waited),
        "asa_sum": _sum_duration("assigned_at", "queued_at", waited),
        "frt_n": Count("pk", filter=replied),
        "frt_sum": _sum_duration("first_agent_reply_at", "assigned_at", replied),
        "handled": Count("pk", filter=handled),
        "talk_sum": _sum_duration("closed_at", "assigned_at", handled),
        "wrapup_sum": Coalesce(Sum("wrapup_seconds", filter=handled), 0),
    }


def as_timedelta(value: Any) -> timedelta | None:
    """A duration aggregate as timedelta (SQLite gives microseconds from raw SQL)."""
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=float(value))


def zero_sums() -> Sums:
    return {name: None for name in SUM_FIELDS}


def add_sums(total: Sums | None, row: dict[str, Any]) -> Sums:
    out = dict(total) if total else zero_sums()
    for name in SUM_FIELDS:
        value = as_timedelta(row[name]) if name in DURATION_SUMS else row[name]
        if value is not None:
            out[name] = value if out[name] is None else out[name] + value
    return out


def _mean_seconds(total: timedelta | None, n: int) -> float | None:
    if not n or total is None:
        return None
    return round(total.total_seconds() / n, 1)


def to_kpis(sums: Sums, qa: Any, occupancy: float | None = None) -> Kpis:
    def n(name: str) -> int:
        return int(sums[name] or 0)

    talk = _mean_seconds(sums["talk_sum"], n("handled"))
    wrapup = n("wrapup_sum") / n("handled") if n("handled") else 0.0
    return Kpis(
        conversations=n("total"),
        containment=_ratio(n("contained"), n("total")),
        escalation_rate=_ratio(n("queued"), n("total")),
        asa_seconds=_mean_seconds(sums["asa_sum"], n("asa_n")),
        service_level=_ratio(n("within_sla"), n("assigned") + n("abandoned_late")),
        abandonment=_ratio(n("abandoned"), n("queued")),
        frt_seconds=_mean_seconds(sums["frt_sum"], n("frt_n")),
        aht_seconds=round(talk + wrapup, 1) if talk is not None else None,
        csat_mean=round(n("csat_sum") / n("csat_n"), 2) if n("csat_n") else None,
        csat_top2=_ratio(n("csat_top"), n("csat_n")),
        fcr=_ratio(n("closed") - n("repeat"), n("closed")),
        qa_score=round(float(qa), 2) if qa is not None else None,
        occupancy=occupancy,
    )


def _qa(qs: QuerySet[Conversation]) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(conversation__in=qs.values("pk"), status__in=QA_STATUSES)


def qa_window(start: datetime, end: datetime) -> QuerySet[Evaluation]:
    # A join, not `IN (window)`: the planner can start from the few evaluations.
    return Evaluation.objects.filter(
        status__in=QA_STATUSES,
        conversation__started_at__gte=start,
        conversation__started_at__lt=end,
    )


def compute(qs: QuerySet[Conversation], sla_seconds: int = SLA_SECONDS) -> Kpis:
    """All KPIs of a conversation set, live; occupancy needs a period (rollups.compute_period)."""
    sums = qs.aggregate(**sum_aggregates(sla_seconds))
    qa = _qa(qs).aggregate(score=Avg("score"))["score"]
    return to_kpis(add_sums(None, sums), qa)


# Occupancy ---------------------------------------------------------------------------------

Pair = tuple[timedelta, timedelta]  # (time with >= 1 chat, time AVAILABLE or BUSY), unclipped


def occupancy_ratio(pairs: Iterable[Pair]) -> float | None:
    """Σ min(busy, staffed) / Σ staffed: busy beyond staffed time (state not kept) is capped."""
    pairs = list(pairs)
    staffed = sum(s.total_seconds() for _, s in pairs)
    busy = sum(min(b, s).total_seconds() for b, s in pairs)
    return round(busy / staffed, 4) if staffed else None


def _clip(field: str, low: datetime, high: datetime, open_end: Any = None) -> Any:
    value = Coalesce(F(field), Value(open_end)) if open_end is not None else F(field)
    return Least(Greatest(value, Value(low)), Value(high))


def _staffed(start: datetime, end: datetime) -> dict[int, timedelta]:
    now = min(timezone.now(), end)
    rows = (
        AgentStateChange.objects.filter(state__in=STAFFED_STATES, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values("agent_id")
        .annotate(
            t=Sum(
                _duration(_clip("ended_at", start, end, now), _clip("started_at", start, end)),
                output_field=DurationField(),
            )
        )
        .order_by()
    )
    return {row["agent_id"]: as_timedelta(row["t"]) or timedelta(0) for row in rows}


def _busy(start: datetime, end: datetime) -> dict[int, timedelta]:
    """Length of the union of each agent's chat intervals inside [start, end).

    Intervals sorted by start: each adds what reaches past the furthest end seen before it,
    i.e. max(0, end_i - max(start_i, running max end_{<i})). The running max is a window
    function; the outer SUM runs over it as a subquery (SQL has no aggregate of a window).
    """
    now = min(timezone.now(), end)
    s, e = _clip("assigned_at", start, end), _clip("closed_at", start, end, now)
    inner = (
        # No `agent IS NOT NULL` filter: PostgreSQL would AND a bitmap of every assigned
        # conversation ever (360,000 index entries at 1 M rows); the NULL group is dropped below.
        Conversation.objects.filter(started_at__gte=start - MAX_CHAT, started_at__lt=end)
        .filter(assigned_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=start))
        .annotate(s=s, e=e)
        .annotate(
            prev=Window(
                Max("e"),
                partition_by=[F("agent_id")],
                order_by=[F("s").asc(), F("pk").asc()],
                frame=RowRange(start=None, end=-1),
            )
        )
        .annotate(
            part=Greatest(
                _duration("e", Greatest(F("s"), Coalesce(F("prev"), F("s")))),
                Value(timedelta(0)),
                output_field=DurationField(),
            )
        )
        .values("agent_id", "part")
        .order_by()  # the model's -started_at ordering would add a useless sort
    )
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        # The inner SQL is compiled by the ORM with placeholders; no user text reaches it.
        outer = f"SELECT agent_id, SUM(part) FROM ({sql}) AS u GROUP BY agent_id"  # noqa: S608
        cursor.execute(outer, params)
        return {
            agent_id: as_timedelta(total) or timedelta(0)
            for agent_id, total in cursor.fetchall()
            if agent_id is not None
        }


def occupancy_raw(start: datetime, end: datetime) -> dict[int, Pair]:
    """agent id -> (busy, staffed) within [start, end), for agents with either."""
    staffed, busy = _staffed(start, end), _busy(start, end)
    zero = timedelta(0)
    return {pk: (busy.get(pk, zero), staffed.get(pk, zero)) for pk in staffed.keys() | busy}


# Labels ------------------------------------------------------------------------------------


def group_labels(group: str, values: list[Any]) -> dict[Any, str]:
    """Display names for group values (one query per grouping)."""
    model = {"queue": Queue, "team": Team, "agent": Agent}.get(group)
    if model is None:
        return {v: v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values}
    rows = model._default_manager.filter(pk__in=[v for v in values if v])
    names = {obj.pk: str(obj) for obj in rows}
    return {v: names.get(v, _("미배정")) for v in values}
