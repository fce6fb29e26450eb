"""KPI roll-ups (models.KpiDaily / OccupancyDaily) give exactly the live figures.

The hand-computed day of conftest.kpi_day is computed live, then rolled up and read back: every
KPI of every grouping must be equal, also when some days come from roll-ups and others live.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from apps.agents.models import AgentState, AgentStateChange
from apps.chat.models import ConversationState
from apps.reports import kpis, rollups, services
from apps.reports.models import KpiDaily, KpiRollupDay, OccupancyDaily
from apps.reports.tasks import rollup_kpis
from tests.factories import ConversationFactory
from tests.reports.conftest import kst

pytestmark = pytest.mark.django_db
DAY, NEXT = date(2026, 3, 2), date(2026, 3, 3)
GROUPS = ["day", "queue", "team", "agent"]


def _everything(first: date = DAY, last: date = NEXT) -> dict[str, object]:
    out: dict[str, object] = {"period": rollups.compute_period(first, last).as_dict()}
    for group in GROUPS:
        out[group] = [(key, k.as_dict()) for key, k in rollups.compute_grouped(first, last, group)]
    return out


def _add_busy_day_after(kpi_day) -> None:
    """Next day: a1 chats 2 h but is staffed 1 h (busy > staffed on that day only).

    Occupancy caps busy at staffed over the whole period, not day by day: the roll-up must
    keep both unclipped for the two-day figure to match.
    """
    ConversationFactory(
        channel_key=kpi_day.key,
        user_id="u10",
        state=ConversationState.CLOSED,
        started_at=kst(10, day=3),
        queue=kpi_day.qa,
        agent=kpi_day.a1,
        queued_at=kst(10, day=3),
        assigned_at=kst(10, 0, 10, day=3),
        first_agent_reply_at=kst(10, 1, day=3),
        closed_at=kst(12, day=3),
        wrapup_seconds=45,
        csat_score=2,
    )
    AgentStateChange.objects.create(
        agent=kpi_day.a1,
        state=AgentState.BUSY,
        started_at=kst(10, day=3),
        ended_at=kst(11, day=3),
    )


def test_rolled_up_days_give_exactly_the_live_kpis(kpi_day):
    _add_busy_day_after(kpi_day)
    live = _everything()

    services.kpi_rollup_range(first=DAY, last=NEXT)

    assert rollups.rolled_up_days(DAY, NEXT) == {DAY, NEXT}
    assert _everything() == live
    # a1 busy 930 + 7,190 s of 5,400 + 3,600 s staffed, a2 300 of 3,600: 8,420 / 12,600.
    # Capping day by day would give (930 + 3,600 + 300) / 12,600 = 0.3833.
    assert live["period"]["occupancy"] == 0.6683


def test_a_mix_of_rolled_up_and_live_days_gives_the_live_kpis(kpi_day):
    _add_busy_day_after(kpi_day)
    live = _everything()

    services.kpi_rollup_day(day=DAY)  # the 3rd stays live

    assert rollups.rolled_up_days(DAY, NEXT) == {DAY}
    assert _everything() == live


def test_rolled_up_periods_do_not_scan_conversations(kpi_day):
    services.kpi_rollup_range(first=DAY, last=NEXT)

    with CaptureQueriesContext(connection) as ctx:
        rollups.compute_period(DAY, NEXT)
        rollups.compute_grouped(DAY, NEXT, "day")

    # Only the QA query joins conversations (evaluations are few and arrive late).
    from_conversations = [
        q["sql"] for q in ctx.captured_queries if 'FROM "chat_conversation"' in q["sql"]
    ]
    assert from_conversations == []


def test_rolling_up_a_day_twice_replaces_its_rows(kpi_day):
    services.kpi_rollup_day(day=DAY)
    rows = KpiDaily.objects.filter(day=DAY).count()

    services.kpi_rollup_day(day=DAY)

    assert KpiDaily.objects.filter(day=DAY).count() == rows == 5  # (queue, agent) pairs
    assert OccupancyDaily.objects.filter(day=DAY).count() == 2
    assert KpiRollupDay.objects.filter(day=DAY).count() == 1
    assert rollups.compute_period(DAY, DAY).conversations == 8


def test_a_roll_up_taken_before_the_day_ended_is_not_read(kpi_day):
    services.kpi_rollup_day(day=DAY)
    ConversationFactory(channel_key=kpi_day.key, user_id="late", started_at=kst(23, 50))
    assert rollups.compute_period(DAY, DAY).conversations == 8  # read from the roll-up

    KpiRollupDay.objects.filter(day=DAY).update(computed_at=kst(22))

    assert rollups.rolled_up_days(DAY, DAY) == set()
    assert rollups.compute_period(DAY, DAY).conversations == 9


def test_a_roll_up_with_another_sla_threshold_is_not_read(kpi_day):
    services.kpi_rollup_day(day=DAY, sla_seconds=25)

    assert rollups.rolled_up_days(DAY, DAY) == set()
    assert rollups.rolled_up_days(DAY, DAY, sla_seconds=25) == {DAY}
    # c5 within 25 s / (3 assigned + c6 and c7 abandoned after 25 s)
    assert rollups.compute_period(DAY, DAY, sla_seconds=25).service_level == 0.2
    assert rollups.compute_period(DAY, DAY).service_level == 0.5  # live, 60 s


def test_hourly_roll_up_does_yesterday_and_missing_days(db):
    today = date(2026, 3, 20)
    for day in [date(2026, 3, 15), date(2026, 3, 16)]:
        KpiRollupDay.objects.create(day=day, computed_at=kpis.day_bounds(day, day)[1])

    due = services.kpi_rollup_due(today=today)

    horizon = [today - timedelta(days=i) for i in range(rollups.ROLLUP_HORIZON_DAYS, 0, -1)]
    assert due == [d for d in horizon if d not in (date(2026, 3, 15), date(2026, 3, 16))]
    assert due[-1] == date(2026, 3, 19)


def test_nightly_refresh_recomputes_days_whose_fcr_can_still_change(db):
    today = date(2026, 3, 20)
    ended = {d: kpis.day_bounds(d, d)[1] for d in kpis.days_between(date(2026, 3, 1), today)}
    # Rolled up long after the FCR window closed: final, left alone.
    KpiRollupDay.objects.create(
        day=date(2026, 3, 11), computed_at=ended[date(2026, 3, 11)] + timedelta(days=9)
    )
    # Rolled up the night after: a repeat contact may still arrive, recompute.
    KpiRollupDay.objects.create(day=date(2026, 3, 12), computed_at=ended[date(2026, 3, 12)])

    due = services.kpi_rollup_due(today=today, refresh=True)

    assert date(2026, 3, 11) not in due
    assert date(2026, 3, 12) in due
    assert due[-1] == date(2026, 3, 19)
    assert len(due) == rollups.ROLLUP_HORIZON_DAYS - 1


def test_rollup_task_recomputes_a_given_range(kpi_day):
    done = rollup_kpis.delay(first="2026-03-02", last="2026-03-03").get()

    assert done == ["2026-03-02", "2026-03-03"]
    assert KpiDaily.objects.filter(day=NEXT).count() == 1


def test_rollup_task_without_range_does_the_due_days(db, monkeypatch):
    monkeypatch.setattr("apps.reports.tasks.timezone.localdate", lambda: date(2026, 3, 20))

    done = rollup_kpis.delay().get()

    assert done[-1] == "2026-03-19"
    assert KpiRollupDay.objects.filter(computed_at__isnull=False).count() == len(done)


def test_rollup_schedules_exist_in_beat(db):
    tasks = PeriodicTask.objects.filter(task="reports.rollup_kpis")

    assert {(t.crontab.minute, t.crontab.hour, t.kwargs) for t in tasks} == {
        ("5", "*", "{}"),
        ("10", "3", '{"refresh": true}'),
    }


def test_rollup_command_backfills_a_range_with_progress(kpi_day):
    out = StringIO()

    call_command("rollup_kpis", "--from", "2026-03-02", "--to", "2026-03-03", stdout=out)

    assert "2026-03-03 (2/2)" in out.getvalue()
    assert rollups.rolled_up_days(DAY, NEXT) == {DAY, NEXT}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-3-2"], "--from must be YYYY-MM-DD"),
        (["--from", "2026-03-03", "--to", "2026-03-02"], "--to must not be before --from"),
        (["--from", datetime.now().date().isoformat()], "before today"),
    ],
)
def test_rollup_command_refuses_bad_ranges(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("rollup_kpis", *args, stdout=StringIO())


@pytest.mark.parametrize("rolled", [False, True])
@pytest.mark.parametrize("group", GROUPS)
def test_a_reports_total_from_its_groups_equals_the_period_kpis(kpi_day, group, rolled):
    _add_busy_day_after(kpi_day)
    if rolled:
        services.kpi_rollup_day(day=DAY)

    grouped, total = rollups.compute_report(DAY, NEXT, group)

    assert total == rollups.compute_period(DAY, NEXT)
    assert grouped == rollups.compute_grouped(DAY, NEXT, group)


def test_supervisors_see_roll_up_freshness_in_admin(client_as_supervisor, kpi_day):
    from django.urls import reverse

    services.kpi_rollup_day(day=DAY)

    response = client_as_supervisor.get(reverse("admin:reports_kpirollupday_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(KpiRollupDay.objects.all())
