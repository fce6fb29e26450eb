"""The bot index follows published content in every process, without a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from apps.core.models import ContentVersion
from apps.faqs.models import FaqStatus
from apps.nlu import index as bot_index
from tests.factories import FaqFactory, ScenarioFactory, ScenarioUtteranceFactory

pytestmark = pytest.mark.django_db


def keys() -> set[str]:
    return set(bot_index.get_bot_index(force_check=True).labels)


def test_it_indexes_live_faqs_and_active_scenarios_only():
    live = FaqFactory(question="요금제 변경")
    FaqFactory(question="초안", status=FaqStatus.DRAFT)
    FaqFactory(question="보관", status=FaqStatus.ARCHIVED)
    scenario = ScenarioFactory(code="order_status")
    ScenarioUtteranceFactory(scenario=scenario, text="배송 조회")
    ScenarioUtteranceFactory(scenario=ScenarioFactory(is_active=False), text="꺼진 시나리오")

    assert keys() == {f"faq:{live.pk}", "scenario:order_status"}


def test_publishing_reaches_the_index_when_the_stamp_moves():
    FaqFactory(question="요금제 변경")
    before = keys()
    faq = FaqFactory(question="유심 재발급", status=FaqStatus.DRAFT)

    faq.status = FaqStatus.PUBLISHED
    faq.save()
    ContentVersion.bump("faqs")

    assert keys() == before | {f"faq:{faq.pk}"}


def test_archiving_leaves_the_index():
    faq = FaqFactory(question="요금제 변경")
    assert f"faq:{faq.pk}" in keys()

    faq.status = FaqStatus.ARCHIVED
    faq.save()
    ContentVersion.bump("faqs")

    assert f"faq:{faq.pk}" not in keys()


def test_between_checks_it_costs_no_query(django_assert_num_queries):
    FaqFactory(question="요금제 변경")
    bot_index.get_bot_index(force_check=True)

    with django_assert_num_queries(0):
        bot_index.get_bot_index()


def test_a_validity_window_opening_rebuilds_without_any_publish():
    now = timezone.now()
    faq = FaqFactory(question="연말 이벤트", valid_from=now + timedelta(hours=1))
    assert f"faq:{faq.pk}" not in keys()

    with freeze_time(now + timedelta(hours=2)):
        assert f"faq:{faq.pk}" in keys()
