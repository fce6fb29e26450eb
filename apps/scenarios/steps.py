"""Run a scenario's steps once its slots are filled; used only by `apps.scenarios.engine`.

Step params (what supervisors and `apps/core/demo/scenarios.json` write):
    crm_lookup    {"lookup": "order" | "bill" | "profile", "slot": "<key slot, optional>"}
    escalate      {"queue": "<queue code>", "reason": "<optional, default 'scenario'>"}
    payment_link  {"amount_slot": "<variable holding the amount, default 'amount'>",
                   "description": "<optional>"}
    end           {"csat": true | false}
Variables a template can use: every slot by name (its display form), plus
    order → status, carrier, tracking_no, eta;  bill → amount, due_date, paid, bill_month;
    profile → customer_name;  payment_link → payment_url.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from apps.customers.crm import CrmBill
from apps.scenarios.models import Scenario, ScenarioSlot, ScenarioStep, SlotValidator, StepAction
from apps.scenarios.templating import Won, render
from apps.scenarios.validators import compact, seoul_today

if TYPE_CHECKING:
    from apps.scenarios.engine import ScenarioContext


# Every variable a lookup or payment step can add; the admin's template check allows these.
STEP_VARIABLES = frozenset(
    {
        "status",
        "carrier",
        "tracking_no",
        "eta",
        "amount",
        "due_date",
        "paid",
        "bill_month",
        "customer_name",
        "payment_url",
    }
)


@dataclass
class Outcome:
    """What the steps decided; the engine turns it into a Turn.

    action: "ANSWER" (ran to the end), "END" (end step), "QUEUED" (escalate), "REASK" (a lookup
    found nothing and `reask_slot` must be asked again), "STOP" (nothing to do; scenario over).
    """

    texts: list[str]
    action: str
    queue: str | None = None
    reason: str = ""
    ask_csat: bool = False
    reask_slot: str | None = None


@dataclass
class _Run:
    scenario: Scenario
    state: dict[str, Any]
    context: ScenarioContext
    variables: dict[str, object]
    texts: list[str] = field(default_factory=list)
    bill: CrmBill | None = None

    @property
    def crm_id(self) -> str | None:
        return self.state.get("crm_id") or self.context.customer_crm_id

    def value(self, slot_name: str) -> str | None:
        filled = self.state.get("values", {}).get(slot_name)
        return filled["value"] if filled else None


def slot_variables(state: dict[str, Any]) -> dict[str, object]:
    return {name: v["display"] for name, v in state.get("values", {}).items()}


def run_steps(scenario: Scenario, state: dict[str, Any], context: ScenarioContext) -> Outcome:
    """Run steps in order; the first escalate/end/miss stops the run. CrmUnavailable propagates."""
    run = _Run(scenario, state, context, slot_variables(state))
    for step in scenario.steps.all():
        outcome = _HANDLERS.get(step.action, _reply)(run, step)
        if outcome is not None:
            return outcome
    return Outcome(run.texts, "ANSWER")


def _say(run: _Run, template: str) -> None:
    text = render(template, run.variables).strip()
    if text:
        run.texts.append(text)


def _reply(run: _Run, step: ScenarioStep) -> Outcome | None:
    _say(run, step.template)
    return None


def _escalate(run: _Run, step: ScenarioStep) -> Outcome:
    _say(run, step.template or _("상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."))
    params = step.params or {}
    return Outcome(
        run.texts,
        "QUEUED",
        queue=params.get("queue") or None,
        reason=str(params.get("reason") or "scenario")[:40],
    )


def _end(run: _Run, step: ScenarioStep) -> Outcome:
    _say(run, step.template)
    return Outcome(run.texts, "END", ask_csat=bool((step.params or {}).get("csat", False)))


def _miss(run: _Run, message: str, slot_name: str | None) -> Outcome:
    run.texts.append(message)
    if slot_name and slot_name in run.state.get("values", {}):
        return Outcome(run.texts, "REASK", reask_slot=slot_name)
    return Outcome(run.texts, "STOP")


def _slot_by(scenario: Scenario, validator: str) -> ScenarioSlot | None:
    return next((s for s in scenario.slots.all() if s.validator == validator), None)


def _lookup(run: _Run, step: ScenarioStep) -> Outcome | None:
    params = step.params or {}
    kind = params.get("lookup", "order")
    handler = {"order": _lookup_order, "bill": _lookup_bill, "profile": _lookup_profile}.get(kind)
    return handler(run, params.get("slot")) if handler else None


def _lookup_order(run: _Run, slot_name: str | None) -> Outcome | None:
    slot = _slot_by(run.scenario, SlotValidator.ORDER_NUMBER)
    slot_name = slot_name or (slot.name if slot else None)
    order_no = run.value(slot_name) if slot_name else None
    order = run.context.crm.lookup_order(order_no, run.crm_id) if order_no else None
    if order is None:
        return _miss(
            run,
            _("주문번호 {order_no}(으)로 조회된 주문이 없어요.").format(order_no=order_no or ""),
            slot_name,
        )
    run.variables.update(
        status=order.status, carrier=order.carrier, tracking_no=order.tracking_no, eta=order.eta
    )
    return None


def _lookup_profile(run: _Run, slot_name: str | None) -> Outcome | None:
    customer = run.context.crm.get_customer(run.crm_id) if run.crm_id else None
    if customer is None:
        phone = _slot_by(run.scenario, SlotValidator.PHONE)
        slot_name = slot_name or (phone.name if phone else None)
        return _miss(run, _("고객 정보를 찾을 수 없어요."), slot_name)
    run.variables["customer_name"] = customer.name
    return None


def _lookup_bill(run: _Run, slot_name: str | None) -> Outcome | None:
    crm_id = run.crm_id
    if crm_id is None:
        phone = _slot_by(run.scenario, SlotValidator.PHONE)
        return _miss(run, _("고객 확인이 필요해요."), phone.name if phone else None)
    slot_name = slot_name or ("month" if run.value("month") else None)
    if slot_name:
        month = bill_month(run.value(slot_name) or "")
        bill = run.context.crm.lookup_bill(crm_id, month) if month else None
        missing = _("{month} 청구 내역을 찾을 수 없어요.").format(
            month=run.variables.get(slot_name, "")
        )
    else:
        # Without a month slot the scenario is about paying: the latest unpaid bill.
        bill = next((b for b in run.context.crm.recent_bills(crm_id) if not b.paid), None)
        missing = _("미납된 요금이 없어요. 모든 요금이 납부되어 있어요.")
    if bill is None:
        return _miss(run, missing, slot_name)
    run.bill = bill
    run.variables.update(
        amount=Won(bill.amount),
        due_date=bill.due_date,
        bill_month=_month_label(bill.month),
        paid=_("납부 완료") if bill.paid else _("미납"),
    )
    return None


def _month_label(month: str) -> str:
    year, _sep, mon = month.partition("-")
    return f"{year}년 {int(mon)}월" if mon.isdigit() else month


_MONTH_WORDS = {
    "이번달": 0,
    "이달": 0,
    "금월": 0,
    "당월": 0,
    "지난달": -1,
    "저번달": -1,
    "전달": -1,
    "전월": -1,
    "지지난달": -2,
    "다음달": 1,
}


def bill_month(value: str, today: date | None = None) -> str | None:
    """ "이번 달"/"지난 달"/"2026-10"/"10월"/an ISO date → "YYYY-MM" (Asia/Seoul)."""
    today = today or seoul_today()
    key = compact(value)
    if key in _MONTH_WORDS:
        index = today.year * 12 + today.month - 1 + _MONTH_WORDS[key]
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    if len(key) >= 7 and key[:4].isdigit() and key[4] == "-" and key[5:7].isdigit():
        return key[:7]
    digits = key.removesuffix("월")
    if digits.isdigit() and 1 <= int(digits) <= 12:
        return f"{today.year:04d}-{int(digits):02d}"
    return None


def _payment_link(run: _Run, step: ScenarioStep) -> Outcome | None:
    params = step.params or {}
    amount = _amount(run, params.get("amount_slot") or "amount")
    if run.bill is not None and run.bill.paid:
        return _miss(run, _("이미 납부된 요금이에요."), None)
    if not amount:
        return _miss(run, _("결제할 금액을 찾지 못했어요."), None)
    month = run.bill.month if run.bill else seoul_today().strftime("%Y-%m")
    reference = f"{run.crm_id or 'guest'}-{month}-c{run.context.conversation_id or 0}"
    link = run.context.payments.create_link(
        amount=amount,
        reference=reference,
        description=str(params.get("description") or run.scenario.name),
    )
    run.variables["payment_url"] = link.url
    _say(run, step.template)
    return None


def _amount(run: _Run, name: str) -> int | None:
    value = run.variables.get(name)
    if isinstance(value, Won):
        return value.amount
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return int(digits) if digits else None


_HANDLERS: dict[str, Callable[[_Run, ScenarioStep], Outcome | None]] = {
    StepAction.REPLY: _reply,
    StepAction.CRM_LOOKUP: _lookup,
    StepAction.ESCALATE: _escalate,
    StepAction.PAYMENT_LINK: _payment_link,
    StepAction.END: _end,
}
