from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.core.models import ContentVersion
from apps.faqs.models import Faq, FaqStatus
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _changelist() -> str:
    # Resolved per test: importing the URLconf at collection time would import every app's views.
    return reverse("admin:faqs_faq_changelist")


@pytest.fixture
def client_as_other(other_supervisor) -> Client:
    client = Client()
    client.force_login(other_supervisor)
    return client


def _action(client: Client, action: str, *faqs: Faq):
    data = {"action": action, "_selected_action": [faq.pk for faq in faqs]}
    return client.post(_changelist(), data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form_data(faq: Faq, alternatives: list[str], **changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "category": faq.category_id,
        "question": faq.question,
        "answer": faq.answer,
        "channels": ["web", "mobile", "voice"],
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "alternatives-TOTAL_FORMS": len(alternatives) + 1,
        "alternatives-INITIAL_FORMS": faq.alternatives.count(),
    }
    existing = list(faq.alternatives.all())
    for i, text in enumerate(alternatives):
        data[f"alternatives-{i}-text"] = text
        data[f"alternatives-{i}-faq"] = faq.pk
        if i < len(existing):
            data[f"alternatives-{i}-id"] = existing[i].pk
    data.update(changes)
    return data


def test_it_creates_a_draft_with_author_and_alternatives(client_as_supervisor, supervisor) -> None:
    category = CategoryFactory()
    data = {
        "category": category.pk,
        "question": "환불은 언제 되나요?",
        "answer": "3영업일 이내입니다.",
        "channels": ["web"],
        "alternatives-TOTAL_FORMS": 1,
        "alternatives-INITIAL_FORMS": 0,
        "alternatives-0-text": "환불 기간",
    }
    response = client_as_supervisor.post(reverse("admin:faqs_faq_add"), data)

    assert response.status_code == 302
    faq = Faq.objects.get(question="환불은 언제 되나요?")
    assert (faq.status, faq.author, faq.edited_by) == (FaqStatus.DRAFT, supervisor, supervisor)
    assert list(faq.alternatives.values_list("text", flat=True)) == ["환불 기간"]


def test_it_counts_an_alternatives_only_change_as_an_edit(
    faq_in_review, client_as_other, other_supervisor
) -> None:
    url = reverse("admin:faqs_faq_change", args=[faq_in_review.pk])
    data = _form_data(faq_in_review, ["배송 기간", "배송 며칠"])

    response = client_as_other.post(url, data)

    assert response.status_code == 302
    faq_in_review.refresh_from_db()
    assert faq_in_review.edited_by == other_supervisor
    assert faq_in_review.alternatives.count() == 2


def test_it_refuses_the_authors_publish_and_accepts_another_supervisors(
    faq_in_review,
    client_as_supervisor,
    client_as_other,
    other_supervisor,
    django_capture_on_commit_callbacks,
) -> None:
    response = _action(client_as_supervisor, "publish", faq_in_review)

    assert any("직접 게시할 수 없습니다" in m for m in _messages(response))
    faq_in_review.refresh_from_db()
    assert faq_in_review.status == FaqStatus.REVIEW

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client_as_other, "publish", faq_in_review)

    assert any("게시했습니다" in m for m in _messages(response))
    faq_in_review.refresh_from_db()
    assert faq_in_review.status == FaqStatus.PUBLISHED
    assert faq_in_review.published_by == other_supervisor
    assert ContentVersion.current("faqs") == 1


def test_it_submits_and_archives_through_actions(draft_faq, client_as_supervisor) -> None:
    _action(client_as_supervisor, "submit_for_review", draft_faq)
    draft_faq.refresh_from_db()
    assert draft_faq.status == FaqStatus.REVIEW

    _action(client_as_supervisor, "archive", draft_faq)
    draft_faq.refresh_from_db()
    assert draft_faq.status == FaqStatus.ARCHIVED


def test_it_keeps_status_out_of_the_edit_form(faq_in_review, client_as_supervisor) -> None:
    url = reverse("admin:faqs_faq_change", args=[faq_in_review.pk])
    data = _form_data(faq_in_review, ["배송 기간"], status="published")

    client_as_supervisor.post(url, data)

    faq_in_review.refresh_from_db()
    assert faq_in_review.status == FaqStatus.REVIEW


def test_it_shows_versions_with_changes_and_reverts_old_text(
    faq_in_review, client_as_supervisor, client_as_other, other_supervisor
) -> None:
    original = faq_in_review.history.earliest()
    url = reverse("admin:faqs_faq_change", args=[faq_in_review.pk])
    client_as_other.post(url, _form_data(faq_in_review, ["배송 기간"], answer="새 답변입니다."))
    _action(client_as_supervisor, "publish", faq_in_review)
    faq_in_review.refresh_from_db()
    assert (faq_in_review.answer, faq_in_review.status) == ("새 답변입니다.", FaqStatus.PUBLISHED)

    history = client_as_supervisor.get(reverse("admin:faqs_faq_history", args=[faq_in_review.pk]))
    content = history.content.decode()
    assert "보통 2~3일 걸립니다." in content and "새 답변입니다." in content  # the diff column
    assert faq_in_review.history.count() >= 4

    revert_url = reverse(
        "admin:faqs_faq_simple_history", args=[faq_in_review.pk, original.history_id]
    )
    assert client_as_supervisor.get(revert_url).status_code == 200
    response = client_as_supervisor.post(revert_url, {}, follow=True)

    assert any("되돌렸습니다" in m for m in _messages(response))
    faq_in_review.refresh_from_db()
    assert faq_in_review.answer == "보통 2~3일 걸립니다."
    assert faq_in_review.status == FaqStatus.REVIEW
    assert faq_in_review.edited_by.username == "supervisor1"


def test_it_filters_and_searches_alternatives(draft_faq, client_as_supervisor) -> None:
    response = client_as_supervisor.get(_changelist(), {"q": "배송 기간", "status__exact": "draft"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [draft_faq]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "{pk}/history/abc/"),
        ("post", "{pk}/history/abc/"),
        ("get", "{pk}/history/²/"),
        ("get", "abc/history/{version}/"),
        ("post", "abc/history/{version}/"),
        ("get", "abc/history/"),
    ],
)
def test_it_answers_non_numeric_history_ids_with_404(
    method, path, draft_faq, client_as_supervisor
) -> None:
    version = draft_faq.history.earliest().history_id
    url = _changelist() + path.format(pk=draft_faq.pk, version=version)

    assert getattr(client_as_supervisor, method)(url).status_code == 404
    draft_faq.refresh_from_db()
    assert draft_faq.status == FaqStatus.DRAFT
