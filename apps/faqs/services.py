"""FAQ writes: edit, review, publish (maker-checker), archive, revert.

Every change to what the bot may answer with bumps the "faqs" content version after commit; the
NLU index of every process compares its stamp with that row and rebuilds (DESIGN §5).

Workflow: draft → review → published → archived. A content change to a published FAQ (an edit,
an import or a revert) sends it back to review, so no text reaches customers without a second
person's approval; it leaves the bot until then.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.models import ContentVersion
from apps.faqs.models import Faq, FaqAlternative, FaqStatus

CONTENT_VERSION_KEY = "faqs"
# The fields a revert restores and an import compares; status and approval stay with the workflow.
CONTENT_FIELDS = ("category_id", "question", "answer", "channels", "valid_from", "valid_until")


def _bump_on_commit() -> None:
    transaction.on_commit(lambda: ContentVersion.bump(CONTENT_VERSION_KEY))


def _locked(faq: Faq) -> Faq:
    # Re-read under a row lock so two supervisors clicking "publish" at once cannot both pass.
    return Faq.objects.select_for_update().get(pk=faq.pk)


def _save_transition(faq: Faq, user: User, fields: list[str]) -> None:
    faq._history_user = user  # type: ignore[attr-defined]
    faq.save(update_fields=[*fields, "updated_at"])


def faq_set_alternatives(*, faq: Faq, texts: Iterable[str]) -> None:
    """Make the FAQ's alternative questions exactly `texts` (blanks and repeats dropped)."""
    wanted = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    faq.alternatives.exclude(text__in=wanted).delete()
    existing = set(faq.alternatives.values_list("text", flat=True))
    for text in wanted:
        if text not in existing:
            FaqAlternative.objects.create(faq=faq, text=text)


@transaction.atomic
def faq_save(
    *,
    faq: Faq,
    user: User,
    alternatives: Iterable[str] | None = None,
    content_changed: bool = True,
) -> Faq:
    """Create or update an FAQ as `user`, the maker of this content.

    Sets `author` on create and `edited_by` on every content change; a changed published FAQ
    goes back to review. The admin saves alternatives through its inline after this call.
    """
    is_new = faq.pk is None
    if is_new and faq.status == FaqStatus.PUBLISHED:
        raise ApplicationError(
            "새 FAQ는 바로 게시할 수 없습니다. 검토 요청 후 다른 관리자가 게시합니다."
        )
    was_published = not is_new and _stored_status(faq) == FaqStatus.PUBLISHED
    if is_new:
        faq.author = user
    if content_changed:
        faq.edited_by = user
        if was_published and faq.status == FaqStatus.PUBLISHED:
            faq.status = FaqStatus.REVIEW
    faq._history_user = user  # type: ignore[attr-defined]
    faq.save()
    if alternatives is not None:
        faq_set_alternatives(faq=faq, texts=alternatives)
    if was_published:
        _bump_on_commit()
    return faq


def _stored_status(faq: Faq) -> str | None:
    return Faq.objects.filter(pk=faq.pk).values_list("status", flat=True).first()


@transaction.atomic
def faq_submit_for_review(*, faq: Faq, user: User) -> Faq:
    faq = _locked(faq)
    if faq.status not in (FaqStatus.DRAFT, FaqStatus.ARCHIVED):
        raise ApplicationError(
            f"'{faq}': 초안 또는 보관 상태의 FAQ만 검토를 요청할 수 있습니다 "
            f"(현재 {faq.get_status_display()})."
        )
    faq.status = FaqStatus.REVIEW
    _save_transition(faq, user, ["status"])
    return faq


@transaction.atomic
def faq_publish(*, faq: Faq, user: User) -> Faq:
    """Publish an FAQ in review. The checker must differ from whoever last changed its content."""
    if not user.has_perm("faqs.publish_faq"):
        raise ApplicationError("FAQ 게시 승인 권한이 없습니다.", code="permission_denied")
    faq = _locked(faq)
    if faq.status != FaqStatus.REVIEW:
        raise ApplicationError(
            f"'{faq}': 검토 중인 FAQ만 게시할 수 있습니다 (현재 {faq.get_status_display()})."
        )
    if faq.edited_by_id is not None and faq.edited_by_id == user.pk:
        raise ApplicationError(
            f"'{faq}': 마지막으로 내용을 수정한 사람은 직접 게시할 수 없습니다. "
            "다른 관리자가 검토한 뒤 게시해야 합니다.",
            code="maker_checker",
        )
    faq.status = FaqStatus.PUBLISHED
    faq.published_by = user
    faq.published_at = timezone.now()
    _save_transition(faq, user, ["status", "published_by", "published_at"])
    _bump_on_commit()
    return faq


@transaction.atomic
def faq_archive(*, faq: Faq, user: User) -> Faq:
    faq = _locked(faq)
    if faq.status == FaqStatus.ARCHIVED:
        raise ApplicationError(f"'{faq}': 이미 보관된 FAQ입니다.")
    was_published = faq.status == FaqStatus.PUBLISHED
    faq.status = FaqStatus.ARCHIVED
    _save_transition(faq, user, ["status"])
    if was_published:
        _bump_on_commit()
    return faq


@transaction.atomic
def faq_delete(*, faq: Faq) -> None:
    if faq.status == FaqStatus.PUBLISHED:
        _bump_on_commit()
    faq.delete()


def _alternatives_of_version(faq: Faq, history_date: object) -> list[str]:
    """Alternative questions as they stood while version `history_date` was current.

    The admin and the importer save the FAQ row first and its alternatives right after, so the
    alternatives of a version are the ones in place just before the next FAQ version was written.
    """
    later = faq.history.filter(history_date__gt=history_date).order_by("history_date").first()
    cutoff = later.history_date if later else timezone.now()
    return [
        alt.text
        for alt in FaqAlternative.history.as_of(cutoff).filter(faq_id=faq.pk).order_by("id")
    ]


@transaction.atomic
def faq_revert(*, faq: Faq, history_id: int, user: User) -> Faq:
    """Restore the content of an earlier version. This is a content change by `user`:
    `edited_by` becomes the reverter and a published FAQ goes back to review."""
    record = faq.history.filter(history_id=history_id).first()
    if record is None:
        raise ApplicationError("되돌릴 버전을 찾을 수 없습니다.", code="not_found")
    for field in CONTENT_FIELDS:
        setattr(faq, field, getattr(record, field))
    faq._change_reason = f"{record.history_date:%Y-%m-%d %H:%M} 버전으로 되돌림"  # type: ignore[attr-defined]
    alternatives = _alternatives_of_version(faq, record.history_date)
    return faq_save(faq=faq, user=user, alternatives=alternatives)
