from __future__ import annotations

import pytest

from apps.faqs import services
from apps.faqs.models import Faq, FaqStatus
from tests.factories import CategoryFactory


@pytest.fixture
def draft_faq(supervisor) -> Faq:
    """A draft written by `supervisor` through the service, so author/edited_by are set."""
    faq = Faq(
        category=CategoryFactory(name="배송"),
        question="배송은 얼마나 걸리나요?",
        answer="보통 2~3일 걸립니다.",
        status=FaqStatus.DRAFT,
    )
    return services.faq_save(faq=faq, user=supervisor, alternatives=["배송 기간"])


@pytest.fixture
def faq_in_review(draft_faq, supervisor) -> Faq:
    return services.faq_submit_for_review(faq=draft_faq, user=supervisor)
