"""Korean number words in a customer's answer: native (하나, 스무 개) and Sino-Korean (삼만 원).

Used by the scenario slot validators (apps/scenarios/validators.py) on compacted text.
"""

from __future__ import annotations

import re

_NATIVE_UNITS = {
    "하나": 1,
    "한": 1,
    "둘": 2,
    "두": 2,
    "셋": 3,
    "세": 3,
    "석": 3,
    "넷": 4,
    "네": 4,
    "넉": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
}
_NATIVE_TENS = {
    "열": 10,
    "스물": 20,
    "스무": 20,
    "서른": 30,
    "마흔": 40,
    "쉰": 50,
    "예순": 60,
    "일흔": 70,
    "여든": 80,
    "아흔": 90,
}
# Short forms only occur before a counter; a bare "네" is a yes, not a four.
_NEEDS_COUNTER = {"한", "두", "세", "석", "네", "넉", "스무"}
_COUNTERS = "개월|켤레|마리|시간|개|명|장|권|건|대|병|잔|번|살|회|벌|달|통|층|원|분"
_NUMBER_TAIL = r"(?:정도|쯤|만)?(?:이요|요|입니다|이에요|예요|주세요)?"


def alternation(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NATIVE_RE = re.compile(
    rf"(?P<tens>{alternation(_NATIVE_TENS)})?(?P<unit>{alternation(_NATIVE_UNITS)})?"
    rf"(?P<counter>{_COUNTERS})?{_NUMBER_TAIL}"
)
_SINO_DIGITS = {
    "영": 0,
    "공": 0,
    "일": 1,
    "이": 2,
    "삼": 3,
    "사": 4,
    "오": 5,
    "육": 6,
    "칠": 7,
    "팔": 8,
    "구": 9,
}
_SINO_UNITS = {"십": 10, "백": 100, "천": 1000}
_SINO_RE = re.compile(rf"(?P<num>[영공일이삼사오육칠팔구십백천만]+)(?:{_COUNTERS})?{_NUMBER_TAIL}")


def _native_number(answer: str) -> int | None:
    m = _NATIVE_RE.fullmatch(answer)
    if not m or not (m.group("tens") or m.group("unit")):
        return None
    tens, unit = m.group("tens"), m.group("unit")
    short = (unit in _NEEDS_COUNTER and not tens) or (tens == "스무" and not unit)
    if (short and not m.group("counter")) or (tens == "스무" and unit):
        return None
    return _NATIVE_TENS.get(tens or "", 0) + _NATIVE_UNITS.get(unit or "", 0)


def _sino_number(answer: str) -> int | None:
    m = _SINO_RE.fullmatch(answer)
    if not m:
        return None
    total, section, digit = 0, 0, None
    for ch in m.group("num"):
        if ch in _SINO_DIGITS:
            if digit is not None:  # "삼삼" is not a number word
                return None
            digit = _SINO_DIGITS[ch]
        elif ch in _SINO_UNITS:
            section += (1 if digit is None else digit) * _SINO_UNITS[ch]
            digit = None
        else:  # 만
            total += (section + (digit or 0) or 1) * 10_000
            section, digit = 0, None
    return total + section + (digit or 0)


def number_words(answer: str) -> int | None:
    """The number a compacted answer spells in words, or None."""
    native = _native_number(answer)
    return native if native is not None else _sino_number(answer)
