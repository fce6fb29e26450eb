from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.models import ContentVersion
from apps.scenarios import services
from apps.scenarios.models import Scenario
from tests.factories import ScenarioSlotFactory, ScenarioStepFactory, ScenarioUtteranceFactory

pytestmark = pytest.mark.django_db


def _slot(name: str, validator: str = "text", choices: str = "", pattern: str = "") -> dict:
    return {
        "order": 0,
        "name": name,
        "prompt": "알려 주세요.",
        "retry_prompt": "",
        "validator": validator,
        "choices": choices,
        "pattern": pattern,
        "max_attempts": 3,
    }


def _inline(prefix: str, rows: list[dict]) -> dict[str, object]:
    data: dict[str, object] = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def _post(
    client: Client,
    *,
    code: str = "change_plan",
    is_active: bool = True,
    utterances: tuple[str, ...] = ("요금제 바꾸고 싶어요",),
    slots: tuple[dict, ...] = (),
    steps: tuple[str, ...] = (),
    confirm: str = "",
):
    data: dict[str, object] = {
        "code": code,
        "name": "요금제 변경",
        "description": "",
        "confirm_template": confirm,
    }
    if is_active:
        data["is_active"] = "on"
    data |= _inline("utterances", [{"text": t} for t in utterances])
    data |= _inline("slots", list(slots))
    data |= _inline(
        "steps",
        [
            {"order": i, "action": "reply", "template": t, "params": "{}"}
            for i, t in enumerate(steps)
        ],
    )
    return client.post(reverse("admin:scenarios_scenario_add"), data)


def _errors(response) -> str:
    assert response.status_code == 200, "expected the form back with errors"
    return str(response.context["errors"])


def test_it_saves_a_valid_scenario_and_bumps_the_index(
    client_as_supervisor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client_as_supervisor,
            slots=(
                _slot("plan", "choice", "베이직\n프리미엄"),
                _slot("phone", "regex", pattern=r"\d+"),
            ),
            steps=("{customer_name}님, {plan} 요금제로 바꿨습니다.",),
            confirm="{plan} 요금제로 변경할까요?",
        )

    assert response.status_code == 302
    scenario = Scenario.objects.get(code="change_plan")
    assert scenario.slots.get(name="plan").choices == ["베이직", "프리미엄"]
    assert ContentVersion.current("scenarios") == 1
    assert services.scenario_errors(scenario=scenario) == []


def test_it_refuses_an_intent_code_lex_cannot_take(client_as_supervisor) -> None:
    assert "영문, 숫자" in _errors(_post(client_as_supervisor, code="요금제__변경"))


def test_it_refuses_duplicate_slot_names(client_as_supervisor) -> None:
    response = _post(client_as_supervisor, slots=(_slot("plan"), _slot("plan")))

    assert "슬롯 이름이 중복됩니다: plan" in _errors(response)


def test_it_needs_two_choices_for_a_choice_slot(client_as_supervisor) -> None:
    response = _post(client_as_supervisor, slots=(_slot("plan", "choice", "베이직"),))

    assert "선택지가 두 개 이상" in _errors(response)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(", "정규식을 해석할 수 없습니다"),
        ("", "정규식을 입력해야"),
        ("(a+)+", "중첩 반복"),
    ],
)
def test_it_needs_a_usable_pattern_for_a_regex_slot(client_as_supervisor, pattern, message):
    response = _post(client_as_supervisor, slots=(_slot("code", "regex", pattern=pattern),))

    assert message in _errors(response)


def test_it_refuses_templates_with_unknown_variables(client_as_supervisor) -> None:
    response = _post(
        client_as_supervisor,
        slots=(_slot("plan"),),
        steps=("{plan} 변경, 배송 {tracking}",),
        confirm="{plna}로 바꿀까요?",
    )

    errors = _errors(response)
    assert "알 수 없는 변수 {tracking}" in errors
    assert "알 수 없는 변수 {plna}" in errors
    assert "tracking_no" in errors  # the message lists what is allowed


def test_it_does_not_count_a_deleted_slot_as_a_template_variable(client_as_supervisor) -> None:
    response = _post(
        client_as_supervisor, slots=(_slot("plan") | {"DELETE": "on"},), steps=("{plan}",)
    )

    assert "알 수 없는 변수 {plan}" in _errors(response)


def test_it_needs_an_utterance_for_an_active_scenario(client_as_supervisor) -> None:
    assert "학습 문장이 하나 이상" in _errors(_post(client_as_supervisor, utterances=()))
    assert _post(client_as_supervisor, utterances=(), is_active=False).status_code == 302


def test_it_reports_rule_breaks_of_a_saved_scenario() -> None:
    scenario = ScenarioUtteranceFactory().scenario
    ScenarioSlotFactory(scenario=scenario, name="plan", validator="choice", choices=["하나"])
    ScenarioStepFactory(scenario=scenario, template="{unknown}")

    errors = services.scenario_errors(scenario=scenario)

    assert len(errors) == 2
    assert "선택지" in errors[0] and "{unknown}" in errors[1]


def test_it_reverts_a_scenario_from_its_history(client_as_supervisor) -> None:
    scenario = ScenarioUtteranceFactory().scenario
    ScenarioSlotFactory(scenario=scenario, name="plan")
    scenario.confirm_template = "{plan}로 바꿀까요?"
    scenario.save()
    first = scenario.history.earliest()
    scenario.name = "바뀐 이름"
    scenario.save()

    url = reverse("admin:scenarios_scenario_simple_history", args=[scenario.pk, first.history_id])
    data = {
        "code": first.code,
        "name": first.name,
        "description": "",
        "is_active": "on",
        "confirm_template": scenario.confirm_template,
    }
    response = client_as_supervisor.post(url, data)

    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.name == first.name
    history_url = reverse("admin:scenarios_scenario_history", args=[scenario.pk])
    assert "바뀐 이름" in client_as_supervisor.get(history_url).content.decode()


def _post_step(client: Client, action: str, params: str):
    data: dict[str, object] = {
        "code": "check_bill",
        "name": "요금 조회",
        "description": "",
        "confirm_template": "",
        "is_active": "on",
    }
    data |= _inline("utterances", [{"text": "요금 알려줘"}])
    data |= _inline("slots", [])
    data |= _inline("steps", [{"order": 0, "action": action, "template": "", "params": params}])
    return client.post(reverse("admin:scenarios_scenario_add"), data)


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("reply", '"text"', "JSON 객체"),
        ("escalate", "[1, 2]", "JSON 객체"),
        ("escalate", '{"queue": 5}', "queue은(는) 문자열"),
        ("escalate", '{"quene": "billing"}', "알 수 없는 매개변수입니다: quene"),
        ("end", '{"csat": "yes"}', "csat은(는) true 또는 false"),
        ("crm_lookup", '{"lookup": "invoice"}', "order, bill, profile"),
        ("payment_link", '{"amount_slot": ["amount"]}', "amount_slot은(는) 문자열"),
    ],
)
def test_it_refuses_step_params_the_step_cannot_read(
    action, params, message, client_as_supervisor
) -> None:
    response = _post_step(client_as_supervisor, action, params)

    assert message in _errors(response)
    assert not Scenario.objects.filter(code="check_bill").exists()


@pytest.mark.parametrize(
    ("action", "params", "saved"),
    [
        (
            "escalate",
            '{"queue": "billing", "reason": "vip"}',
            {"queue": "billing", "reason": "vip"},
        ),
        ("crm_lookup", '{"lookup": "bill"}', {"lookup": "bill"}),
        ("end", '{"csat": true}', {"csat": True}),
        ("end", "", {}),
        ("reply", "null", {}),
    ],
)
def test_it_saves_step_params_the_step_can_read(
    action, params, saved, client_as_supervisor
) -> None:
    assert _post_step(client_as_supervisor, action, params).status_code == 302

    assert Scenario.objects.get(code="check_bill").steps.get().params == saved


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "abc/history/"),
        ("get", "{pk}/history/abc/"),
        ("post", "{pk}/history/abc/"),
        ("post", "abc/history/{version}/"),
    ],
)
def test_it_answers_non_numeric_history_ids_with_404(method, path, client_as_supervisor) -> None:
    scenario = ScenarioUtteranceFactory().scenario
    version = scenario.history.earliest().history_id
    url = reverse("admin:scenarios_scenario_changelist") + path.format(
        pk=scenario.pk, version=version
    )

    assert getattr(client_as_supervisor, method)(url).status_code == 404
