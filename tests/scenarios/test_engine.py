from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from apps.core.pii import mask_pii
from apps.customers.crm import DEMO_FILE, CrmUnavailable, LocalCrm
from apps.integrations.payments import LocalPayments
from apps.scenarios.engine import (
    ScenarioContext,
    Turn,
    is_exit_request,
    scenario_continue,
    scenario_start,
)
from apps.scenarios.models import Scenario
from apps.scenarios.templating import Won, render
from tests.factories import ScenarioFactory, ScenarioSlotFactory, ScenarioStepFactory

pytestmark = pytest.mark.django_db

SEED = [
    {
        "crm_id": "C900",
        "name": "김민지",
        "phone": "010-2345-6781",
        "orders": [
            {
                "order_no": "ORD-20261124-0003",
                "status": "배송중",
                "carrier": "CJ대한통운",
                "tracking_no": "560123456781",
                "eta": "2026-11-27",
            }
        ],
        "bills": [
            {"month": "2026-10", "amount": 55000, "due_date": "2026-10-25", "paid": True},
            {"month": "2026-11", "amount": 58300, "due_date": "2026-11-25", "paid": False},
        ],
    },
]
PHONE = "010-2345-6781"


def _context(crm: object | None = None, crm_id: str | None = None) -> ScenarioContext:
    return ScenarioContext(
        customer_crm_id=crm_id,
        conversation_id=7,
        crm=crm or LocalCrm(SEED),
        payments=LocalPayments(),
    )


def _say(state: dict, text: str, context: ScenarioContext) -> Turn:
    # What the chat service does: the masked text is stored, the raw one only passed along.
    return scenario_continue(state=state, text=mask_pii(text), raw_text=text, context=context)


def _order_status(max_attempts: int = 3) -> Scenario:
    scenario = ScenarioFactory(code="order_status", name="배송 조회")
    ScenarioSlotFactory(
        scenario=scenario,
        name="order_no",
        validator="order_number",
        max_attempts=max_attempts,
        prompt="주문번호를 알려 주세요.",
        retry_prompt="주문번호 형식이 맞지 않아요.",
    )
    ScenarioStepFactory(
        scenario=scenario, order=1, action="crm_lookup", params={"lookup": "order"}, template=""
    )
    ScenarioStepFactory(
        scenario=scenario,
        order=2,
        action="reply",
        template="주문 {order_no}의 배송 상태는 '{status}'입니다. 택배사는 {carrier}입니다.",
    )
    ScenarioStepFactory(
        scenario=scenario, order=3, action="end", template="", params={"csat": True}
    )
    return scenario


def _phone_scenario(code: str, steps: list[dict], confirm: str = "", **slot: object) -> Scenario:
    scenario = ScenarioFactory(code=code, name="요금 조회", confirm_template=confirm)
    ScenarioSlotFactory(
        scenario=scenario,
        order=0,
        name="phone",
        validator="phone",
        prompt="휴대폰 번호를 알려 주세요.",
    )
    if slot:
        ScenarioSlotFactory(scenario=scenario, order=1, **slot)
    for order, step in enumerate(steps):
        ScenarioStepFactory(scenario=scenario, order=order, **{"template": "", **step})
    return scenario


def _demo_order() -> dict:
    """An order from the CRM twin's demo seed, so the test follows the file as it evolves."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return next(o for c in data["customers"] for o in c.get("orders", []))


def test_order_status_full_run_with_retry_cancel_and_restart() -> None:
    scenario, state = _order_status(), {}
    context = _context(crm=LocalCrm())
    order = _demo_order()

    turn = scenario_start(scenario=scenario, state=state, context=context)
    assert (turn.next_action, turn.slot) == ("ASK_SLOT", "order_no")
    assert turn.text == "주문번호를 알려 주세요."

    turn = _say(state, "주문번호 잘 모르겠는데요", context)
    assert (turn.next_action, turn.text) == ("ASK_SLOT", "주문번호 형식이 맞지 않아요.")
    assert state["attempts"] == {"order_no": 1}

    turn = _say(state, "취소", context)
    assert turn.next_action == "END" and turn.done
    assert turn.text == "진행 중인 배송 조회를 취소했어요. 무엇을 도와드릴까요?"
    assert state == {}

    turn = scenario_start(scenario=scenario, state=state, context=context)
    assert turn.next_action == "ASK_SLOT" and state["attempts"] == {}

    turn = _say(state, order["order_no"].lower().replace("-", " "), context)
    assert turn.next_action == "END" and turn.done and turn.ask_csat
    assert f"'{order['status']}'" in turn.text and order["carrier"] in turn.text
    assert order["order_no"] in turn.text
    assert state == {}


def test_an_unknown_order_is_reported_and_asked_again() -> None:
    scenario, state, context = _order_status(), {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)

    turn = _say(state, "ORD-20990101-0001", context)

    assert turn.next_action == "ASK_SLOT" and turn.slot == "order_no"
    assert turn.text.splitlines() == [
        "주문번호 ORD-20990101-0001(으)로 조회된 주문이 없어요.",
        "주문번호를 알려 주세요.",
    ]
    assert state["values"] == {} and state["attempts"] == {"order_no": 1}


def test_it_escalates_after_max_attempts() -> None:
    scenario, state, context = _order_status(max_attempts=2), {}, _context()
    ScenarioStepFactory(scenario=scenario, order=9, action="escalate", params={"queue": "general"})
    scenario_start(scenario=scenario, state=state, context=context)

    assert _say(state, "몰라요", context).next_action == "ASK_SLOT"
    turn = _say(state, "그것도 몰라요", context)

    assert turn.next_action == "QUEUED" and turn.done
    assert (turn.escalate_reason, turn.escalate_queue) == ("slot_retries", "general")
    assert "상담원" in turn.text
    assert state == {}


def test_an_escalate_step_queues_with_its_queue_after_the_replies() -> None:
    scenario = _phone_scenario(
        "cancel_service",
        [
            {"action": "reply", "template": "해지 사유 '{reason}'(으)로 접수했어요."},
            {
                "action": "escalate",
                "template": "해지 전담 상담원에게 연결 중입니다.",
                "params": {"queue": "retention"},
            },
            {"action": "reply", "template": "never said"},
        ],
        name="reason",
        validator="choice",
        choices=["요금이 비싸요", "기타"],
        prompt="이유는요?",
    )
    state, context = {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)
    turn = _say(state, PHONE, context)
    assert turn.quick_replies == ["요금이 비싸요", "기타"] and turn.slot == "reason"

    turn = _say(state, "글쎄요 잘 모르겠네", context)  # unclear → retry
    turn = _say(state, "1번", context)

    assert turn.next_action == "QUEUED"
    assert (turn.escalate_queue, turn.escalate_reason) == ("retention", "scenario")
    assert turn.text.splitlines() == [
        "해지 사유 '요금이 비싸요'(으)로 접수했어요.",
        "해지 전담 상담원에게 연결 중입니다.",
    ]


def test_a_scenario_without_slots_escalates_on_start() -> None:
    scenario = ScenarioFactory(name="상담원 연결")
    ScenarioStepFactory(
        scenario=scenario, action="escalate", template="", params={"queue": "general"}
    )

    turn = scenario_start(scenario=scenario, state={}, context=_context())

    assert (turn.next_action, turn.escalate_queue) == ("QUEUED", "general")
    assert turn.text == "상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."


def test_phone_slot_keeps_only_crm_id_and_masked_number_in_state() -> None:
    scenario = _phone_scenario(
        "password_reset",
        [{"action": "reply", "template": "{phone} 번호로 링크를 보냈어요."}, {"action": "end"}],
        confirm="{phone} 번호로 보내 드릴까요?",
    )
    state, context = {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)

    turn = _say(state, "제 번호는 010 2345 6781이에요", context)

    assert turn.next_action == "CLARIFY" and turn.quick_replies == ["예", "아니오"]
    assert turn.text == "010-****-6781 번호로 보내 드릴까요?"
    dumped = json.dumps(state, ensure_ascii=False)
    assert state["crm_id"] == "C900" and "010-****-6781" in dumped
    assert "2345" not in dumped and "01023456781" not in dumped.replace("-", "")

    turn = _say(state, "네 맞아요", context)
    assert turn.next_action == "END" and turn.text == "010-****-6781 번호로 링크를 보냈어요."
    assert json.dumps(state) == "{}"


def test_an_unregistered_phone_is_asked_again() -> None:
    scenario = _phone_scenario("phone_check", [{"action": "end"}])
    state, context = {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)

    turn = _say(state, "010-9999-0000", context)

    assert turn.next_action == "ASK_SLOT"
    assert turn.text.startswith("등록된 번호를 찾을 수 없어요")
    assert "crm_id" not in state and state["attempts"] == {"phone": 1}


def test_answering_no_to_the_confirmation_restarts_slot_filling() -> None:
    scenario = _phone_scenario("reset", [{"action": "end"}], confirm="{phone} 맞나요?")
    state, context = {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)
    _say(state, PHONE, context)

    assert _say(state, "글쎄요", context).next_action == "CLARIFY"
    turn = _say(state, "아니요", context)

    assert turn.next_action == "ASK_SLOT" and turn.slot == "phone"
    assert turn.text == "처음부터 다시 여쭤볼게요.\n휴대폰 번호를 알려 주세요."
    assert state["values"] == {} and "crm_id" not in state


@freeze_time("2026-11-26 03:00:00")
def test_bill_inquiry_maps_the_month_choice_and_formats_the_amount() -> None:
    scenario = _phone_scenario(
        "bill_inquiry",
        [
            {"action": "crm_lookup", "params": {"lookup": "bill"}},
            {"action": "reply", "template": "{month} 청구 금액은 {amount}원, 기한 {due_date}."},
            {"action": "reply", "template": "금액: {amount} ({paid})"},
        ],
        name="month",
        validator="choice",
        choices=["이번 달", "지난 달"],
        prompt="어느 달?",
    )
    state, context = {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)
    _say(state, PHONE, context)

    turn = _say(state, "지난달 요금", context)

    assert turn.next_action == "ANSWER" and turn.done
    assert turn.text == "지난 달 청구 금액은 55,000원, 기한 2026-10-25.\n금액: 55,000원 (납부 완료)"


@freeze_time("2026-11-26 03:00:00")
def test_bill_payment_sends_a_signed_link_for_the_unpaid_bill() -> None:
    scenario = _phone_scenario(
        "bill_payment",
        [
            {"action": "crm_lookup", "params": {"lookup": "bill"}},
            {"action": "reply", "template": "미납 요금은 {amount}원입니다."},
            {"action": "payment_link", "params": {"amount_slot": "amount"}},
            {"action": "reply", "template": "{payment_url}"},
            {"action": "end", "params": {"csat": True}},
        ],
        confirm="결제 링크를 보내 드릴까요?",
    )
    state, context = {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)
    _say(state, PHONE, context)

    turn = _say(state, "예", context)

    first, url = turn.text.splitlines()
    assert first == "미납 요금은 58,300원입니다."
    link = LocalPayments().verify(url)
    assert link is not None and link.amount == 58300
    assert link.reference == "C900-2026-11-c7"
    assert turn.next_action == "END" and turn.ask_csat


class _DownCrm(LocalCrm):
    def lookup_order(self, order_no: str, crm_id: str | None) -> None:
        raise CrmUnavailable("timeout")


def test_an_unavailable_crm_hands_over_to_an_agent() -> None:
    scenario, state = _order_status(), {}
    context = _context(crm=_DownCrm(SEED))
    scenario_start(scenario=scenario, state=state, context=context)

    turn = _say(state, "ORD-20261124-0003", context)

    assert (turn.next_action, turn.escalate_reason) == ("QUEUED", "crm_unavailable")
    assert state == {}


def test_a_deactivated_scenario_ends_quietly() -> None:
    scenario, state, context = _order_status(), {}, _context()
    scenario_start(scenario=scenario, state=state, context=context)
    Scenario.objects.filter(pk=scenario.pk).update(is_active=False)

    turn = _say(state, "ORD-20261124-0003", context)

    assert turn.next_action == "END" and turn.done and state == {}


@pytest.mark.parametrize(
    "text",
    [
        "취소",
        "취소요",
        "취소할게요",
        "취소 해 주세요",
        "그만",
        "그만할래요",
        "처음으로",
        "처음부터 다시",
        "다시 시작",
        "다시시작할게요",
        "cancel",
        "Cancel!",
        "그냥 취소",
    ],
)
def test_it_recognises_exit_requests(text: str) -> None:
    assert is_exit_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "주문 취소하고 싶어요",
        "취소 수수료가 얼마예요?",
        "요금제 변경 취소는 어떻게 해요",
        "그만큼",
        "처음 써봐요",
        "ORD-20261124-0003",
        "",
    ],
)
def test_it_does_not_treat_requests_mentioning_cancel_as_exits(text: str) -> None:
    assert not is_exit_request(text)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{name}님", "민지님"),
        ("{missing}없음", "없음"),
        ("{name.__class__}", ""),
        ("{name[0]}", ""),
        ("{0}{}", ""),
        ("{name!r:>50}", "민지"),
        ("{amount}원", "1,000원"),
        ("{amount}", "1,000원"),
        ("{ 깨진", "{ 깨진"),
    ],
)
def test_templates_render_safely(template: str, expected: str) -> None:
    assert render(template, {"name": "민지", "amount": Won(1000)}) == expected


def _demo_scenarios() -> list[dict]:
    path = DEMO_FILE.with_name("scenarios.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _build(spec: dict) -> Scenario:
    scenario = ScenarioFactory(
        code=spec["code"], name=spec["name"], confirm_template=spec.get("confirm_template", "")
    )
    for order, slot in enumerate(spec["slots"]):
        ScenarioSlotFactory(scenario=scenario, order=order, **slot)
    for order, step in enumerate(spec["steps"]):
        ScenarioStepFactory(scenario=scenario, order=order, **step)
    return scenario


def _demo_answer(validator: str, choices: list[str]) -> str:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    unpaid = next(c for c in data["customers"] if any(not b["paid"] for b in c["bills"]))
    return {
        "phone": unpaid["phone"],
        "order_number": _demo_order()["order_no"],
        "date": "내일",
        "choice": choices[0] if choices else "",
    }.get(validator, "테스트")


@freeze_time("2026-11-26 03:00:00")
@pytest.mark.parametrize("spec", _demo_scenarios(), ids=lambda s: s["code"])
def test_every_demo_scenario_runs_to_its_end_with_the_demo_crm(spec: dict) -> None:
    scenario, state = _build(spec), {}
    context = ScenarioContext.default(conversation_id=1)
    turn = scenario_start(scenario=scenario, state=state, context=context)
    for _ in range(len(spec["slots"]) + 1):
        if turn.next_action == "ASK_SLOT":
            slot = next(s for s in spec["slots"] if s["name"] == turn.slot)
            turn = _say(state, _demo_answer(slot["validator"], slot["choices"]), context)
        elif turn.next_action == "CLARIFY":
            turn = _say(state, "네", context)
    assert turn.next_action in {"END", "ANSWER", "QUEUED"}, turn.text
    assert turn.done and state == {}
    assert "{" not in turn.text and "원원" not in turn.text
