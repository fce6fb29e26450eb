"""Scenario slot filling: ask slots, validate, confirm, run steps (DESIGN.md §1 "scenario step").

Pure of HTTP and Channels. The caller keeps the state in `Conversation.bot_state["scenario"]`,
passes the same dict back on every message, and acts on `Turn.next_action`:
    ASK_SLOT  ask `turn.slot` (the text is the question)      CLARIFY  yes/no confirmation
    ANSWER    the scenario answered and is over               END      the scenario ended (CSAT?)
    QUEUED    hand over to an agent (`escalate_queue`, `escalate_reason`)
`turn.done` means the scenario is over and the state dict has been emptied.

State (JSON, no personal numbers: a phone slot keeps only its masked display plus `crm_id`):
    {"scenario_id": 3, "code": "bill_inquiry", "phase": "slot" | "confirm",
     "slot": "month", "values": {"phone": {"value": "010-****-5678", "display": "…"}},
     "attempts": {"phone": 1}, "crm_id": "C10001"}
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.customers.crm import CrmAdapter, CrmUnavailable, get_crm
from apps.integrations.payments import PaymentAdapter, get_payments
from apps.scenarios.models import Scenario, ScenarioSlot, SlotValidator, StepAction
from apps.scenarios.steps import Outcome, run_steps, slot_variables
from apps.scenarios.templating import object_particle, render
from apps.scenarios.validators import compact, validate_slot

logger = logging.getLogger(__name__)

ASK_SLOT, ANSWER, QUEUED, END, CLARIFY = "ASK_SLOT", "ANSWER", "QUEUED", "END", "CLARIFY"
CONFIRM_REPLIES = ["예", "아니오"]
MAX_CONFIRM_ATTEMPTS = 3

# An exit is a short message made of an exit word plus at most a polite ending;
# "주문 취소하고 싶어요" names something to cancel, so it is a new request, not an exit.
_EXIT_RE = re.compile(
    r"(?:그냥|아|음|됐고|됐어요)?(?:취소|그만|처음으로|처음부터|다시시작|cancel|stop|quit)"
    r"(?:다시)?(?:할게요|할께요|할래요|할래|할게|해요|해줘|해주세요|해|합니다|하겠습니다|하기"
    r"|하고싶어요|둘래요|둘게요|두기|돌아가기|돌아갈래요|돌아갈게요|돌아가줘|돌아가주세요"
    r"|시작|시작할게요|시작해주세요|요)?"
)
_YES = {
    "예",
    "네",
    "넹",
    "넵",
    "응",
    "어",
    "ㅇㅇ",
    "ㅇ",
    "맞아요",
    "맞아",
    "맞습니다",
    "네맞아요",
    "예맞아요",
    "네맞습니다",
    "예맞습니다",
    "좋아요",
    "그래요",
    "그렇게해주세요",
    "네좋아요",
    "yes",
    "y",
    "ok",
    "okay",
    "확인",
}
_NO = {
    "아니오",
    "아니요",
    "아뇨",
    "아니",
    "ㄴㄴ",
    "ㄴ",
    "no",
    "n",
    "아니에요",
    "아닙니다",
    "틀려요",
}


@dataclass
class Turn:
    text: str
    next_action: str
    quick_replies: list[str] = field(default_factory=list)
    escalate_queue: str | None = None
    escalate_reason: str = ""
    done: bool = False
    ask_csat: bool = False
    slot: str | None = None


@dataclass(frozen=True)
class ScenarioContext:
    customer_crm_id: str | None
    conversation_id: int | None
    crm: CrmAdapter
    payments: PaymentAdapter

    @classmethod
    def default(
        cls, *, customer_crm_id: str | None = None, conversation_id: int | None = None
    ) -> ScenarioContext:
        return cls(customer_crm_id, conversation_id, get_crm(), get_payments())


def is_exit_request(text: str) -> bool:
    return bool(_EXIT_RE.fullmatch(compact(text)))


def _answer_kind(text: str) -> bool | None:
    """True for yes, False for no, None when the answer is neither."""
    answer = compact(text)
    if answer in _YES:
        return True
    if answer in _NO or answer.startswith("아니"):
        return False
    return None


# --- public API -----------------------------------------------------------------------------


def scenario_start(*, scenario: Scenario, state: dict, context: ScenarioContext) -> Turn:
    state.clear()
    state.update(
        scenario_id=scenario.pk,
        code=scenario.code,
        phase="slot",
        slot=None,
        values={},
        attempts={},
    )
    logger.info("scenario %s started (conversation %s)", scenario.code, context.conversation_id)
    return _advance(scenario, state, context, [])


def scenario_continue(*, state: dict, text: str, raw_text: str, context: ScenarioContext) -> Turn:
    """`raw_text` reaches only the phone validator and the CRM; it is never stored or logged."""
    scenario = _load(state)
    if scenario is None:
        state.clear()
        return Turn(_("이전 안내가 종료되었어요. 무엇을 도와드릴까요?"), END, done=True)
    if is_exit_request(text):
        return _exit(scenario, state)
    if state.get("phase") == "confirm":
        return _on_confirm(scenario, state, text, context)
    slot = _slot_named(scenario, state.get("slot"))
    if slot is None or slot.name in state["values"]:
        return _advance(scenario, state, context, [])
    return _on_answer(scenario, slot, state, text, raw_text, context)


# --- flow -----------------------------------------------------------------------------------


def _load(state: dict) -> Scenario | None:
    if not state.get("scenario_id"):
        return None
    return (
        Scenario.objects.filter(pk=state["scenario_id"], is_active=True)
        .prefetch_related("slots", "steps")
        .first()
    )


def _slot_named(scenario: Scenario, name: str | None) -> ScenarioSlot | None:
    return next((s for s in scenario.slots.all() if s.name == name), None)


def _advance(scenario: Scenario, state: dict, context: ScenarioContext, lead: list[str]) -> Turn:
    """Ask the next empty slot, else confirm (once), else run the steps."""
    slot = next((s for s in scenario.slots.all() if s.name not in state["values"]), None)
    if slot is not None:
        state.update(phase="slot", slot=slot.name)
        return _ask(slot, [*lead, slot.prompt])
    if scenario.confirm_template and state.get("phase") != "confirmed":
        state.update(phase="confirm", slot=None)
        question = render(scenario.confirm_template, slot_variables(state))
        return Turn(_join([*lead, question]), CLARIFY, list(CONFIRM_REPLIES))
    return _run(scenario, state, context, lead)


def _ask(slot: ScenarioSlot, texts: list[str]) -> Turn:
    choices = [str(c) for c in slot.choices] if slot.validator == SlotValidator.CHOICE else []
    return Turn(_join(texts), ASK_SLOT, choices, slot=slot.name)


def _on_answer(
    scenario: Scenario,
    slot: ScenarioSlot,
    state: dict,
    text: str,
    raw_text: str,
    context: ScenarioContext,
) -> Turn:
    is_phone = slot.validator == SlotValidator.PHONE
    result = validate_slot(slot, raw_text if is_phone else text)
    if not result.ok or result.value is None:
        return _retry(scenario, slot, state, _retry_prompt(slot))
    value = result.value
    if is_phone:
        try:
            customer = context.crm.find_customer_by_phone(result.value)
        except CrmUnavailable as exc:
            return _crm_down(scenario, state, exc, [])
        if customer is None:
            return _retry(
                scenario, slot, state, _("등록된 번호를 찾을 수 없어요. 번호를 다시 확인해 주세요.")
            )
        # Only the masked form and the CRM id outlive this call (DESIGN §11).
        state["crm_id"] = customer.crm_id
        value = result.display
    state["values"][slot.name] = {"value": value, "display": result.display}
    return _advance(scenario, state, context, [])


def _retry(scenario: Scenario, slot: ScenarioSlot, state: dict, message: str) -> Turn:
    attempts = state["attempts"].get(slot.name, 0) + 1
    state["attempts"][slot.name] = attempts
    if attempts >= max(slot.max_attempts, 1):
        text = _("확인이 어려워 상담원을 연결해 드릴게요. 잠시만 기다려 주세요.")
        return _escalate(scenario, state, "slot_retries", [text])
    return _ask(slot, [message])


def _retry_prompt(slot: ScenarioSlot) -> str:
    if slot.retry_prompt:
        return slot.retry_prompt
    hints: dict[str, str] = {
        SlotValidator.CHOICE: _("다음 중에서 골라 주세요: {choices}").format(
            choices=", ".join(str(c) for c in slot.choices)
        ),
        SlotValidator.NUMBER: _("숫자로 알려 주세요. (예: 3)"),
        SlotValidator.DATE: _("날짜를 다시 알려 주세요. (예: 11월 28일, 내일, 다음 주 월요일)"),
        SlotValidator.PHONE: _("전화번호를 다시 입력해 주세요. (예: 010-1234-5678)"),
        SlotValidator.ORDER_NUMBER: _("주문번호를 다시 확인해 주세요. (예: ORD-20261120-0001)"),
    }
    return hints.get(slot.validator, _("입력하신 내용을 확인할 수 없어요.") + " " + slot.prompt)


def _on_confirm(scenario: Scenario, state: dict, text: str, context: ScenarioContext) -> Turn:
    answer = _answer_kind(text)
    if answer is True:
        state["phase"] = "confirmed"
        return _run(scenario, state, context, [])
    if answer is False:
        # Keep it simple: start the slots over rather than asking which one to change.
        state.update(values={}, attempts={}, phase="slot", slot=None)
        state.pop("crm_id", None)
        return _advance(scenario, state, context, [_("처음부터 다시 여쭤볼게요.")])
    attempts = state["attempts"].get("_confirm", 0) + 1
    state["attempts"]["_confirm"] = attempts
    if attempts >= MAX_CONFIRM_ATTEMPTS:
        return _escalate(scenario, state, "confirm_retries", [_("상담원을 연결해 드릴게요.")])
    return Turn(_("'예' 또는 '아니오'로 답해 주세요."), CLARIFY, list(CONFIRM_REPLIES))


def _run(scenario: Scenario, state: dict, context: ScenarioContext, lead: list[str]) -> Turn:
    try:
        outcome = run_steps(scenario, state, context)
    except CrmUnavailable as exc:
        return _crm_down(scenario, state, exc, lead)
    texts = [*lead, *outcome.texts]
    if outcome.action == "REASK":
        return _reask(scenario, state, context, outcome, texts)
    if outcome.action == QUEUED:
        return _escalate(scenario, state, outcome.reason, texts, queue=outcome.queue)
    state.clear()
    if outcome.action == END:
        logger.info("scenario %s ended", scenario.code)
        text = _join(texts) or _("안내를 마쳤어요. 더 궁금한 점이 있으신가요?")
        return Turn(text, END, done=True, ask_csat=outcome.ask_csat)
    return Turn(_join(texts), ANSWER, done=True)


def _reask(
    scenario: Scenario, state: dict, context: ScenarioContext, outcome: Outcome, texts: list[str]
) -> Turn:
    """A lookup found nothing for a slot value: count it as a miss and ask that slot again."""
    slot = _slot_named(scenario, outcome.reask_slot)
    assert slot is not None  # run_steps only names slots that are filled
    state["values"].pop(slot.name, None)
    if slot.validator == SlotValidator.PHONE:
        state.pop("crm_id", None)
    state.update(phase="slot", slot=slot.name)
    turn = _retry(scenario, slot, state, slot.prompt)
    if turn.next_action == ASK_SLOT:
        turn.text = _join([*texts, turn.text])
    return turn


def _crm_down(scenario: Scenario, state: dict, exc: CrmUnavailable, texts: list[str]) -> Turn:
    logger.warning("scenario %s: CRM unavailable (%s)", scenario.code, exc)
    message = _("지금은 정보를 조회할 수 없어 상담원을 연결해 드릴게요. 잠시만 기다려 주세요.")
    return _escalate(scenario, state, "crm_unavailable", [*texts, message])


def _escalate(
    scenario: Scenario, state: dict, reason: str, texts: list[str], queue: str | None = None
) -> Turn:
    queue = queue or _default_queue(scenario)
    logger.info("scenario %s escalated: %s (queue %s)", scenario.code, reason, queue)
    state.clear()
    return Turn(_join(texts), QUEUED, escalate_queue=queue, escalate_reason=reason, done=True)


def _default_queue(scenario: Scenario) -> str | None:
    """A scenario that escalates somewhere on purpose also escalates there on failure."""
    for step in scenario.steps.all():
        if step.action == StepAction.ESCALATE and (step.params or {}).get("queue"):
            return str(step.params["queue"])
    return None


def _exit(scenario: Scenario, state: dict[str, Any]) -> Turn:
    logger.info("scenario %s cancelled by the customer", scenario.code)
    state.clear()
    # 을/를 belongs to Korean only; other languages' messages keep {particle} and get "".
    korean = (get_language() or "ko").startswith("ko")
    text = _("진행 중인 {name}{particle} 취소했어요. 무엇을 도와드릴까요?").format(
        name=scenario.name, particle=object_particle(scenario.name) if korean else ""
    )
    return Turn(text, END, done=True)


def _join(texts: list[str]) -> str:
    return "\n".join(t for t in texts if t)
