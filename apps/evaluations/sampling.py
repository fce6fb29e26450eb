"""Weekly QA sampling: closed, agent-handled conversations into evaluators' work lists.

For a week (Monday 00:00 to the next Monday, local time) and each active SamplingRule:
1. Candidates are the week's CLOSED conversations with an agent, never put in a work list before
   (by any rule, week or calibration; the unique constraint on sampled lines backs this).
2. Per agent, the rule picks `per_agent` minus what it already picked for that agent and week,
   so a second run for the same week adds nothing.
3. New lines go round-robin to active evaluators (QA evaluator role), never to the agent's own
   user, continuing after the lines the week already has so re-runs stay fair.

Random picks use a Random seeded by (week, rule, agent): the same data gives the same sample.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.chat.models import Conversation, ConversationState
from apps.core import roles
from apps.evaluations.models import (
    EvaluationAssignment,
    EvaluationForm,
    SamplingKind,
    SamplingRule,
)

logger = logging.getLogger(__name__)


@dataclass
class SamplingResult:
    week: date
    created: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def previous_week(today: date | None = None) -> date:
    """Monday of the week before `today` (local date)."""
    today = today or timezone.localdate()
    return today - timedelta(days=today.weekday() + 7)


def _week_bounds(week: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(week, time.min))
    return start, start + timedelta(days=7)


def handle_seconds(conversation: Conversation) -> float:
    """AHT's handle time (DESIGN §3): closed − assigned + wrap-up."""
    assert conversation.closed_at and conversation.assigned_at
    talk = (conversation.closed_at - conversation.assigned_at).total_seconds()
    return talk + conversation.wrapup_seconds


def _pick(
    rule: SamplingRule, week: date, agent_id: int, candidates: list[Conversation], count: int
) -> list[Conversation]:
    if rule.kind == SamplingKind.RANDOM:
        ordered = sorted(candidates, key=lambda c: c.pk)
        rng = random.Random(f"{week.isoformat()}:{rule.pk}:{agent_id}")
        return rng.sample(ordered, min(count, len(ordered)))
    if rule.kind == SamplingKind.LOW_CSAT:
        low = [c for c in candidates if c.csat_score is not None and c.csat_score <= rule.csat_max]
        return sorted(low, key=lambda c: (c.csat_score, c.pk))[:count]
    if rule.kind == SamplingKind.LONG_HANDLE:
        return sorted(candidates, key=lambda c: (-handle_seconds(c), c.pk))[:count]
    raise ValueError(f"unknown sampling kind {rule.kind}")


def _evaluators() -> list[int]:
    users = get_user_model().objects.filter(is_active=True, groups__name=roles.QA_EVALUATOR)
    return list(users.order_by("pk").values_list("pk", flat=True).distinct())


def _current_form(rule: SamplingRule) -> EvaluationForm | None:
    return (
        EvaluationForm.objects.filter(name=rule.form.name, is_active=True)
        .order_by("-version")
        .first()
    )


def _candidates(week: date) -> dict[int, list[Conversation]]:
    start, end = _week_bounds(week)
    rows = (
        Conversation.objects.filter(
            state=ConversationState.CLOSED,
            agent__isnull=False,
            assigned_at__isnull=False,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .filter(evaluation_assignments__isnull=True)
        .select_related("agent")
        .only(
            "pk",
            "agent_id",
            "agent__user_id",
            "csat_score",
            "assigned_at",
            "closed_at",
            "wrapup_seconds",
        )
    )
    by_agent: dict[int, list[Conversation]] = defaultdict(list)
    for conversation in rows:
        by_agent[conversation.agent_id].append(conversation)  # type: ignore[index]
    return by_agent


@transaction.atomic
def sample_week(*, week: date) -> SamplingResult:
    result = SamplingResult(week=week)
    evaluators = _evaluators()
    if not evaluators:
        logger.warning("QA sampling for %s skipped: no active QA evaluator", week)
        return result
    by_agent = _candidates(week)
    turn = EvaluationAssignment.objects.filter(week=week, calibration__isnull=True).count()
    taken: set[int] = set()
    for rule in SamplingRule.objects.filter(is_active=True).select_related("form"):
        form = _current_form(rule)
        if form is None:
            logger.warning("QA rule %s skipped: no active version of %s", rule.pk, rule.form.name)
            continue
        already = dict(
            EvaluationAssignment.objects.filter(rule=rule, week=week)
            .order_by()
            .values_list("conversation__agent_id")
            .annotate(n=Count("pk"))
        )
        created = 0
        for agent_id in sorted(by_agent):
            need = rule.per_agent - already.get(agent_id, 0)
            pool = [c for c in by_agent[agent_id] if c.pk not in taken]
            for conversation in _pick(rule, week, agent_id, pool, max(need, 0)):
                evaluator = _next_evaluator(evaluators, turn, conversation.agent.user_id)  # type: ignore[union-attr]
                if evaluator is None:
                    continue
                turn += 1
                taken.add(conversation.pk)
                EvaluationAssignment.objects.create(
                    conversation=conversation,
                    evaluator_id=evaluator,
                    form=form,
                    rule=rule,
                    week=week,
                )
                created += 1
        result.by_rule[rule.name] = created
        result.created += created
    return result


def _next_evaluator(evaluators: list[int], turn: int, agent_user_id: int) -> int | None:
    for step in range(len(evaluators)):
        candidate = evaluators[(turn + step) % len(evaluators)]
        if candidate != agent_user_id:
            return candidate
    return None
