"""What the bot says to one customer message (DESIGN §1, §5).

Order of precedence: an active scenario, an explicit ask for a person, then the NLU decision
(answer an FAQ, start a scenario, clarify between close candidates, or fall back). Two fallbacks
in a row hand the customer over. The caller stores the conversation's `bot_state` afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.chat.models import Conversation
from apps.customers.crm import get_crm
from apps.faqs.models import Faq
from apps.integrations.payments import get_payments
from apps.monitoring.metrics import NLU_LATENCY
from apps.nlu.backends import CandidateLike, NluCandidate, NluResult, get_nlu_backend
from apps.nlu.escalation import is_escalation_request
from apps.nlu.index import get_bot_index
from apps.scenarios import engine
from apps.scenarios.models import Scenario

FALLBACKS_BEFORE_HANDOFF = 2


@dataclass
class BotReply:
    text: str
    next_action: str  # ANSWER, ASK_SLOT, CLARIFY, FALLBACK, QUEUED, END
    intent: str = ""
    confidence: float | None = None
    quick_replies: list[str] = field(default_factory=list)
    faq_id: int | None = None
    escalate_queue: str | None = None
    escalate_reason: str = ""
    ask_csat: bool = False

    @property
    def escalates(self) -> bool:
        return self.next_action == "QUEUED"


def _handoff(reason: str, queue: str | None = None, intent: str = "") -> BotReply:
    return BotReply(
        text=_("상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."),
        next_action="QUEUED",
        intent=intent or "handoff",
        escalate_queue=queue,
        escalate_reason=reason,
    )


def _context(conversation: Conversation) -> engine.ScenarioContext:
    crm_id = conversation.customer.crm_id if conversation.customer else None
    return engine.ScenarioContext(
        customer_crm_id=crm_id,
        conversation_id=conversation.pk,
        crm=get_crm(),
        payments=get_payments(),
    )


def _from_turn(turn: engine.Turn, state: dict[str, Any], intent: str) -> BotReply:
    if turn.done:
        state.pop("scenario", None)
    # END closes the conversation; a cancelled scenario only ends the scenario.
    next_action = turn.next_action
    if next_action == "END" and not turn.ask_csat:
        next_action = "ANSWER"
    return BotReply(
        text=turn.text,
        next_action=next_action,
        intent=intent,
        confidence=1.0,
        quick_replies=list(turn.quick_replies),
        escalate_queue=turn.escalate_queue,
        escalate_reason=turn.escalate_reason,
        ask_csat=turn.ask_csat,
    )


def _continue_scenario(conversation: Conversation, text: str, raw_text: str) -> BotReply:
    state = conversation.bot_state
    scenario_state = state["scenario"]
    intent = f"scenario:{scenario_state.get('code', '')}"
    turn = engine.scenario_continue(
        state=scenario_state, text=text, raw_text=raw_text, context=_context(conversation)
    )
    return _from_turn(turn, state, intent)


def _start_scenario(conversation: Conversation, code: str, score: float) -> BotReply | None:
    scenario = Scenario.objects.filter(code=code, is_active=True).first()
    if scenario is None:
        return None
    if scenario.is_handoff_only:
        # The escalation policy already ran and heard no ask for a person; a ranker match on
        # "상담원" alone ("상담원분이 친절하셨어요") is praise, not a request.
        return None
    scenario_state: dict[str, Any] = {}
    turn = engine.scenario_start(
        scenario=scenario, state=scenario_state, context=_context(conversation)
    )
    if not turn.done:
        conversation.bot_state["scenario"] = scenario_state
    reply = _from_turn(turn, conversation.bot_state, f"scenario:{code}")
    reply.confidence = score
    return reply


# Answers of live FAQs, remembered for as long as the bot index they were ranked by is current:
# the index is rebuilt (and this emptied) when content is published or a validity window passes,
# so an answer is never older than the ranking that picked it (index.CHECK_SECONDS at most).
_answers: tuple[object, dict[int, str | None]] = (None, {})


def _faq_answer(faq_id: int) -> str | None:
    global _answers
    bot_index = get_bot_index()
    owner, answers = _answers
    if owner is not bot_index:
        answers = {}
        _answers = (bot_index, answers)
    if faq_id not in answers:
        answers[faq_id] = (
            Faq.objects.live().filter(pk=faq_id).order_by().values_list("answer", flat=True).first()
        )
    return answers[faq_id]


def _answer_faq(faq_id: int, score: float) -> BotReply | None:
    answer = _faq_answer(faq_id)
    if answer is None:
        return None
    return BotReply(
        text=answer,
        next_action="ANSWER",
        intent=f"faq:{faq_id}",
        confidence=score,
        faq_id=faq_id,
    )


def _answer_key(conversation: Conversation, key: str, score: float) -> BotReply | None:
    kind, _sep, ident = key.partition(":")
    if kind == "faq" and ident.isdigit():
        return _answer_faq(int(ident), score)
    if kind == "scenario":
        return _start_scenario(conversation, ident, score)
    return None


def _clarify(conversation: Conversation, result: NluResult) -> BotReply:
    options = result.candidates[:3]
    conversation.bot_state["clarify"] = {c.label: c.key for c in options}
    return BotReply(
        text=_("혹시 아래 중에서 찾으시는 내용이 있나요? 없으면 다르게 말씀해 주세요."),
        next_action="CLARIFY",
        intent=options[0].key,
        confidence=options[0].score,
        quick_replies=[c.label for c in options],
    )


def _fallback(conversation: Conversation, result: NluResult) -> BotReply:
    state = conversation.bot_state
    state["fallbacks"] = state.get("fallbacks", 0) + 1
    top = result.candidates[0].score if result.candidates else None
    if state["fallbacks"] >= FALLBACKS_BEFORE_HANDOFF:
        state["fallbacks"] = 0
        reply = _handoff("fallbacks", intent="fallback")
        reply.text = _("제가 잘 이해하지 못해 죄송해요. 상담원에게 연결해 드릴게요.")
        reply.confidence = top
        return reply
    return BotReply(
        text=_("죄송해요, 말씀을 잘 이해하지 못했어요. 조금 다르게 말씀해 주시겠어요?"),
        next_action="FALLBACK",
        intent="fallback",
        confidence=top,
        quick_replies=[_("상담원 연결")],
    )


def _picked_clarification(conversation: Conversation, text: str) -> str | None:
    options = conversation.bot_state.pop("clarify", None) or {}
    return options.get(text.strip())


def _understand(conversation: Conversation, text: str) -> NluResult:
    bot_index = get_bot_index()
    backend = get_nlu_backend(lambda: bot_index.index)
    started = time.perf_counter()
    result = backend.understand(text=text, session_id=str(conversation.session_id))
    NLU_LATENCY.labels(result.backend).observe(time.perf_counter() - started)
    # Only content published on this channel; labels from our content, not Lex intent names.
    allowed: list[CandidateLike] = [
        NluCandidate(c.key, bot_index.labels.get(c.key, c.label), c.score)
        for c in result.candidates
        if c.key in bot_index.labels and bot_index.allows(c.key, conversation.channel)
    ]
    action = result.action if allowed else "FALLBACK"
    if action == "ANSWER" and allowed[0].key != result.candidates[0].key:
        action = "CLARIFY"  # the best match is not offered here; never answer the runner-up
    return NluResult(
        action=action,
        candidates=allowed,
        backend=result.backend,
        degraded=result.degraded,
        slots=result.slots,
    )


def bot_respond(*, conversation: Conversation, text: str, raw_text: str) -> BotReply:
    """Answer one customer message. `text` is PII-masked; `raw_text` only feeds slot checks."""
    state = conversation.bot_state
    keywords = settings.BOT_ESCALATION_KEYWORDS
    if is_escalation_request(text, extra_keywords=keywords):
        state.pop("scenario", None)
        return _handoff("customer_request")
    if state.get("scenario"):
        return _continue_scenario(conversation, text, raw_text)
    picked = _picked_clarification(conversation, text)
    if picked and (reply := _answer_key(conversation, picked, 1.0)):
        state["fallbacks"] = 0
        return reply
    result = _understand(conversation, text)
    if result.action == "ANSWER" and result.candidates:
        top = result.candidates[0]
        reply = _answer_key(conversation, top.key, top.score)
        if reply is not None:
            state["fallbacks"] = 0
            return reply
    if result.action == "CLARIFY" and result.candidates:
        state["fallbacks"] = 0
        return _clarify(conversation, result)
    return _fallback(conversation, result)
