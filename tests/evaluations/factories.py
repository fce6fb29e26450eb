"""Helpers for QA tests: a scored form, closed agent-handled conversations, assignments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.chat.models import Conversation, ConversationState, MessageSender
from apps.evaluations.models import EvaluationAssignment, EvaluationForm, FormQuestion
from tests.factories import (
    ConversationFactory,
    EvaluationFormFactory,
    FormQuestionFactory,
    FormSectionFactory,
    MessageFactory,
)


def make_form(weights: list[tuple[str, int, bool]] | None = None, **kwargs: Any) -> EvaluationForm:
    """An active form; `weights` are (question text, weight, allow_na), default 50 + 30 + 20."""
    weights = weights or [
        ("첫인사를 했는가", 50, False),
        ("본인 확인을 했는가", 30, True),
        ("끝인사를 했는가", 20, False),
    ]
    form = EvaluationFormFactory(is_active=True, **kwargs)
    section = FormSectionFactory(form=form, title="응대")
    for order, (text, weight, allow_na) in enumerate(weights):
        FormQuestionFactory(
            section=section, text=text, weight=weight, allow_na=allow_na, order=order
        )
    return form


def questions(form: EvaluationForm) -> list[FormQuestion]:
    return list(FormQuestion.objects.filter(section__form=form).order_by("order"))


def closed_conversation(
    agent: Any,
    *,
    closed_at: datetime | None = None,
    handle_seconds: int = 300,
    wrapup_seconds: int = 0,
    csat: int | None = None,
    **kwargs: Any,
) -> Conversation:
    closed_at = closed_at or timezone.now()
    return ConversationFactory(
        agent=agent,
        state=ConversationState.CLOSED,
        assigned_at=closed_at - timedelta(seconds=handle_seconds),
        closed_at=closed_at,
        wrapup_seconds=wrapup_seconds,
        csat_score=csat,
        **kwargs,
    )


def transcript(conversation: Conversation, *turns: tuple[str, str]) -> None:
    """(sender, text) pairs as messages 1..n."""
    for seq, (sender, text) in enumerate(turns, start=1):
        MessageFactory(
            conversation=conversation,
            seq=seq,
            sender=sender,
            text=text,
            agent=conversation.agent if sender == MessageSender.AGENT else None,
        )
    conversation.last_seq = len(turns)
    conversation.save(update_fields=["last_seq"])


def assign(
    conversation: Conversation, evaluator: Any, form: EvaluationForm, **kwargs: Any
) -> EvaluationAssignment:
    return EvaluationAssignment.objects.create(
        conversation=conversation, evaluator=evaluator, form=form, **kwargs
    )
