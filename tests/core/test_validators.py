from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.core.validators import validate_json_keys, validate_json_object, validate_string_list


@pytest.mark.parametrize("value", [[], ["general"], ["general", "요금"]])
def test_it_accepts_lists_of_strings(value) -> None:
    validate_string_list(value)


@pytest.mark.parametrize("value", [{"a": 1}, "general", 5, [1, 2], [""], ["general "], [None]])
def test_it_refuses_anything_else_as_a_string_list(value) -> None:
    with pytest.raises(ValidationError):
        validate_string_list(value)


@pytest.mark.parametrize("value", [[], "text", 5, None])
def test_it_refuses_non_objects(value) -> None:
    with pytest.raises(ValidationError):
        validate_json_object(value)


def test_it_accepts_known_keys_of_the_right_type() -> None:
    validate_json_keys({"days": 7}, {"days": int, "csat": bool})
    validate_json_keys({}, {"days": int})


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"day": 7}, "unknown_key"),
        ({"days": "7"}, "bad_type"),
        ({"days": True}, "bad_type"),  # bool is an int to isinstance
        ({"days": 7.5}, "bad_type"),
    ],
)
def test_it_refuses_unknown_keys_and_wrong_types(value, code) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_json_keys(value, {"days": int})

    assert exc.value.code == code
