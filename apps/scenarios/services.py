"""Scenario checks and saves.

The check functions are pure (they take plain values and return Korean messages) so the admin's
inline formsets, the Lex sync and tests all apply the same rules before anything is saved.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from apps.core.exceptions import ApplicationError
from apps.core.models import ContentVersion
from apps.scenarios.models import Scenario, SlotValidator
from apps.scenarios.validators import is_safe_pattern

CONTENT_VERSION_KEY = "scenarios"
# Variables a step template may use besides the scenario's own slots: what the CRM lookup
# (apps.customers adapter) and the payment-link action put into the dialog context.
CRM_VARIABLES = frozenset(
    {
        "status",
        "carrier",
        "tracking_no",
        "eta",
        "amount",
        "due_date",
        "payment_url",
        "customer_name",
    }
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def duplicate_slot_names(names: Iterable[str]) -> list[str]:
    counts = Counter(names)
    return sorted(name for name, n in counts.items() if n > 1)


def slot_errors(*, validator: str, choices: list[str], pattern: str) -> dict[str, str]:
    """Problems of one slot, by field name."""
    if validator == SlotValidator.CHOICE and len([c for c in choices if c.strip()]) < 2:
        return {"choices": "선택지 슬롯에는 선택지가 두 개 이상 필요합니다."}
    if validator == SlotValidator.REGEX:
        if not pattern:
            return {"pattern": "정규식 슬롯에는 정규식을 입력해야 합니다."}
        try:
            re.compile(pattern)
        except re.error as e:
            return {"pattern": f"정규식을 해석할 수 없습니다: {e}"}
        # The slot validator refuses nested quantifiers at chat time; say so while editing.
        if not is_safe_pattern(pattern):
            return {"pattern": "(a+)+ 같은 중첩 반복은 응답이 멈출 수 있어 쓸 수 없습니다."}
    return {}


def unknown_template_variables(*, template: str, slot_names: Iterable[str]) -> list[str]:
    allowed = CRM_VARIABLES | set(slot_names)
    return [name for name in _PLACEHOLDER.findall(template) if name.strip() not in allowed]


def template_error(*, template: str, slot_names: Iterable[str]) -> str | None:
    unknown = unknown_template_variables(template=template, slot_names=slot_names)
    if not unknown:
        return None
    names = ", ".join("{" + name + "}" for name in unknown)
    allowed = ", ".join(sorted(CRM_VARIABLES))
    return (
        f"알 수 없는 변수 {names}: 이 시나리오의 슬롯 이름이나 "
        f"CRM 변수({allowed})만 쓸 수 있습니다."
    )


def utterance_error(*, is_active: bool, utterance_count: int) -> str | None:
    if is_active and utterance_count < 1:
        return "사용 중인 시나리오에는 학습 문장이 하나 이상 필요합니다."
    return None


def scenario_errors(*, scenario: Scenario) -> list[str]:
    """Every rule above, applied to a saved scenario (for callers outside the admin)."""
    slots = list(scenario.slots.all())
    names = [slot.name for slot in slots]
    errors = []
    if duplicates := duplicate_slot_names(names):
        errors.append(f"슬롯 이름이 중복됩니다: {', '.join(duplicates)}")
    for slot in slots:
        problems = slot_errors(validator=slot.validator, choices=slot.choices, pattern=slot.pattern)
        errors += [f"슬롯 {slot.name}: {msg}" for msg in problems.values()]
    templates = [scenario.confirm_template, *(step.template for step in scenario.steps.all())]
    errors += [e for t in templates if (e := template_error(template=t, slot_names=names))]
    count = scenario.utterances.count()
    if e := utterance_error(is_active=scenario.is_active, utterance_count=count):
        errors.append(e)
    return errors


def scenario_validate(*, scenario: Scenario) -> None:
    errors = scenario_errors(scenario=scenario)
    if errors:
        raise ApplicationError(errors[0], extra={"errors": errors})


@transaction.atomic
def scenario_save(*, scenario: Scenario, user: User | None = None) -> Scenario:
    scenario._history_user = user  # type: ignore[attr-defined]
    scenario.save()
    scenario_content_changed()
    return scenario


def scenario_content_changed() -> None:
    # After commit, so processes rebuilding their index read the inlines saved with the row.
    transaction.on_commit(lambda: ContentVersion.bump(CONTENT_VERSION_KEY))
