"""Shape checks for what people type or post: JSON columns edited as text in the admin, ids.

A JSONField takes any JSON, but the code reading these columns expects one shape: a skills
list of strings, a params object. Django runs field validators only on non-empty values of a
blank=True field, so JSON null never reaches them; the models deal with it in clean().
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def empty_when_null(instance: Any, **empties: Any) -> None:
    """Read JSON null in these NOT NULL columns as their empty value, for a model's clean().

    An emptied admin box arrives as None, and the field validators never see it (above).
    """
    for name, empty in empties.items():
        if getattr(instance, name) is None:
            setattr(instance, name, empty)


def validate_string_list(value: Any) -> None:
    """A list of non-empty strings without surrounding spaces (skills and tags compare exactly)."""
    if not isinstance(value, list):
        raise ValidationError(
            _('문자열 목록이어야 합니다. 예: ["general", "billing"]'), code="not_a_list"
        )
    if not all(isinstance(item, str) and item and item == item.strip() for item in value):
        raise ValidationError(
            _("목록의 항목은 앞뒤 공백이 없는 비어 있지 않은 문자열이어야 합니다."),
            code="bad_item",
        )


def validate_json_object(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_('JSON 객체여야 합니다. 예: {"key": "value"}'), code="not_an_object")


def _type_name(kind: type) -> str:
    names = {str: _("문자열"), int: _("정수"), bool: _("true 또는 false")}
    return str(names.get(kind, kind.__name__))


def validate_json_keys(value: dict[str, Any], types: Mapping[str, type]) -> None:
    """Only the keys in `types`, each of its type; a typo would otherwise be silently ignored."""
    unknown = sorted(set(value) - set(types))
    if unknown:
        raise ValidationError(
            _("알 수 없는 매개변수입니다: %(keys)s. 쓸 수 있는 매개변수: %(allowed)s"),
            code="unknown_key",
            params={"keys": ", ".join(unknown), "allowed": ", ".join(types) or "-"},
        )
    for key, kind in types.items():
        if key not in value:
            continue
        item = value[key]
        # bool is a subclass of int: true must not pass for a number of days.
        if not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
            raise ValidationError(
                _("매개변수 %(key)s은(는) %(type)s이어야 합니다."),
                code="bad_type",
                params={"key": key, "type": _type_name(kind)},
            )


def is_primary_key(model: Any, value: str) -> bool:
    """Whether value can be a primary key of model: parses and is in the column's range."""
    field = model._meta.pk
    while field.is_relation:  # a parent link: the key is the parent's
        field = field.target_field
    try:
        # Integer fields carry their database range as validators.
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True
