from __future__ import annotations

from datetime import date

import pytest

from apps.reports import rollups

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def test_it_computes_every_kpi_of_the_day_exactly(kpi_day):
    k = rollups.compute_period(DAY, DAY)

    assert k.conversations == 8  # c9 starts on the 3rd in Seoul
    assert k.containment == 0.25  # c1, c2 closed in BOT / 8
    assert k.escalation_rate == 0.625  # c3..c7 queued / 8
    assert k.asa_seconds == 56.7  # (30 + 120 + 20) / 3
    assert k.service_level == 0.5  # c3, c5 within 60 s / (3 assigned + c6 abandoned late)
    assert k.abandonment == 0.4  # c6, c7 / 5 queued
    assert k.frt_seconds == 20.0  # (10 + 30 + 20) / 3
    assert k.aht_seconds == 530.0  # (600 + 600 + 300) / 3 + (60 + 0 + 30) / 3
    assert k.csat_mean == 4.0  # (5 + 3 + 4) / 3
    assert k.csat_top2 == 0.6667  # 5 and 4 of three scores
    assert k.fcr == 0.8  # u2 came back (c2 -> c3): 4 of 5 closed
    assert k.qa_score == 76.67  # (80 + 90 + 60) / 3, the draft excluded
    # a1 busy 11:01:30-11:17:00 = 930 s (overlap counted once) of 5,400 s available;
    # a2 300 s of 3,600 s (AWAY excluded): 1,230 / 9,000.
    assert k.occupancy == 0.1367


def test_it_groups_kpis_by_queue(kpi_day):
    rows = {key: k for key, k in rollups.compute_grouped(DAY, DAY, "queue")}

    a, b, none = rows[kpi_day.qa.pk], rows[kpi_day.qb.pk], rows[None]
    assert (a.conversations, b.conversations, none.conversations) == (3, 2, 3)
    assert (a.asa_seconds, a.service_level, a.abandonment) == (75.0, 0.3333, 0.3333)
    assert (a.frt_seconds, a.aht_seconds, a.csat_mean, a.csat_top2) == (20.0, 630.0, 4.0, 0.5)
    assert (a.fcr, a.qa_score, a.occupancy) == (1.0, 85.0, None)
    assert (b.asa_seconds, b.service_level, b.abandonment, b.aht_seconds) == (20.0, 1.0, 0.5, 330.0)
    assert (b.csat_top2, b.qa_score) == (1.0, 60.0)
    assert (none.containment, none.escalation_rate, none.fcr) == (0.6667, 0.0, 0.5)


def test_it_groups_kpis_by_agent_with_occupancy(kpi_day):
    rows = {key: k for key, k in rollups.compute_grouped(DAY, DAY, "agent")}

    a1, a2 = rows[kpi_day.a1.pk], rows[kpi_day.a2.pk]
    assert (a1.conversations, a1.asa_seconds, a1.service_level, a1.aht_seconds) == (
        2,
        75.0,
        0.5,
        630.0,
    )
    assert (a1.qa_score, a1.occupancy) == (85.0, 0.1722)  # 930 / 5,400
    assert (a2.conversations, a2.asa_seconds, a2.aht_seconds) == (1, 20.0, 330.0)
    assert (a2.qa_score, a2.occupancy) == (60.0, 0.0833)  # 300 / 3,600
    assert rows[None].conversations == 5


def test_it_groups_kpis_by_team(kpi_day):
    rows = {key: k for key, k in rollups.compute_grouped(DAY, DAY, "team")}

    team1 = rows[kpi_day.a1.team_id]
    assert (team1.conversations, team1.csat_mean, team1.occupancy) == (2, 4.0, 0.1722)


def test_it_groups_kpis_by_seoul_day(kpi_day):
    rows = rollups.compute_grouped(DAY, date(2026, 3, 3), "day")

    assert [(day, k.conversations) for day, k in rows] == [
        (date(2026, 3, 2), 8),
        (date(2026, 3, 3), 1),
    ]
    assert rows[0][1].occupancy == 0.1367
    assert rows[1][1].containment == 1.0
