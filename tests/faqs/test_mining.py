from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.chat.models import MessageSender
from apps.faqs import mining, services
from apps.faqs.models import Faq, FaqCandidate, FaqCandidateStatus, FaqStatus
from apps.faqs.tasks import mine_candidates
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

DELIVERY = ["배송이 너무 늦어요", "택배 언제 와요", "배송 지연되고 있어요", "택배가 안와요"]
PASSWORD = ["비밀번호를 잊어버렸어요", "비번 재설정 어떻게 해요", "비밀번호 변경하고 싶어요"]


def _asked(
    text: str,
    *,
    action: str = "FALLBACK",
    confidence: float | None = 0.05,
    intent: str = "fallback",
    days_ago: float = 1,
):
    """A customer question and the bot reply it got."""
    at = timezone.now() - timedelta(days=days_ago)
    conversation = ConversationFactory()
    question = MessageFactory(conversation=conversation, seq=1, text=text, created_at=at)
    MessageFactory(
        conversation=conversation,
        seq=2,
        sender=MessageSender.BOT,
        text="…",
        next_action=action,
        intent=intent,
        confidence=confidence,
        reply_to=question,
        created_at=at,
    )
    return question


def _groups(clusters: list[mining.Cluster]) -> list[set[str]]:
    return [{e["text"] for e in c.examples} for c in clusters]


def test_paraphrases_of_one_question_cluster_together_and_topics_separate():
    messages = [(i, t) for i, t in enumerate([*DELIVERY, *PASSWORD, "배송이 너무 늦어요"])]

    clusters = mining.cluster_questions(messages)

    assert _groups(clusters) == [set(DELIVERY), set(PASSWORD)]
    assert [c.count for c in clusters] == [5, 3]
    assert clusters[0].label in DELIVERY
    assert "~배송" in clusters[0].signature


def test_it_mines_fallbacks_and_low_confidence_answers_only():
    _asked("배송이 너무 늦어요")
    _asked("택배 언제 와요", action="CLARIFY", intent="faq:1", confidence=0.14)
    _asked("배송 지연되고 있어요", action="ANSWER", intent="faq:1", confidence=0.2)
    _asked("택배가 안와요", action="QUEUED", intent="fallback")  # hand-off after misses
    _asked("배송 조회는 어디서 해요", action="ANSWER", intent="faq:1", confidence=0.9)
    _asked("배송이 느려요", days_ago=10)  # before the 7-day period

    candidates = mining.faq_candidates_mine()

    assert len(candidates) == 1
    assert set(candidates[0].example_texts) == set(DELIVERY)
    assert candidates[0].count == 4


def test_a_run_replaces_new_candidates_and_keeps_decided_ones(supervisor):
    for text in [*DELIVERY, *PASSWORD]:
        _asked(text)
    first = mining.faq_candidates_mine()
    drafted = next(c for c in first if "~비밀번호" in c.signature)
    mining.faq_candidate_create_draft(candidate=drafted, user=supervisor)

    second = mine_candidates.delay().get()
    third = mine_candidates.delay().get()

    assert second == third == 1
    assert FaqCandidate.objects.filter(status=FaqCandidateStatus.NEW).count() == 1
    assert FaqCandidate.objects.filter(status=FaqCandidateStatus.DRAFTED).count() == 1


def test_singletons_are_not_offered():
    _asked("배송이 너무 늦어요")
    _asked("비밀번호를 잊어버렸어요")

    assert mining.faq_candidates_mine() == []


def test_drafting_creates_a_draft_faq_in_the_review_workflow(supervisor):
    for text in DELIVERY:
        _asked(text)
    candidate = mining.faq_candidates_mine()[0]

    faq = mining.faq_candidate_create_draft(candidate=candidate, user=supervisor)

    candidate.refresh_from_db()
    assert (faq.status, faq.author, faq.edited_by) == (FaqStatus.DRAFT, supervisor, supervisor)
    assert faq.question == candidate.label
    assert set(faq.alternatives.values_list("text", flat=True)) == set(DELIVERY) - {faq.question}
    assert (candidate.status, candidate.faq) == (FaqCandidateStatus.DRAFTED, faq)
    assert services.faq_submit_for_review(faq=faq, user=supervisor).status == FaqStatus.REVIEW


def test_the_admin_action_drafts_the_faq_and_shows_escaped_examples(client_as_supervisor):
    _asked("<b>배송</b>이 너무 늦어요")
    for text in DELIVERY:
        _asked(text)
    candidate = mining.faq_candidates_mine()[0]
    url = reverse("admin:faqs_faqcandidate_changelist")

    page = client_as_supervisor.get(url).content.decode()
    response = client_as_supervisor.post(
        url, {"action": "create_draft", "_selected_action": [candidate.pk]}, follow=True
    )

    assert "&lt;b&gt;배송&lt;/b&gt;" in page and "<b>배송</b>" not in page
    assert response.status_code == 200
    faq = Faq.objects.get()
    assert faq.status == FaqStatus.DRAFT
    candidate.refresh_from_db()
    assert candidate.status == FaqCandidateStatus.DRAFTED
    # A second click on the same candidate makes nothing new.
    client_as_supervisor.post(url, {"action": "create_draft", "_selected_action": [candidate.pk]})
    assert Faq.objects.count() == 1


def test_candidates_cannot_be_added_or_edited_by_hand(client_as_supervisor):
    for text in DELIVERY:
        _asked(text)
    candidate = mining.faq_candidates_mine()[0]

    assert client_as_supervisor.get(reverse("admin:faqs_faqcandidate_add")).status_code == 403
    page = client_as_supervisor.get(reverse("admin:faqs_faqcandidate_change", args=[candidate.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_the_weekly_schedule_exists():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="faqs.mine_candidates")
    assert (task.crontab.day_of_week, task.crontab.hour, task.enabled) == ("1", "5", True)
