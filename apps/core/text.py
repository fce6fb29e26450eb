"""Checks on text that customers send, shared by the chat service and the API."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.exceptions import ApplicationError

MAX_MESSAGE_LENGTH = 2000
# Line breaks and tabs are ordinary in chat; other control characters are not text.
ALLOWED_CONTROL = {"\n", "\r", "\t"}


def has_control_characters(text: str) -> bool:
    return any(
        unicodedata.category(ch) in ("Cc", "Cs") and ch not in ALLOWED_CONTROL for ch in text
    )


def validate_no_control_characters(value: str) -> None:
    """A form/model field validator: text people read and export has no control characters."""
    if has_control_characters(value):
        raise ValidationError(_("제어 문자는 쓸 수 없습니다."), code="control_characters")


def clean_message_text(text: str, field: str = "message") -> str:
    """Trim and check a customer message: 1–2,000 characters, no control characters."""
    if not isinstance(text, str):
        raise ApplicationError(
            _("메시지는 문자열이어야 합니다."), {field: [_("문자열이 아닙니다.")]}
        )
    cleaned = text.strip()
    if not cleaned:
        raise ApplicationError(_("메시지를 입력해 주세요."), {field: [_("빈 메시지입니다.")]})
    if len(cleaned) > MAX_MESSAGE_LENGTH:
        raise ApplicationError(
            _("메시지는 2,000자 이하로 입력해 주세요."),
            {field: [_("%(n)d자를 넘었습니다.") % {"n": MAX_MESSAGE_LENGTH}]},
        )
    if has_control_characters(cleaned):
        raise ApplicationError(
            _("메시지에 쓸 수 없는 제어 문자가 있습니다."), {field: [_("제어 문자가 있습니다.")]}
        )
    return cleaned
