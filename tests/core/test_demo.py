"""The demo loader gives a fresh portal something to show on every page, and can run twice."""

from __future__ import annotations

import pytest

from apps.core.demo.content import load_content
from apps.evaluations.models import BannedPhrase, MandatoryNotice, SamplingRule
from apps.faqs.models import Faq
from apps.monitoring.models import AlertRule
from apps.reports.models import ReportDefinition

pytestmark = pytest.mark.django_db


def test_demo_content_fills_qa_alerts_and_reports_and_loads_twice_without_duplicates():
    load_content()
    counts = (
        Faq.objects.count(),
        SamplingRule.objects.count(),
        BannedPhrase.objects.count(),
        MandatoryNotice.objects.count(),
        AlertRule.objects.count(),
        ReportDefinition.objects.count(),
    )
    load_content()

    assert counts == (
        Faq.objects.count(),
        SamplingRule.objects.count(),
        BannedPhrase.objects.count(),
        MandatoryNotice.objects.count(),
        AlertRule.objects.count(),
        ReportDefinition.objects.count(),
    )
    assert counts[0] >= 70
    assert set(SamplingRule.objects.values_list("kind", flat=True)) == {
        "random",
        "low_csat",
        "long_handle",
    }
    for rule in AlertRule.objects.all():
        rule.full_clean()  # what admin would accept, recipients included
    assert MandatoryNotice.objects.filter(name="본인 확인").exists()
