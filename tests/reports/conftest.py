"""A hand-computed day of conversations (2026-03-02, Asia/Seoul) for the KPI tests.

Expected figures are worked out in tests/reports/test_kpis.py next to each assertion.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from types import SimpleNamespace

import pytest

from apps.agents.models import AgentState, AgentStateChange
from apps.chat.models import ConversationState
from tests.factories import (
    AgentFactory,
    ChannelKeyFactory,
    ConversationFactory,
    EvaluationFactory,
    QueueFactory,
    TeamFactory,
)

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def kst(h: int, m: int = 0, s: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, h, m, s, tzinfo=SEOUL)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def kpi_day(db):
    key = ChannelKeyFactory()
    qa, qb = QueueFactory(code="qa", name="큐A"), QueueFactory(code="qb", name="큐B")
    a1 = AgentFactory(display_name="김상담", team=TeamFactory(name="1팀"))
    a2 = AgentFactory(display_name="이상담", team=TeamFactory(name="2팀"))

    def conv(user: str, state: str, start: datetime, **kw):
        return ConversationFactory(
            channel_key=key, user_id=user, state=state, started_at=start, **kw
        )

    closed, abandoned = ConversationState.CLOSED, ConversationState.ABANDONED
    c1 = conv("u1", closed, kst(9), closed_at=kst(9, 5))
    c2 = conv("u2", closed, kst(10), closed_at=kst(10, 2))
    c3 = conv(
        "u2",
        closed,
        kst(11),
        queue=qa,
        agent=a1,
        queued_at=kst(11, 1),
        assigned_at=kst(11, 1, 30),
        first_agent_reply_at=kst(11, 1, 40),
        closed_at=kst(11, 11, 30),
        wrapup_seconds=60,
        csat_score=5,
    )
    c4 = conv(
        "u4",
        closed,
        kst(11, 5),
        queue=qa,
        agent=a1,
        queued_at=kst(11, 5),
        assigned_at=kst(11, 7),
        first_agent_reply_at=kst(11, 7, 30),
        closed_at=kst(11, 17),
        csat_score=3,
    )
    c5 = conv(
        "u5",
        closed,
        kst(13),
        queue=qb,
        agent=a2,
        queued_at=kst(13),
        assigned_at=kst(13, 0, 20),
        first_agent_reply_at=kst(13, 0, 40),
        closed_at=kst(13, 5, 20),
        wrapup_seconds=30,
        csat_score=4,
    )
    c6 = conv("u6", abandoned, kst(14), queue=qa, queued_at=kst(14), abandoned_at=kst(14, 2))
    c7 = conv("u7", abandoned, kst(15), queue=qb, queued_at=kst(15), abandoned_at=kst(15, 0, 30))
    c8 = conv("u8", ConversationState.BOT, kst(16))
    # 00:10 KST on the 3rd is still the 2nd in UTC: it must land on the 3rd.
    c9 = conv("u9", closed, kst(0, 10, day=3), closed_at=kst(0, 12, day=3))

    EvaluationFactory(conversation=c3, agent=a1, status="submitted", score=80)
    EvaluationFactory(conversation=c4, agent=a1, status="acknowledged", score=90)
    EvaluationFactory(conversation=c4, agent=a1, status="draft", score=10)
    EvaluationFactory(conversation=c5, agent=a2, status="submitted", score=60)

    def state(agent, name: str, start: datetime, end: datetime) -> None:
        AgentStateChange.objects.create(agent=agent, state=name, started_at=start, ended_at=end)

    state(a1, AgentState.AVAILABLE, kst(23, day=1), kst(0, 30))  # 30 min inside the day
    state(a1, AgentState.AVAILABLE, kst(11), kst(12))
    state(a2, AgentState.AVAILABLE, kst(12, 30), kst(13))
    state(a2, AgentState.BUSY, kst(13), kst(13, 30))
    state(a2, AgentState.AWAY, kst(13, 30), kst(14))
    return SimpleNamespace(
        key=key,
        qa=qa,
        qb=qb,
        a1=a1,
        a2=a2,
        convs=[c1, c2, c3, c4, c5, c6, c7, c8, c9],
    )
