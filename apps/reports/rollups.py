"""KPIs over Korean calendar days, read from the daily roll-ups where a day has one.

The sums of a window come from one aggregate query over the conversations (kpis.py, by
`started_at`), or, for complete past days, from the daily roll-up tables (models.KpiDaily,
OccupancyDaily) kept by the `reports.rollup_kpis` task. Adding roll-up rows and live sums gives
exactly the live figures, so a 30-day report sums ~23,000 roll-up rows instead of 82,000
conversations with a 7-day FCR probe each (bench/reports.py: ~40 ms vs 3.6 s).

Which days come from roll-ups (`rolled_up_days`): those rolled up with the same SLA threshold
after the day had ended. Today is always live. A rolled-up day lags the live figure by at most
the roll-up schedule for what changes after the day (a customer's repeat contact within
FCR_DAYS, a late CSAT, a chat closed after midnight): the hourly task refreshes yesterday and
the nightly one every day of the last ROLLUP_HORIZON_DAYS (see services.kpi_rollup_due).
QA scores always come live from the (small) evaluation table: evaluations arrive weeks later.
Roll-ups outlive the conversations the retention purge deletes; re-running a backfill
(`manage.py rollup_kpis`) over a purged range would replace them with what is left.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, QuerySet, Sum
from django.db.models.functions import Least, TruncDate

from apps.agents.models import Agent
from apps.reports import kpis
from apps.reports.kpis import SLA_SECONDS, Kpis, Pair, Sums
from apps.reports.models import KpiDaily, KpiRollupDay, OccupancyDaily

# A day's figures can change until its last chat closed (MAX_CHAT) plus FCR_DAYS later.
ROLLUP_HORIZON_DAYS = kpis.FCR_DAYS + kpis.MAX_CHAT.days + 1

# Adding KpiDaily rows up: the same names, so roll-up and live rows merge field by field.
ROLLUP_SUMS = {
    name: Sum(name, output_field=DurationField()) if name in kpis.DURATION_SUMS else Sum(name)
    for name in kpis.SUM_FIELDS
}


# Roll-up or live, day by day ------------------------------------------------------------------


def _duration(value: Any) -> timedelta:
    # A Sum over rows whose durations are never NULL; an empty group counts as nothing.
    return kpis.as_timedelta(value) or timedelta(0)


def rolled_up_days(first: date, last: date, sla_seconds: int = SLA_SECONDS) -> set[date]:
    """Days of [first, last] whose roll-up was taken, with this SLA, after the day ended."""
    rows = KpiRollupDay.objects.filter(
        day__gte=first, day__lte=last, sla_seconds=sla_seconds, computed_at__isnull=False
    ).values_list("day", "computed_at")
    return {day for day, at in rows if at is not None and at >= kpis.day_bounds(day, day)[1]}


def _plan(first: date, last: date, sla_seconds: int) -> tuple[list[date], list[tuple[date, date]]]:
    """(days read from roll-ups, runs of consecutive days aggregated live)."""
    rolled = rolled_up_days(first, last, sla_seconds)
    runs: list[tuple[date, date]] = []
    for day in kpis.days_between(first, last):
        if day in rolled:
            continue
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return sorted(rolled), runs


def compute_period(first: date, last: date, sla_seconds: int = SLA_SECONDS) -> Kpis:
    rolled, runs = _plan(first, last, sla_seconds)
    sums: Sums | None = None
    if rolled:
        sums = kpis.add_sums(sums, KpiDaily.objects.filter(day__in=rolled).aggregate(**ROLLUP_SUMS))
    for run in runs:
        live = kpis.window(*kpis.day_bounds(*run))
        sums = kpis.add_sums(sums, live.aggregate(**kpis.sum_aggregates(sla_seconds)))
    qa = kpis.qa_window(*kpis.day_bounds(first, last)).aggregate(score=Avg("score"))["score"]
    pairs = _occupancy_pairs(rolled, runs)
    return kpis.to_kpis(sums or kpis.zero_sums(), qa, kpis.occupancy_ratio(pairs.values()))


# Grouped KPIs ------------------------------------------------------------------------------

# Grouping name -> conversation field it groups on (day is computed, see _group_key).
GROUPINGS = {"day": "day", "queue": "queue_id", "team": "agent__team_id", "agent": "agent_id"}
# Grouping -> KpiDaily field (team: the agent's current team, as for live conversations).
ROLLUP_GROUPINGS = {
    "day": "day",
    "queue": "queue_id",
    "team": "agent__team_id",
    "agent": "agent_id",
}


def _group_key(qs: QuerySet[Any], group: str, prefix: str = "") -> tuple[QuerySet[Any], str]:
    if group == "day":
        day = TruncDate(f"{prefix}started_at", tzinfo=kpis.SEOUL)
        return qs.annotate(_group=day), "_group"
    return qs, prefix + GROUPINGS[group]


def _none_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value)


def compute_grouped(
    first: date, last: date, group: str, sla_seconds: int = SLA_SECONDS
) -> list[tuple[Any, Kpis]]:
    """[(group value, Kpis)] for each day/queue/team/agent with conversations in the period."""
    return compute_report(first, last, group, sla_seconds)[0]


def compute_report(
    first: date, last: date, group: str, sla_seconds: int = SLA_SECONDS
) -> tuple[list[tuple[Any, Kpis]], Kpis]:
    """compute_grouped(...) and compute_period(...) of the same period, in one pass.

    One grouped query over roll-ups plus one per live run of days, one over evaluations and
    the occupancy queries, merged per group (None, unassigned, sorts last). Every conversation
    and evaluation falls in exactly one group, so the total adds the groups' sums (QA: score
    sums and counts); occupancy takes per-agent time over the whole period.
    """
    if group not in GROUPINGS:
        raise ValueError(f"unknown grouping {group!r}")
    rolled, runs = _plan(first, last, sla_seconds)
    merged: dict[Any, Sums] = {}
    if rolled:
        rkey = ROLLUP_GROUPINGS[group]
        rows = KpiDaily.objects.filter(day__in=rolled).values(rkey).annotate(**ROLLUP_SUMS)
        for row in rows.order_by():
            merged[row[rkey]] = kpis.add_sums(merged.get(row[rkey]), row)
    for run in runs:
        qs, key = _group_key(kpis.window(*kpis.day_bounds(*run)), group)
        for row in qs.values(key).annotate(**kpis.sum_aggregates(sla_seconds)).order_by():
            merged[row[key]] = kpis.add_sums(merged.get(row[key]), row)
    evals, ekey = _group_key(
        kpis.qa_window(*kpis.day_bounds(first, last)), group, prefix="conversation__"
    )
    qa_rows = evals.values_list(ekey).annotate(s=Sum("score"), n=Count("score")).order_by()
    qa = {key: (float(score or 0), n) for key, score, n in qa_rows}
    per_agent = _occupancy_pairs(rolled, runs)
    occupancy = _grouped_occupancy(rolled, runs, group, per_agent)
    grouped = [
        (key, kpis.to_kpis(merged[key], _mean(*qa.get(key, (0.0, 0))), occupancy.get(key)))
        for key in sorted(merged, key=_none_last)
    ]
    total_sums = kpis.zero_sums()
    for sums in merged.values():
        total_sums = kpis.add_sums(total_sums, sums)
    total_qa = _mean(sum(s for s, _ in qa.values()), sum(n for _, n in qa.values()))
    return grouped, kpis.to_kpis(total_sums, total_qa, kpis.occupancy_ratio(per_agent.values()))


def _mean(total: float, n: int) -> float | None:
    return total / n if n else None


# Occupancy ---------------------------------------------------------------------------------


def _occupancy_pairs(rolled: list[date], runs: list[tuple[date, date]]) -> dict[int, Pair]:
    """Per agent, busy and staffed added over roll-up days and live runs (min taken later)."""
    pairs: dict[int, Pair] = {}

    def add(pk: int, busy: timedelta, staffed: timedelta) -> None:
        b, s = pairs.get(pk, (timedelta(0), timedelta(0)))
        pairs[pk] = (b + busy, s + staffed)

    if rolled:
        rows = (
            OccupancyDaily.objects.filter(day__in=rolled)
            .values("agent_id")
            .annotate(b=Sum("busy"), s=Sum("staffed"))
            .order_by()
        )
        for row in rows:
            add(row["agent_id"], _duration(row["b"]), _duration(row["s"]))
    for run in runs:
        for pk, (b, s) in kpis.occupancy_raw(*kpis.day_bounds(*run)).items():
            add(pk, b, s)
    return pairs


def _grouped_occupancy(
    rolled: list[date], runs: list[tuple[date, date]], group: str, per_agent: dict[int, Pair]
) -> dict[Any, float | None]:
    # Agents serve several queues and their state is not per queue: no occupancy per queue.
    if group == "queue":
        return {}
    if group == "day":
        out: dict[Any, float | None] = {}
        if rolled:
            rows = (
                OccupancyDaily.objects.filter(day__in=rolled)
                .values("day")
                .annotate(
                    b=Sum(Least("busy", "staffed"), output_field=DurationField()),
                    s=Sum("staffed"),
                )
                .order_by()
            )
            for row in rows:
                staffed = _duration(row["s"]).total_seconds()
                busy = _duration(row["b"]).total_seconds()
                out[row["day"]] = round(busy / staffed, 4) if staffed else None
        for run in runs:
            for day in kpis.days_between(*run):
                raw = kpis.occupancy_raw(*kpis.day_bounds(day, day))
                out[day] = kpis.occupancy_ratio(raw.values())
        return out
    if group == "agent":
        return {pk: kpis.occupancy_ratio([pair]) for pk, pair in per_agent.items()}
    teams = dict(Agent.objects.filter(pk__in=per_agent).values_list("pk", "team_id"))
    by_team: dict[Any, list[Pair]] = {}
    for pk, pair in per_agent.items():
        by_team.setdefault(teams.get(pk), []).append(pair)
    return {team: kpis.occupancy_ratio(pairs) for team, pairs in by_team.items()}


# Roll-up rows ------------------------------------------------------------------------------


def rollup_rows(day: date, sla_seconds: int = SLA_SECONDS) -> list[dict[str, Any]]:
    """The KpiDaily rows of one Seoul day: sums per (queue, agent), one grouped query."""
    conversations = kpis.window(*kpis.day_bounds(day, day))
    rows = conversations.values("queue_id", "agent_id").annotate(**kpis.sum_aggregates(sla_seconds))
    return [dict(row) for row in rows.order_by()]
