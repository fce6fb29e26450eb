"""AwsLexModels (Stubber) and LocalLexModels held to the same contract: push, slot, build."""

from __future__ import annotations

import pytest

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.lex_models import (
    AwsLexModels,
    IntentSpec,
    LocalLexModels,
    SlotSpec,
    clean_utterances,
    local_id,
    wait_until_built,
)
from tests.integrations.connect_stubs import client_error, stubbed

BOT = {"botId": "BOT1234567", "botVersion": "DRAFT", "localeId": "ko_KR"}
SPEC = IntentSpec(
    name="FAQ_12",
    description="FAQ 12: 요금 납부일",
    utterances=["요금 납부일이 언제인가요"],
    closing_message="매월 25일입니다.",
)
SCENARIO = IntentSpec(
    name="bill_payment",
    description="미납 요금 결제",
    utterances=["미납 요금 낼래요"],
    slots=[
        SlotSpec(
            name="phone", prompt="휴대폰 번호를 알려 주세요.", slot_type_id="AMAZON.PhoneNumber"
        )
    ],
)


@pytest.fixture(autouse=True)
def _bot(settings):
    settings.LEX_BOT_ID, settings.LEX_LOCALE_ID = BOT["botId"], "ko_KR"


class Backend:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        if kind == "aws":
            client, self.stubber = stubbed("lexv2-models")
            self.api = AwsLexModels(client)
            self.stubber.activate()
        else:
            self.api = LocalLexModels()

    def expect(self, operation: str, response: dict, params: dict) -> None:
        if self.kind == "aws":
            self.stubber.add_response(operation, response, {**BOT, **params})

    def done(self) -> None:
        if self.kind == "aws":
            self.stubber.assert_no_pending_responses()


@pytest.fixture(params=["aws", "local"])
def backend(request):
    backend = Backend(request.param)
    yield backend
    backend.done()


def _intent_response(intent_id: str, name: str) -> dict:
    return {"intentId": intent_id, "intentName": name, **BOT}


def test_it_lists_intents_across_pages(backend) -> None:
    backend.expect(
        "list_intents",
        {
            "intentSummaries": [{"intentId": "FALLBCKINT", "intentName": "FallbackIntent"}],
            "nextToken": "p2",
            **BOT,
        },
        {"maxResults": 1000},
    )
    backend.expect(
        "list_intents", {"intentSummaries": [], **BOT}, {"maxResults": 1000, "nextToken": "p2"}
    )
    assert backend.api.list_intents() == {"FallbackIntent": "FALLBCKINT"}


def test_it_creates_and_updates_an_faq_intent(backend) -> None:
    intent_id = local_id("intent", SPEC.name)
    body = {
        "intentName": "FAQ_12",
        "description": "FAQ 12: 요금 납부일",
        "sampleUtterances": [{"utterance": "요금 납부일이 언제인가요"}],
        "intentClosingSetting": {
            "closingResponse": {
                "messageGroups": [{"message": {"plainTextMessage": {"value": "매월 25일입니다."}}}]
            }
        },
    }
    backend.expect("create_intent", _intent_response(intent_id, "FAQ_12"), body)
    backend.expect(
        "update_intent", _intent_response(intent_id, "FAQ_12"), {"intentId": intent_id, **body}
    )
    assert backend.api.create_intent(SPEC) == intent_id
    backend.api.update_intent(intent_id, SPEC, {})


def test_it_creates_a_scenario_slot_and_orders_it(backend) -> None:
    intent_id = local_id("intent", SCENARIO.name)
    slot_id = local_id("slot", f"{intent_id}:phone")
    body = {
        "intentName": "bill_payment",
        "description": "미납 요금 결제",
        "sampleUtterances": [{"utterance": "미납 요금 낼래요"}],
    }
    backend.expect("create_intent", _intent_response(intent_id, "bill_payment"), body)
    backend.expect(
        "list_slots",
        {"slotSummaries": [], "intentId": intent_id, **BOT},
        {"intentId": intent_id, "maxResults": 1000},
    )
    prompt = {"plainTextMessage": {"value": "휴대폰 번호를 알려 주세요."}}
    elicitation = {
        "slotConstraint": "Required",
        "promptSpecification": {"messageGroups": [{"message": prompt}], "maxRetries": 2},
    }
    backend.expect(
        "create_slot",
        {"slotId": slot_id, "slotName": "phone", "intentId": intent_id, **BOT},
        {
            "intentId": intent_id,
            "slotName": "phone",
            "slotTypeId": "AMAZON.PhoneNumber",
            "valueElicitationSetting": elicitation,
        },
    )
    backend.expect(
        "update_intent",
        _intent_response(intent_id, "bill_payment"),
        {"intentId": intent_id, **body, "slotPriorities": [{"priority": 1, "slotId": slot_id}]},
    )
    assert backend.api.create_intent(SCENARIO) == intent_id
    assert backend.api.list_slots(intent_id) == {}
    assert backend.api.create_slot(intent_id, SCENARIO.slots[0]) == slot_id
    backend.api.update_intent(intent_id, SCENARIO, {"phone": slot_id})


def test_it_builds_and_polls_until_built(backend) -> None:
    backend.expect("build_bot_locale", {"botLocaleStatus": "Building", **BOT}, {})
    backend.expect("describe_bot_locale", {"botLocaleStatus": "Building", **BOT}, {})
    backend.expect("describe_bot_locale", {"botLocaleStatus": "Built", **BOT}, {})
    sleeps: list[float] = []
    assert backend.api.build_bot_locale() == "Building"
    assert wait_until_built(backend.api, interval=5, sleep=sleeps.append).status == "Built"
    assert sleeps == [5]


def test_a_failed_build_is_permanent_with_lex_reasons(backend) -> None:
    reason = "Intent FAQ_12: sample utterance conflicts with FAQ_13"
    if backend.kind == "local":
        backend.api.fail_next_build = [reason]
    backend.expect("build_bot_locale", {"botLocaleStatus": "Building", **BOT}, {})
    backend.expect("describe_bot_locale", {"botLocaleStatus": "Building", **BOT}, {})
    backend.expect(
        "describe_bot_locale", {"botLocaleStatus": "Failed", "failureReasons": [reason], **BOT}, {}
    )
    backend.api.build_bot_locale()
    with pytest.raises(IntegrationError) as caught:
        wait_until_built(backend.api, sleep=lambda _s: None)
    assert (caught.value.retryable, caught.value.code) == (False, "BuildFailed")
    assert reason in caught.value.message


def test_a_build_that_never_finishes_is_retryable() -> None:
    class Stuck(LocalLexModels):
        def describe_bot_locale(self):  # noqa: ANN202
            return super().describe_bot_locale().__class__("Building", [])

    with pytest.raises(IntegrationError) as caught:
        wait_until_built(Stuck(), timeout=10, interval=5, sleep=lambda _s: None)
    assert (caught.value.retryable, caught.value.code) == (True, "BuildTimeout")


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [("ThrottlingException", 429, True), ("AccessDeniedException", 403, False)],
)
def test_aws_errors_are_classified(code: str, status: int, retryable: bool) -> None:
    client, stubber = stubbed("lexv2-models")
    client_error(stubber, "build_bot_locale", code, status, BOT)
    with stubber, pytest.raises(IntegrationError) as caught:
        AwsLexModels(client).build_bot_locale()
    assert (caught.value.code, caught.value.retryable) == (code, retryable)


def test_utterances_lose_punctuation_lex_refuses_and_repeats() -> None:
    texts = ["요금이 얼마예요?", "요금이 얼마예요!!", "  ", "{phone} 번호로 조회"]
    assert clean_utterances(texts) == ["요금이 얼마예요", "{phone} 번호로 조회"]
