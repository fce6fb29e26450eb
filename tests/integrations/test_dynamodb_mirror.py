"""DynamoDB content mirror (moto) and the Lex V2 code-hook Lambda reading what it wrote."""

from __future__ import annotations

import copy
import io
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from moto import mock_aws

from apps.faqs.models import Faq, FaqStatus
from apps.faqs.services import faq_archive, faq_publish
from apps.integrations.aws import _client
from apps.integrations.aws import lex_code_hook as lambda_handler
from apps.integrations.aws.dynamodb import AwsContentTable, ContentItem, local_content_table
from apps.integrations.services.content_mirror import content_mirror_resync
from apps.integrations.tasks import dynamodb_mirror_faq
from tests.factories import FaqFactory, ScenarioFactory, ScenarioSlotFactory, ScenarioStepFactory

pytestmark = pytest.mark.django_db

TABLE = "aicc-content-test"
REGION = "ap-northeast-2"
ROOT = Path(__file__).resolve().parents[2]

# A Lex V2 fulfilment code-hook input as Lex sends it (messageVersion 1.0, ko_KR locale).
LEX_EVENT = {
    "messageVersion": "1.0",
    "invocationSource": "FulfillmentCodeHook",
    "inputMode": "Text",
    "responseContentType": "text/plain; charset=utf-8",
    "sessionId": "265628466358964",
    "inputTranscript": "요금제 변경은 어떻게 하나요",
    "bot": {
        "id": "ABCDEFGHIJ",
        "name": "AiccBot",
        "aliasId": "TSTALIASID",
        "aliasName": "TestBotAlias",
        "localeId": "ko_KR",
        "version": "DRAFT",
    },
    "interpretations": [
        {
            "intent": {
                "name": "FAQ_1",
                "slots": {},
                "state": "ReadyForFulfillment",
                "confirmationState": "None",
            },
            "nluConfidence": {"score": 0.92},
            "interpretationSource": "Lex",
        },
        {
            "intent": {
                "name": "FallbackIntent",
                "slots": {},
                "state": "ReadyForFulfillment",
                "confirmationState": "None",
            },
            "interpretationSource": "Lex",
        },
    ],
    "proposedNextState": None,
    "requestAttributes": {},
    "sessionState": {
        "sessionAttributes": {"channel": "voice"},
        "activeContexts": [],
        "intent": {
            "name": "FAQ_1",
            "slots": {},
            "state": "ReadyForFulfillment",
            "confirmationState": "None",
        },
        "originatingRequestId": "2b1e6e5f-8d2b-4a31-9d51-7a4d1b1e0c11",
    },
    "transcriptions": [
        {
            "transcription": "요금제 변경은 어떻게 하나요",
            "transcriptionConfidence": 0.94,
            "resolvedContext": {"intent": "FAQ_1"},
            "resolvedSlots": {},
        },
    ],
}


def lex_event(intent_name: str, slots: dict | None = None, source: str = "FulfillmentCodeHook"):
    event = copy.deepcopy(LEX_EVENT)
    event["invocationSource"] = source
    event["sessionState"]["intent"].update(name=intent_name, slots=slots or {})
    return event


def slot(value: str) -> dict:
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


@pytest.fixture
def dynamodb(monkeypatch, settings):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AICC_DYNAMODB_TABLE": TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    settings.AICC_AWS_BACKEND, settings.AWS_REGION = "aws", REGION
    settings.AICC_DYNAMODB_TABLE = TABLE
    _client.client.cache_clear()
    lambda_handler._dynamodb.cache_clear()
    with mock_aws():
        table = AwsContentTable()
        assert table.create_table() is True
        yield table
    _client.client.cache_clear()
    lambda_handler._dynamodb.cache_clear()


def _publish(faq, supervisor):
    Faq.objects.filter(pk=faq.pk).update(status=FaqStatus.REVIEW)
    faq.refresh_from_db()
    return faq_publish(faq=faq, user=supervisor)


def test_publishing_an_faq_lets_the_lambda_answer_with_it(
    dynamodb, supervisor, django_capture_on_commit_callbacks
) -> None:
    faq = FaqFactory(status=FaqStatus.DRAFT, answer="앱에서 [요금제 변경]을 누르세요.")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(faq, supervisor)

    response = lambda_handler.handler(lex_event(faq.intent_code), None)

    assert response["sessionState"]["dialogAction"] == {"type": "Close"}
    assert response["sessionState"]["intent"]["name"] == faq.intent_code
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert response["sessionState"]["sessionAttributes"] == {"channel": "voice"}
    assert response["messages"] == [
        {"contentType": "PlainText", "content": "앱에서 [요금제 변경]을 누르세요."}
    ]


def test_archiving_removes_the_answer_and_the_lambda_falls_back(
    dynamodb, supervisor, django_capture_on_commit_callbacks
) -> None:
    faq = FaqFactory(status=FaqStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(faq, supervisor)
    assert dynamodb.get(faq.intent_code) is not None

    with django_capture_on_commit_callbacks(execute=True):
        faq_archive(faq=faq, user=supervisor)

    assert dynamodb.get(faq.intent_code) is None
    response = lambda_handler.handler(lex_event(faq.intent_code), None)
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert response["messages"][0]["content"] == lambda_handler.DEFAULT_FALLBACK


def test_an_faq_outside_its_validity_window_is_not_answered(dynamodb) -> None:
    faq = FaqFactory(valid_until=timezone.now() + timedelta(days=1))
    dynamodb_mirror_faq.delay(faq.pk)
    assert (
        lambda_handler.handler(lex_event(faq.intent_code))["sessionState"]["intent"]["state"]
        == "Fulfilled"
    )

    later = timezone.now() + timedelta(days=2)
    assert lambda_handler.lookup(faq.intent_code, now=later) is None


def test_a_scenario_reply_is_filled_from_the_lex_slots(
    dynamodb, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        scenario = ScenarioFactory(code="ChangePlan")
        ScenarioSlotFactory(scenario=scenario, name="plan")
        ScenarioStepFactory(scenario=scenario, template="{plan} 요금제로 변경했습니다.")

    asking = lambda_handler.handler(lex_event("ChangePlan", {"plan": None}, "DialogCodeHook"))
    assert asking["sessionState"]["dialogAction"] == {"type": "Delegate"}

    done = lambda_handler.handler(lex_event("ChangePlan", {"plan": slot("5G 라이트")}))
    assert done["messages"][0]["content"] == "5G 라이트 요금제로 변경했습니다."


def test_renaming_or_deactivating_a_scenario_moves_or_removes_its_item(
    dynamodb, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        step = ScenarioStepFactory(scenario=ScenarioFactory(code="OldCode"), template="안내")
    scenario = step.scenario
    with django_capture_on_commit_callbacks(execute=True):
        scenario.code = "NewCode"
        scenario.save()
    assert dynamodb.codes() == {"NewCode"}

    with django_capture_on_commit_callbacks(execute=True):
        scenario.is_active = False
        scenario.save()
    assert dynamodb.codes() == set()


def test_resync_makes_the_table_exactly_the_published_content(dynamodb, settings) -> None:
    settings.AICC_DYNAMODB_TABLE = ""  # no signal-driven mirroring while the rows are made
    live = FaqFactory(answer="게시된 답변")
    FaqFactory(status=FaqStatus.ARCHIVED)
    ScenarioStepFactory(scenario=ScenarioFactory(code="Refund"), template="환불 안내")
    dynamodb.put(
        ContentItem(
            intent_code="FAQ_999999",
            kind="faq",
            text="stale",
            source_id=1,
            updated_at="2026-01-01T00:00:00+00:00",
        )
    )
    settings.AICC_DYNAMODB_TABLE = TABLE

    out = io.StringIO()
    call_command("sync_dynamodb", stdout=out)

    assert dynamodb.codes() == {live.intent_code, "Refund"}
    assert dynamodb.get(live.intent_code).text == "게시된 답변"
    assert "upserted 2, deleted 1" in out.getvalue()


def test_nothing_is_mirrored_when_no_table_is_configured(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.AICC_DYNAMODB_TABLE = ""
    local_content_table.cache_clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        FaqFactory()
    assert callbacks == []
    assert local_content_table().codes() == set()


def test_the_local_twin_mirrors_like_dynamodb(settings, django_capture_on_commit_callbacks) -> None:
    settings.AICC_DYNAMODB_TABLE = TABLE
    local_content_table.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        faq = FaqFactory(answer="로컬 답변")
    assert local_content_table().get(faq.intent_code).text == "로컬 답변"
    assert content_mirror_resync().upserted == 1


def test_the_lambda_falls_back_when_dynamodb_fails(monkeypatch) -> None:
    monkeypatch.setenv("AICC_DYNAMODB_TABLE", TABLE)
    monkeypatch.setenv("AICC_FALLBACK_MESSAGE", "상담원을 연결해 드릴게요.")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    lambda_handler._dynamodb.cache_clear()
    with mock_aws():  # no table: ResourceNotFoundException
        response = lambda_handler.handler(lex_event("FAQ_1"))
    lambda_handler._dynamodb.cache_clear()
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert response["messages"][0]["content"] == "상담원을 연결해 드릴게요."


def test_make_lambda_zip_packs_just_a_handler_that_needs_no_django(tmp_path) -> None:
    subprocess.run(["make", "-s", "lambda-zip"], cwd=ROOT, check=True, capture_output=True)
    with zipfile.ZipFile(ROOT / "var" / "lambda.zip") as archive:
        assert archive.namelist() == ["lambda_handler.py"]
        archive.extractall(tmp_path)
    # Imported the way the Lambda runtime does, from the unpacked zip: only stdlib + boto3.
    code = (
        "import sys, lambda_handler; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'apps', 'aicc')]; "
        "sys.exit(f'imports {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
