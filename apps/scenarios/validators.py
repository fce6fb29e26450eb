"""Turn one customer answer into a slot value (DESIGN.md §5).

`validate_slot(slot, text)` returns a `SlotResult`: `value` is what the engine and CRM use
(canonical: ISO dates, `010-1234-5678`, `ORD-20261120-0001`), `display` is what the customer and
the stored state see. For phones the display is the masked form, so only the engine's transient
CRM call ever touches the full number.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.core.pii import mask_pii
from apps.scenarios.models import ScenarioSlot, SlotValidator
from apps.scenarios.numbers import alternation, number_words

logger = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")
MAX_TEXT_LENGTH = 200
# Supervisor patterns run on customer input; a short cap bounds any backtracking we did not catch.
MAX_REGEX_INPUT = 100
WEEKDAYS = "월화수목금토일"

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[.,!?~'\"“”‘’()\[\]·…^]+")


@dataclass(frozen=True)
class SlotResult:
    ok: bool
    value: str | None
    display: str


INVALID = SlotResult(False, None, "")


def _ok(value: str, display: str | None = None) -> SlotResult:
    return SlotResult(True, value, value if display is None else display)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").translate(_FULLWIDTH).lower()
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """Spacing- and punctuation-insensitive form: "지난 달!" and "지난달" compare equal."""
    return _PUNCT.sub("", _SPACES.sub("", normalise(text)))


def seoul_today() -> date:
    return timezone.localtime(timezone.now(), SEOUL).date()


# --- choice ---------------------------------------------------------------------------------

_ORDINAL_WORDS = {
    "첫": 1,
    "한": 1,
    "두": 2,
    "둘": 2,
    "세": 3,
    "셋": 3,
    "네": 4,
    "넷": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
}
_ANSWER_TAIL = r"(?:것|거|걸)?(?:이요|요|으로|로|으로요|로요|이에요|예요|입니다)?"
_ORDINAL_WORD_RE = re.compile(
    rf"({'|'.join(sorted(_ORDINAL_WORDS, key=len, reverse=True))})(?:번째|째){_ANSWER_TAIL}"
)
_ORDINAL_DIGIT_RE = re.compile(rf"(\d{{1,2}})(번째|번|째)?{_ANSWER_TAIL}")


def _ordinal(answer: str, choices: list[str]) -> int | None:
    if m := _ORDINAL_WORD_RE.fullmatch(answer):
        return _ORDINAL_WORDS[m.group(1)]
    m = _ORDINAL_DIGIT_RE.fullmatch(answer)
    # With choices such as "3개월", a bare "3" names the choice, not the third item.
    if m and (m.group(2) or not any(ch.isdigit() for c in choices for ch in c)):
        return int(m.group(1))
    return None


# Particles and polite endings around a short answer: "저녁이요", "강남으로 할게요".
_CHOICE_TAIL = re.compile(
    r"(?:이요|요|으로|로|이에요|예요|입니다|으로할게요|로할게요|할게요|으로해주세요|로해주세요"
    r"|해주세요|이랑|랑)$"
)


def _contained(answer: str, keys: dict[str, str]) -> str | None:
    """The one choice named inside the answer ("지난달요금" → "지난 달"), or the one choice
    that contains a short answer ("오전" → "오전 10~12시"); None when ambiguous."""
    inside = [k for k in keys if k and k in answer]
    # "이번달" inside "이번달말고지난달" is ambiguous, but a choice inside a longer one is not.
    inside = [k for k in inside if not any(k != o and k in o for o in inside)]
    if len(inside) == 1:
        return keys[inside[0]]
    answer = _CHOICE_TAIL.sub("", answer)
    if len(inside) > 1 or len(answer) < 2:
        return None
    around = [k for k in keys if answer in k]
    return keys[around[0]] if len(around) == 1 else None


# Fuzzy match for answers that bend a choice's ending ("요금이 비싸서요" for "요금이 비싸요").
SIMILAR_MIN = 0.5
SIMILAR_MARGIN = 0.15


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _similar(answer: str, keys: dict[str, str]) -> str | None:
    """The choice whose character bigrams clearly overlap most with the answer (Dice)."""
    grams = _bigrams(answer)
    scored = sorted(
        ((2 * len(grams & _bigrams(k)) / (len(grams) + len(_bigrams(k))), k) for k in keys),
        reverse=True,
    )
    best, key = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best >= SIMILAR_MIN and best - runner_up >= SIMILAR_MARGIN:
        return keys[key]
    return None


def validate_choice(slot: ScenarioSlot, text: str) -> SlotResult:
    choices = [str(c) for c in slot.choices or []]
    answer = compact(text)
    if not answer or not choices:
        return INVALID
    keys = {compact(c): c for c in choices}
    if answer in keys:
        return _ok(keys[answer])
    index = _ordinal(answer, choices)
    if index is not None:
        return _ok(choices[index - 1]) if 1 <= index <= len(choices) else INVALID
    found = _contained(answer, keys) or _similar(answer, keys)
    return _ok(found) if found else INVALID


# --- number ---------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"\d+")  # runs on compact text, where "1,000" is already "1000"


def parse_number(text: str) -> int | None:
    answer = compact(text)
    numbers = _DIGITS_RE.findall(answer)
    if numbers:
        # "3개 주세요" is one number; "11월 3일" is not an answer to "몇 개".
        return int(numbers[0]) if len(numbers) == 1 else None
    return number_words(answer)


def validate_number(slot: ScenarioSlot, text: str) -> SlotResult:
    number = parse_number(text)
    return _ok(str(number)) if number is not None and number < 10**12 else INVALID


# --- date -----------------------------------------------------------------------------------

_RELATIVE_DAYS = {
    "내일모레": 2,
    "오늘": 0,
    "금일": 0,
    "내일": 1,
    "낼": 1,
    "모레": 2,
    "글피": 3,
    "어제": -1,
    "그저께": -2,
    "그제": -2,
}
_WEEK_OFFSETS = {
    "다다음주": 2,
    "다음주": 1,
    "담주": 1,
    "이번주": 0,
    "금주": 0,
    "이번": 0,
    "지난주": -1,
    "저번주": -1,
}
_FULL_DATE_RE = re.compile(r"(?<!\d)(\d{4})(?:[-./]|년)(\d{1,2})(?:[-./]|월)(\d{1,2})(?!\d)")
_MONTH_DAY_RE = re.compile(r"(?<!\d)(\d{1,2})(?:[/.-]|월)(\d{1,2})(?:일|(?!\d))")
_DAY_RE = re.compile(r"(?<![\d월])(\d{1,2})일")
_WEEKDAY_RE = re.compile(rf"({alternation(_WEEK_OFFSETS)})?([{WEEKDAYS}])(요일)?")


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _weekday_date(answer: str, today: date) -> date | None:
    for m in _WEEKDAY_RE.finditer(answer):
        week, day, suffix = m.groups()
        # A bare "일"/"월" is far too common to be a weekday; ask for "요일" or a week word.
        if not week and not suffix:
            continue
        weekday = WEEKDAYS.index(day)
        if week is None:
            return today + timedelta(days=(weekday - today.weekday()) % 7)
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(days=7 * _WEEK_OFFSETS[week] + weekday)
    return None


def parse_date(text: str, today: date | None = None) -> date | None:
    today = today or seoul_today()
    answer = _SPACES.sub("", normalise(text))  # keeps "." and "/" as date separators
    if m := _FULL_DATE_RE.search(answer):
        return _safe_date(*(int(g) for g in m.groups()))
    if m := _MONTH_DAY_RE.search(answer):
        return _safe_date(today.year, int(m.group(1)), int(m.group(2)))
    for word, days in _RELATIVE_DAYS.items():
        if word in answer:
            return today + timedelta(days=days)
    if found := _weekday_date(answer, today):
        return found
    if m := _DAY_RE.search(answer):
        return _safe_date(today.year, today.month, int(m.group(1)))
    return None


def format_date(day: date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일 ({WEEKDAYS[day.weekday()]})"


def validate_date(slot: ScenarioSlot, text: str) -> SlotResult:
    day = parse_date(text)
    return _ok(day.isoformat(), format_date(day)) if day else INVALID


# --- phone / order number -------------------------------------------------------------------

_PHONE_RE = re.compile(
    r"(?<!\d)(?:\+82[-. ]?\(?0?|\(?0)(1[016789]|2|[3-6][1-5]|70)\)?[-. )]?(\d{3,4})[-. ]?(\d{4})"
    r"(?!\d)"
)
_ORDER_RE = re.compile(r"(?<![0-9A-Z])(?:ORD-?)?(\d{8})-?(\d{4})(?!\d)")


def normalise_phone(text: str) -> str | None:
    m = _PHONE_RE.search(unicodedata.normalize("NFC", text or "").translate(_FULLWIDTH))
    if not m:
        return None
    area, middle, last = m.groups()
    if area == "10" and len(middle) == 3:
        return None  # 010 numbers always have a 4-digit middle part
    return f"0{area}-{middle}-{last}"


def validate_phone(slot: ScenarioSlot, text: str) -> SlotResult:
    phone = normalise_phone(text)
    return _ok(phone, mask_pii(phone)) if phone else INVALID


def normalise_order_number(text: str) -> str | None:
    m = _ORDER_RE.search(compact(text).upper())
    if not m:
        return None
    try:
        datetime.strptime(m.group(1), "%Y%m%d")  # only checks that the date part exists
    except ValueError:
        return None
    return f"ORD-{m.group(1)}-{m.group(2)}"


def validate_order_number(slot: ScenarioSlot, text: str) -> SlotResult:
    order_no = normalise_order_number(text)
    return _ok(order_no) if order_no else INVALID


# --- regex / text ---------------------------------------------------------------------------

# A quantified group that itself ends in a quantifier, e.g. (a+)+ or (\w*)*: the classic
# catastrophic-backtracking shape. Python's re has no timeout, so such patterns are refused.
_NESTED_QUANTIFIER = re.compile(r"[+*}]\)[+*{]")


def is_safe_pattern(pattern: str) -> bool:
    """Also meant for the admin form, so supervisors hear about a bad pattern before customers."""
    return bool(pattern) and _compile(pattern) is not None


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str] | None:
    if _NESTED_QUANTIFIER.search(pattern):
        logger.warning("scenario slot pattern refused (nested quantifier): %r", pattern)
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        logger.warning("scenario slot pattern does not compile: %r (%s)", pattern, exc)
        return None


def validate_regex(slot: ScenarioSlot, text: str) -> SlotResult:
    answer = unicodedata.normalize("NFC", text or "").strip()
    compiled = _compile(slot.pattern) if slot.pattern else None
    if not answer or len(answer) > MAX_REGEX_INPUT or compiled is None:
        return INVALID
    return _ok(answer) if compiled.fullmatch(answer) else INVALID


def validate_text(slot: ScenarioSlot, text: str) -> SlotResult:
    answer = _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()
    return _ok(answer) if 0 < len(answer) <= MAX_TEXT_LENGTH else INVALID


_VALIDATORS: dict[str, Callable[[ScenarioSlot, str], SlotResult]] = {
    SlotValidator.CHOICE: validate_choice,
    SlotValidator.NUMBER: validate_number,
    SlotValidator.DATE: validate_date,
    SlotValidator.PHONE: validate_phone,
    SlotValidator.ORDER_NUMBER: validate_order_number,
    SlotValidator.REGEX: validate_regex,
    SlotValidator.TEXT: validate_text,
}


def validate_slot(slot: ScenarioSlot, text: str) -> SlotResult:
    validator = _VALIDATORS.get(slot.validator, validate_text)
    return validator(slot, text)
