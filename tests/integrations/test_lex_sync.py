from __future__ import annotations

import pytest
from freezegun import freeze_time

from apps.core.models import ContentVersion
from apps.faqs.models import FaqStatus
from apps.integrations import tasks
from apps.integrations.aws.lex_models import AwsLexModels, local_lex_models
from apps.integrations.models import LexIntent, SyncRun, SyncStatus
from apps.integrations.services import lex_sync
from tests.factories import (
    FaqAlternativeFactory,
    FaqFactory,
    ScenarioFactory,
    ScenarioSlotFactory,
    ScenarioUtteranceFactory,
)
from tests.integrations.connect_stubs import client_error, stubbed

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    faq = FaqFactory(question="요금 납부일이 언제인가요?", answer="매월 25일입니다.")
    FaqAlternativeFactory(faq=faq, text="납부일 알려줘")
    FaqFactory(status=FaqStatus.DRAFT)  # not published: never pushed
    scenario = ScenarioFactory(code="bill_payment", name="미납 요금 결제")
    ScenarioUtteranceFactory(scenario=scenario, text="미납 요금 낼래요")
    ScenarioSlotFactory(
        scenario=scenario, name="phone", prompt="번호를 알려 주세요.", validator="phone"
    )
    return faq, scenario


def _counts(run: SyncRun) -> tuple[int, int, int, int]:
    return run.created, run.updated, run.deleted, run.unchanged


def test_it_pushes_faqs_and_scenarios_then_builds_and_a_second_run_changes_nothing(content):
    faq, _scenario = content
    twin = local_lex_models()

    first = lex_sync.lex_sync_intents()

    assert (first.status, _counts(first), first.detail) == (
        SyncStatus.SUCCEEDED,
        (2, 0, 0, 0),
        {"build": "Built"},
    )
    intents = {i["intentName"]: i for i in twin.intents.values()}
    assert set(intents) == {"FallbackIntent", f"FAQ_{faq.pk}", "bill_payment"}
    assert intents[f"FAQ_{faq.pk}"]["sampleUtterances"] == [
        {"utterance": "요금 납부일이 언제인가요"},
        {"utterance": "납부일 알려줘"},
    ]
    slot_id = twin.slots[intents["bill_payment"]["intentId"]]["phone"]
    assert intents["bill_payment"]["slotPriorities"] == [slot_id]

    rows = list(LexIntent.objects.values_list("name", "intent_id", "digest", "pushed_at"))
    twin_before = {k: dict(v) for k, v in twin.intents.items()}
    second = lex_sync.lex_sync_intents()
    assert _counts(second) == (0, 0, 0, 2) and second.detail == {}
    assert list(LexIntent.objects.values_list("name", "intent_id", "digest", "pushed_at")) == rows
    assert twin.intents == twin_before


def test_an_edited_faq_is_updated_and_an_archived_one_deleted(content):
    faq, _scenario = content
    lex_sync.lex_sync_intents()
    other = FaqFactory(question="해지 위약금")
    assert _counts(lex_sync.lex_sync_intents()) == (1, 0, 0, 2)

    faq.answer = "매월 말일입니다."
    faq.save()
    other.status = FaqStatus.ARCHIVED
    other.save()
    run = lex_sync.lex_sync_intents()

    assert _counts(run) == (0, 1, 1, 1)
    assert f"FAQ_{other.pk}" not in local_lex_models().list_intents()
    assert not LexIntent.objects.filter(name=f"FAQ_{other.pk}").exists()


def test_a_failed_build_is_stored_on_the_run_and_not_retried(content):
    local_lex_models().fail_next_build = ["Intent FAQ_1: duplicate utterance"]

    result = tasks.lex_sync_now.apply(throw=False)

    assert result.failed()
    run = SyncRun.objects.get()
    assert (run.status, run.error_code) == (SyncStatus.FAILED, "BuildFailed")
    assert "duplicate utterance" in run.error_message


def test_access_denied_from_lex_is_surfaced(content, settings, monkeypatch):
    settings.LEX_BOT_ID, settings.LEX_LOCALE_ID = "BOT1234567", "ko_KR"
    client, stubber = stubbed("lexv2-models")
    client_error(
        stubber,
        "list_intents",
        "AccessDeniedException",
        403,
        {"botId": "BOT1234567", "botVersion": "DRAFT", "localeId": "ko_KR", "maxResults": 1000},
    )
    monkeypatch.setattr(lex_sync, "get_lex_models", lambda: AwsLexModels(client))

    with stubber:
        result = tasks.lex_sync_now.apply(throw=False)

    assert result.failed()
    run = SyncRun.objects.get()
    assert (run.status, run.error_code) == (SyncStatus.FAILED, "AccessDeniedException")


def test_the_push_waits_for_a_quiet_minute_after_publishing(content):
    with freeze_time("2026-11-26 09:00:00"):
        ContentVersion.bump("faqs")
        assert lex_sync.lex_push_if_changed() is None  # first sight of the new stamp
    with freeze_time("2026-11-26 09:00:30"):
        ContentVersion.bump("faqs")  # another publish: the wait starts again
        assert lex_sync.lex_push_if_changed() is None
    with freeze_time("2026-11-26 09:01:00"):
        assert lex_sync.lex_push_if_changed() is None
    with freeze_time("2026-11-26 09:01:31"):
        run = lex_sync.lex_push_if_changed()
        assert run is not None and run.created == 2
        assert run.content_stamp == "faqs:2,scenarios:0"
    with freeze_time("2026-11-26 09:05:00"):
        assert lex_sync.lex_push_if_changed() is None  # nothing new since the push
