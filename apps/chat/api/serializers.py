"""Shared field definitions and the error envelope for the chat API schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from apps.core.text import MAX_MESSAGE_LENGTH

CHANNELS = ["web", "mobile", "voice", "kakao"]
NEXT_ACTIONS = ["ANSWER", "ASK_SLOT", "CLARIFY", "FALLBACK", "QUEUED", "WITH_AGENT", "END"]


# The same rules as apps.core.text, written as patterns so the OpenAPI schema states them:
# no control characters (C0, DEL, C1); a message needs one visible character. Lone surrogates
# are refused by a separate check: schemathesis drops patterns with surrogate ranges.
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
TEXT_PATTERN = rf"^{_ALLOWED}*$"
MESSAGE_PATTERN = rf"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"


def no_surrogates(value: str) -> None:
    # PostgreSQL cannot store a lone surrogate ("\ud800" in JSON decodes to one).
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise serializers.ValidationError(_("쓸 수 없는 문자가 있습니다."))


no_control_characters: list[Callable[[str], None]] = [
    RegexValidator(TEXT_PATTERN, _("제어 문자는 쓸 수 없습니다.")),
    no_surrogates,
]


class JsonTypeMixin:
    """Refuse a JSON value of another type instead of coercing it.

    DRF turns 123 into "123" for a CharField, 5 into a UUID and "true" into True. The schema
    promises types, so a body that breaks them is a 400 naming the field, not a guess.
    """

    json_types: tuple[type, ...] = (str,)

    def to_internal_value(self, data: Any) -> Any:
        wrong_bool = isinstance(data, bool) and bool not in self.json_types
        if wrong_bool or not isinstance(data, self.json_types):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictCharField(JsonTypeMixin, serializers.CharField):
    pass


class StrictRegexField(JsonTypeMixin, serializers.RegexField):
    pass


class StrictEmailField(JsonTypeMixin, serializers.EmailField):
    pass


class StrictUUIDField(JsonTypeMixin, serializers.UUIDField):
    pass


class StrictIntegerField(JsonTypeMixin, serializers.IntegerField):
    json_types = (int,)


class StrictBooleanField(JsonTypeMixin, serializers.BooleanField):
    json_types = (bool,)


class UserIdField(StrictRegexField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            r"^[A-Za-z0-9._:@\-]{1,128}$",
            max_length=128,
            error_messages={"invalid": _("영문, 숫자와 . _ : @ - 만 쓸 수 있습니다(128자 이내).")},
            **kwargs,
        )


class MessageTextField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=MAX_MESSAGE_LENGTH,
            trim_whitespace=True,
            allow_blank=False,
            validators=[
                RegexValidator(MESSAGE_PATTERN, _("제어 문자는 쓸 수 없습니다.")),
                no_surrogates,
            ],
            **kwargs,
        )


class ClientMessageIdField(StrictRegexField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(r"^[A-Za-z0-9._:\-]{1,64}$", max_length=64, **kwargs)


class EscalationSerializer(serializers.Serializer):
    queue = serializers.CharField()
    position = serializers.IntegerField()
    estimated_wait_seconds = serializers.IntegerField()


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "입력 오류",
        401: "인증 필요",
        403: "권한 없음",
        404: "찾을 수 없음",
        409: "상태 충돌",
        413: "본문이 너무 큼",
        415: "지원하지 않는 형식",
        429: "요청 한도 초과",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }
