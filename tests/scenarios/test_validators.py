from __future__ import annotations

import pytest
from freezegun import freeze_time

from apps.scenarios.models import ScenarioSlot, SlotValidator
from apps.scenarios.validators import is_safe_pattern, validate_slot

MONTHS = ["이번 달", "지난 달"]
TIME_SLOTS = ["오전 10~12시", "오후 1~5시", "저녁 5~8시"]
STORES = ["강남역점", "홍대입구점", "부산서면점", "대전둔산점"]


def _slot(validator: str, **kwargs: object) -> ScenarioSlot:
    return ScenarioSlot(name="s", prompt="?", validator=validator, **kwargs)


CHOICE_CASES = [
    (MONTHS, "이번 달", "이번 달"),
    (MONTHS, "이번달", "이번 달"),
    (MONTHS, "지난달 요금", "지난 달"),
    (MONTHS, "지난 달이요!", "지난 달"),
    (MONTHS, "1", "이번 달"),
    (MONTHS, "2번", "지난 달"),
    (MONTHS, "첫 번째", "이번 달"),
    (MONTHS, "두번째요", "지난 달"),
    (MONTHS, "지난", "지난 달"),
    (MONTHS, "3", None),
    (MONTHS, "이번 달 말고 지난 달", None),
    (MONTHS, "다음 달", None),
    (TIME_SLOTS, "오후요", "오후 1~5시"),
    (TIME_SLOTS, "저녁이요", "저녁 5~8시"),
    (TIME_SLOTS, "1", None),  # choices carry digits, so a bare "1" is not an ordinal
    (TIME_SLOTS, "1번", "오전 10~12시"),
    (STORES, "강남으로 할게요", "강남역점"),
    (STORES, "부산 서면점이요", "부산서면점"),
    (STORES, "서울", None),
    (STORES, "", None),
]


@pytest.mark.parametrize(("choices", "text", "expected"), CHOICE_CASES)
def test_choice(choices: list[str], text: str, expected: str | None) -> None:
    result = validate_slot(_slot("choice", choices=choices), text)
    assert result.ok is (expected is not None)
    assert result.value == expected


NUMBER_CASES = [
    ("3", "3"),
    ("3개", "3"),
    ("3개 주세요", "3"),
    ("세 개", "3"),
    ("세 개요", "3"),
    ("삼", "3"),
    ("열두 개", "12"),
    ("스물하나", "21"),
    ("스무 개", "20"),
    ("하나요", "1"),
    ("십이", "12"),
    ("이만오천", "25000"),
    ("1,000원", "1000"),
    ("네", None),
    ("두", None),
    ("11월 3일", None),
    ("많이", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_number(text: str, expected: str | None) -> None:
    result = validate_slot(_slot("number"), text)
    assert (result.ok, result.value) == (expected is not None, expected)


# 2026-11-26 12:00 in Seoul is a Thursday.
DATE_CASES = [
    ("2026-11-28", "2026-11-28"),
    ("2026.12.03", "2026-12-03"),
    ("2026년 12월 3일", "2026-12-03"),
    ("11/28", "2026-11-28"),
    ("11월 28일", "2026-11-28"),
    ("28일", "2026-11-28"),
    ("오늘", "2026-11-26"),
    ("내일", "2026-11-27"),
    ("모레", "2026-11-28"),
    ("내일모레요", "2026-11-28"),
    ("다음 주 월요일", "2026-11-30"),
    ("이번 주 금요일", "2026-11-27"),
    ("다음주 수요일에 갈게요", "2026-12-02"),
    ("토요일", "2026-11-28"),
    ("2026-02-30", None),
    ("13월 1일", None),
    ("아무 때나", None),
]


@freeze_time("2026-11-26 03:00:00")  # UTC; 12:00 in Asia/Seoul
@pytest.mark.parametrize(("text", "expected"), DATE_CASES)
def test_date(text: str, expected: str | None) -> None:
    result = validate_slot(_slot("date"), text)
    assert (result.ok, result.value) == (expected is not None, expected)


@freeze_time("2026-11-26 16:00:00")  # already the 27th in Seoul
def test_date_is_relative_to_seoul_not_utc() -> None:
    result = validate_slot(_slot("date"), "내일")
    assert result.value == "2026-11-28"
    assert result.display == "2026년 11월 28일 (토)"


PHONE_CASES = [
    ("010-1234-5678", "010-1234-5678"),
    ("01012345678", "010-1234-5678"),
    ("제 번호는 010 1234 5678이에요", "010-1234-5678"),
    ("010.1234.5678", "010-1234-5678"),
    ("+82 10-1234-5678", "010-1234-5678"),
    ("02-123-4567", "02-123-4567"),
    ("(031)123-4567", "031-123-4567"),
    ("070-1234-5678", "070-1234-5678"),
    ("010-123-4567", None),
    ("1588-1234", None),
    ("12345678", None),
    ("번호 없어요", None),
]


@pytest.mark.parametrize(("text", "expected"), PHONE_CASES)
def test_phone(text: str, expected: str | None) -> None:
    result = validate_slot(_slot("phone"), text)
    assert (result.ok, result.value) == (expected is not None, expected)


def test_phone_display_is_masked() -> None:
    result = validate_slot(_slot("phone"), "01023456781")
    assert result.display == "010-****-6781"


ORDER_CASES = [
    ("ORD-20261120-0001", "ORD-20261120-0001"),
    ("ord-20261120-0001", "ORD-20261120-0001"),
    ("ORD 20261120 0001", "ORD-20261120-0001"),
    ("주문번호는 ord-20261120-0001 입니다", "ORD-20261120-0001"),
    ("20261120-0001", "ORD-20261120-0001"),
    ("ORD-20261340-0001", None),  # no 40th of the 13th month
    ("ORD-2026112-0001", None),
    ("ORD-20261120-00012", None),
    ("모르겠어요", None),
]


@pytest.mark.parametrize(("text", "expected"), ORDER_CASES)
def test_order_number(text: str, expected: str | None) -> None:
    result = validate_slot(_slot("order_number"), text)
    assert (result.ok, result.value) == (expected is not None, expected)


REGEX_CASES = [
    (r"[A-Z]{2}\d{4}", "AB1234", True),
    (r"[A-Z]{2}\d{4}", " AB1234 ", True),
    (r"[A-Z]{2}\d{4}", "AB12345", False),  # fullmatch, not search
    (r"[A-Z]{2}\d{4}", "ab1234", False),
    (r"(a+)+$", "aaaa", False),  # catastrophic shape refused outright
    (r"[a-z", "a", False),  # does not compile
    (r".+", "x" * 101, False),  # input cap
    ("", "anything", False),
]


@pytest.mark.parametrize(("pattern", "text", "ok"), REGEX_CASES)
def test_regex(pattern: str, text: str, ok: bool) -> None:
    assert validate_slot(_slot("regex", pattern=pattern), text).ok is ok


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        (r"\d{3}-\d{4}", True),
        (r"(a+)+", False),
        (r"(\w*)*", False),
        (r"(x{1,3})+", False),
        ("(", False),
    ],
)
def test_is_safe_pattern(pattern: str, safe: bool) -> None:
    assert is_safe_pattern(pattern) is safe


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  배송이 너무 늦어요  ", "배송이 너무 늦어요"),
        ("가" * 200, "가" * 200),
        ("가" * 201, None),
        ("   ", None),
    ],
)
def test_text(text: str, expected: str | None) -> None:
    result = validate_slot(_slot("text"), text)
    assert (result.ok, result.value) == (expected is not None, expected)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("요금이 비싸서요", "요금이 비싸요"),
        ("통화품질이 불만이에요", "통화 품질 불만"),
        ("다른 통신사로 이동하려고요", "다른 통신사로 이동"),
        ("오늘 날씨 좋네요", None),
    ],
)
def test_a_choice_answer_with_a_bent_ending_still_matches(answer, expected):
    slot = ScenarioSlot(
        name="reason",
        validator=SlotValidator.CHOICE,
        choices=["요금이 비싸요", "통화 품질 불만", "다른 통신사로 이동", "쓰지 않는 회선", "기타"],
    )

    result = validate_slot(slot, answer)

    assert result.value == expected
