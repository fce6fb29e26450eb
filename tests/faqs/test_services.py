from __future__ import annotations

import pytest

from apps.core.exceptions import ApplicationError
from apps.core.models import ContentVersion
from apps.faqs import services
from apps.faqs.models import Faq, FaqStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_sets_author_and_editor_on_create(draft_faq, supervisor) -> None:
    assert draft_faq.author == supervisor
    assert draft_faq.edited_by == supervisor
    assert list(draft_faq.alternatives.values_list("text", flat=True)) == ["배송 기간"]


def test_it_refuses_the_makers_own_publish(faq_in_review, supervisor) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.faq_publish(faq=faq_in_review, user=supervisor)

    assert exc.value.code == "maker_checker"
    assert "다른 관리자" in exc.value.message
    faq_in_review.refresh_from_db()
    assert faq_in_review.status == FaqStatus.REVIEW


def test_it_publishes_when_another_supervisor_checks(
    faq_in_review, other_supervisor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.faq_publish(faq=faq_in_review, user=other_supervisor)

    faq = Faq.objects.get(pk=faq_in_review.pk)
    assert faq.status == FaqStatus.PUBLISHED
    assert faq.published_by == other_supervisor
    assert faq.published_at is not None
    assert ContentVersion.current("faqs") == 1


def test_it_refuses_publish_without_the_permission(faq_in_review, qa_evaluator) -> None:
    with pytest.raises(ApplicationError, match="권한"):
        services.faq_publish(faq=faq_in_review, user=qa_evaluator)


def test_it_publishes_only_faqs_in_review(draft_faq, other_supervisor) -> None:
    with pytest.raises(ApplicationError, match="검토 중인 FAQ만"):
        services.faq_publish(faq=draft_faq, user=other_supervisor)


def test_it_bumps_the_index_only_after_commit(faq_in_review, other_supervisor) -> None:
    # Without running the on_commit callbacks the stamp does not move: the bot never sees
    # a version that could still be rolled back.
    services.faq_publish(faq=faq_in_review, user=other_supervisor)

    assert ContentVersion.current("faqs") == 0


def test_it_sends_an_edited_published_faq_back_to_review(
    faq_in_review, supervisor, other_supervisor, django_capture_on_commit_callbacks
) -> None:
    faq = services.faq_publish(faq=faq_in_review, user=other_supervisor)
    faq.answer = "보통 1~2일 걸립니다."
    with django_capture_on_commit_callbacks(execute=True):
        services.faq_save(faq=faq, user=other_supervisor)

    faq.refresh_from_db()
    assert faq.status == FaqStatus.REVIEW
    assert faq.edited_by == other_supervisor
    assert ContentVersion.current("faqs") == 1
    # Now the original author is the checker of other_supervisor's change.
    services.faq_publish(faq=faq, user=supervisor)


def test_it_archives_and_bumps_a_published_faq(
    faq_in_review, other_supervisor, django_capture_on_commit_callbacks
) -> None:
    services.faq_publish(faq=faq_in_review, user=other_supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        faq = services.faq_archive(faq=faq_in_review, user=other_supervisor)

    assert faq.status == FaqStatus.ARCHIVED
    assert ContentVersion.current("faqs") == 1


def test_it_reverts_to_old_text_and_asks_for_review_again(
    faq_in_review, supervisor, other_supervisor
) -> None:
    original = faq_in_review.history.earliest()
    faq = services.faq_publish(faq=faq_in_review, user=other_supervisor)
    faq.question, faq.answer = "배송 기간이 궁금해요", "새 답변"
    services.faq_save(faq=faq, user=supervisor, alternatives=["새 대체 질문"])
    services.faq_publish(faq=faq, user=other_supervisor)
    reverter = UserFactory(username="supervisor3", roles=["supervisor"])

    faq = services.faq_revert(faq=faq, history_id=original.history_id, user=reverter)

    faq.refresh_from_db()
    assert (faq.question, faq.answer) == ("배송은 얼마나 걸리나요?", "보통 2~3일 걸립니다.")
    assert list(faq.alternatives.values_list("text", flat=True)) == ["배송 기간"]
    assert faq.status == FaqStatus.REVIEW
    assert faq.edited_by == reverter
    assert faq.history.first().history_change_reason.endswith("버전으로 되돌림")
    with pytest.raises(ApplicationError):
        services.faq_publish(faq=faq, user=reverter)


def test_it_refuses_a_version_of_another_faq(draft_faq, supervisor) -> None:
    other = services.faq_save(
        faq=Faq(category=draft_faq.category, question="다른 질문", answer="답"), user=supervisor
    )
    with pytest.raises(ApplicationError, match="버전"):
        services.faq_revert(
            faq=draft_faq, history_id=other.history.first().history_id, user=supervisor
        )


def test_it_never_creates_a_published_faq(supervisor, draft_faq) -> None:
    faq = Faq(category=draft_faq.category, question="q", answer="a", status=FaqStatus.PUBLISHED)

    with pytest.raises(ApplicationError):
        services.faq_save(faq=faq, user=supervisor)
