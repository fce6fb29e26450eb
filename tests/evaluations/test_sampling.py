"""Weekly sampling into evaluators' work lists, by rule, idempotent, round-robin."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.models import PeriodicTask

from apps.chat.models import ConversationState
from apps.evaluations.models import EvaluationAssignment, SamplingKind, SamplingRule
from apps.evaluations.sampling import previous_week, sample_week
from apps.evaluations.services import form_new_version
from apps.evaluations.tasks import sample_weekly
from tests.evaluations.factories import closed_conversation, make_form
from tests.factories import AgentFactory, ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
WEEK = date(2026, 11, 16)  # a Monday


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, 16 + day, hour, tzinfo=SEOUL)


@pytest.fixture
def evaluators(db):
    return [UserFactory(username=f"qa-{i}", roles=["qa_evaluator"]) for i in range(2)]


@pytest.fixture
def form():
    return make_form()


def _rule(form, kind, per_agent=2, **kwargs) -> SamplingRule:
    return SamplingRule.objects.create(
        name=kind, kind=kind, per_agent=per_agent, form=form, **kwargs
    )


def _sampled(rule=None) -> set[int]:
    qs = EvaluationAssignment.objects.all()
    if rule is not None:
        qs = qs.filter(rule=rule)
    return set(qs.values_list("conversation_id", flat=True))


def test_previous_week_is_the_monday_before_last() -> None:
    assert previous_week(date(2026, 11, 25)) == WEEK  # a Wednesday
    assert previous_week(date(2026, 11, 23)) == WEEK  # the next Monday itself


def test_random_picks_n_per_agent_deterministically(evaluators, form) -> None:
    agents = [AgentFactory(), AgentFactory()]
    for agent in agents:
        for day in range(6):
            closed_conversation(agent, closed_at=_at(day))
    rule = _rule(form, SamplingKind.RANDOM, per_agent=3)

    result = sample_week(week=WEEK)

    assert result.created == 6 and result.by_rule == {"random": 6}
    per_agent = Counter(EvaluationAssignment.objects.values_list("conversation__agent", flat=True))
    assert per_agent == {agents[0].pk: 3, agents[1].pk: 3}
    first = _sampled(rule)
    # Same data, same seed (week, rule, agent): the same sample after a reset.
    EvaluationAssignment.objects.all().delete()
    sample_week(week=WEEK)
    assert _sampled(rule) == first


def test_it_only_takes_closed_agent_handled_conversations_of_that_week(evaluators, form) -> None:
    agent = AgentFactory()
    inside = closed_conversation(agent, closed_at=_at(0, 0))  # Monday 00:00 KST counts
    closed_conversation(agent, closed_at=_at(7, 0))  # next Monday: not this week
    closed_conversation(agent, closed_at=_at(-1, 23))  # Sunday before
    ConversationFactory(agent=agent, state=ConversationState.ASSIGNED, assigned_at=_at(1))
    ConversationFactory(agent=None, state=ConversationState.CLOSED, closed_at=_at(1))
    _rule(form, SamplingKind.RANDOM, per_agent=5)

    sample_week(week=WEEK)

    assert _sampled() == {inside.pk}


def test_low_csat_takes_scores_of_two_or_less_lowest_first(evaluators, form) -> None:
    agent = AgentFactory()
    scores = {s: closed_conversation(agent, closed_at=_at(1), csat=s) for s in (5, 4, 3, 2, 1)}
    closed_conversation(agent, closed_at=_at(1), csat=None)
    rule = _rule(form, SamplingKind.LOW_CSAT, per_agent=5)

    sample_week(week=WEEK)

    assert _sampled(rule) == {scores[1].pk, scores[2].pk}


def test_long_handle_takes_the_longest_including_wrapup(evaluators, form) -> None:
    agent = AgentFactory()
    short = closed_conversation(agent, closed_at=_at(2), handle_seconds=100)
    wrapped = closed_conversation(agent, closed_at=_at(2), handle_seconds=300, wrapup_seconds=500)
    longest = closed_conversation(agent, closed_at=_at(2), handle_seconds=900)
    middle = closed_conversation(agent, closed_at=_at(2), handle_seconds=600)
    rule = _rule(form, SamplingKind.LONG_HANDLE, per_agent=2)

    sample_week(week=WEEK)

    # 900 and 300 + 500 = 800 beat 600 and 100.
    assert _sampled(rule) == {longest.pk, wrapped.pk}
    assert not {short.pk, middle.pk} & _sampled()


def test_running_twice_for_the_same_week_adds_nothing(evaluators, form) -> None:
    agent = AgentFactory()
    for day in range(5):
        closed_conversation(agent, closed_at=_at(day), csat=1 + day % 2)
    _rule(form, SamplingKind.RANDOM, per_agent=1)
    _rule(form, SamplingKind.LOW_CSAT, per_agent=2)

    first = sample_week(week=WEEK)
    second = sample_week(week=WEEK)

    assert (first.created, second.created) == (3, 0)
    assert EvaluationAssignment.objects.count() == 3


def test_rules_do_not_pick_the_same_conversation_twice(evaluators, form) -> None:
    agent = AgentFactory()
    only = closed_conversation(agent, closed_at=_at(1), csat=1)
    _rule(form, SamplingKind.LOW_CSAT, per_agent=1)
    _rule(form, SamplingKind.LONG_HANDLE, per_agent=1)

    assert sample_week(week=WEEK).created == 1
    assert _sampled() == {only.pk}


def test_it_hands_out_round_robin_and_never_to_the_agent_themself(form) -> None:
    evaluators = [UserFactory(username=f"qa-{i}", roles=["qa_evaluator"]) for i in range(3)]
    UserFactory(username="qa-off", roles=["qa_evaluator"], is_active=False)
    agents = [AgentFactory() for _ in range(3)]
    for agent in agents:
        for day in range(2):
            closed_conversation(agent, closed_at=_at(day))
    _rule(form, SamplingKind.RANDOM, per_agent=2)

    sample_week(week=WEEK)

    load = Counter(EvaluationAssignment.objects.values_list("evaluator__username", flat=True))
    assert load == {"qa-0": 2, "qa-1": 2, "qa-2": 2}
    assert {e.pk for e in evaluators} >= set(
        EvaluationAssignment.objects.values_list("evaluator", flat=True)
    )


def test_an_evaluator_who_is_also_the_agent_is_skipped(form) -> None:
    both = UserFactory(username="qa-agent", roles=["qa_evaluator", "agent"])
    other = UserFactory(username="qa-only", roles=["qa_evaluator"])
    agent = AgentFactory(user=both)
    for day in range(3):
        closed_conversation(agent, closed_at=_at(day))
    _rule(form, SamplingKind.RANDOM, per_agent=3)

    sample_week(week=WEEK)

    assert set(EvaluationAssignment.objects.values_list("evaluator", flat=True)) == {other.pk}


def test_it_assigns_the_latest_active_version_of_the_rule_form(evaluators, form) -> None:
    newer = form_new_version(form=form)
    newer.is_active = True
    newer.save()
    closed_conversation(AgentFactory(), closed_at=_at(1))
    _rule(form, SamplingKind.RANDOM, per_agent=1)

    sample_week(week=WEEK)

    assert EvaluationAssignment.objects.get().form == newer


def test_nothing_is_assigned_without_evaluators(form) -> None:
    closed_conversation(AgentFactory(), closed_at=_at(1))
    _rule(form, SamplingKind.RANDOM)

    assert sample_week(week=WEEK).created == 0


def test_inactive_rules_are_ignored(evaluators, form) -> None:
    closed_conversation(AgentFactory(), closed_at=_at(1))
    _rule(form, SamplingKind.RANDOM, is_active=False)

    assert sample_week(week=WEEK).created == 0


def test_the_task_samples_the_given_week_and_refuses_other_days(evaluators, form) -> None:
    closed_conversation(AgentFactory(), closed_at=_at(3))
    _rule(form, SamplingKind.RANDOM, per_agent=1)

    assert sample_weekly.delay("2026-11-16").get() == {
        "week": "2026-11-16",
        "created": 1,
        "by_rule": {"random": 1},
    }
    with pytest.raises(ValueError, match="Monday"):
        sample_weekly("2026-11-17")


def test_the_task_defaults_to_the_previous_week(evaluators, form, monkeypatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: WEEK + timedelta(8))
    closed_conversation(AgentFactory(), closed_at=_at(4))
    _rule(form, SamplingKind.RANDOM, per_agent=1)

    assert sample_weekly()["week"] == "2026-11-16"


def test_the_weekly_schedule_exists_from_a_migration() -> None:
    task = PeriodicTask.objects.get(task="evaluations.sample_weekly")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "6", "1")
    assert str(task.crontab.timezone) == "Asia/Seoul"


def test_the_admin_action_samples_the_previous_week(
    client_as_supervisor, evaluators, form, monkeypatch
) -> None:
    from django.urls import reverse

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: WEEK + timedelta(9))
    closed_conversation(AgentFactory(), closed_at=_at(2))
    rule = _rule(form, SamplingKind.RANDOM, per_agent=1)

    response = client_as_supervisor.post(
        reverse("admin:evaluations_samplingrule_changelist"),
        {"action": "sample_previous_week", "_selected_action": [rule.pk]},
        follow=True,
    )

    assert "2026-11-16 주: 1건을 배정했습니다." in response.content.decode()
    assert EvaluationAssignment.objects.count() == 1
