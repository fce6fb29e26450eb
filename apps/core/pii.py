"""Find and mask Korean personal data in free text (DESIGN.md §11).

Pure Python on purpose: the NLU, the chat log writer and the bench all call it, and none of
them should need Django for it. Every kind has exactly one mask, used everywhere, so two
differently masked copies of one number can never be combined to rebuild it.

Masks:
    RRN / foreigner number   900101-1******
    phone                    010-****-5678   (+82-10-****-5678, 1588-****)
    card (15-16 digits)      1234-5678-****-3456   (digits 9-12 always hidden)
    bank account             ***-****-1234
    e-mail                   ab***@domain.com
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# A number must not be glued to ASCII letters/digits or continue an ID such as ORD-2026...:
# Hangul is allowed right next to it ("번호는01012345678이에요").
_START = r"(?<![A-Za-z0-9])(?<![A-Za-z0-9][-.])"
_END = r"(?![A-Za-z0-9])(?![-.]\d)"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_RRN = re.compile(
    _START + r"(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))[- ]?([1-8])\d{6}" + _END
)
_CARD = re.compile(
    _START + r"(?:\d{4}([- ]?)\d{4}\1\d{4}\1\d{3,4}|\d{4}([- ]?)\d{6}\2\d{5})" + _END
)
_PHONE = re.compile(
    _START
    + r"(?:(\+82)[-. ]?\(?0?(1[016789]|2|[3-6][1-5]|70)\)?"
    + r"|\(?(0(?:1[016789]|2|[3-6][1-5]|70))\)?)"
    + r"[-. )]?\d{3,4}[-. ]?(\d{4})"
    + _END
)
# Representative numbers (1588-1234) need a separator: a bare 8-digit number is an order number.
_SERVICE_PHONE = re.compile(_START + r"(1[5-9]\d{2})[-. ]\d{4}" + _END)
_ACCOUNT = re.compile(_START + r"\d(?:-?\d){9,13}" + _END + r"(?!\s*원)")

# Words that make a 10-14 digit number an account number rather than an order number.
ACCOUNT_CONTEXT = tuple(
    """
    계좌 은행 통장 예금주 입금 이체 송금 국민 신한 우리 하나 농협 기업 카카오뱅크 카뱅 케이뱅크
    토스 우체국 새마을 신협 수협 씨티 sc제일 제일 산업 부산 대구 경남 광주 전북 제주 bank account
    """.split()
)
_CONTEXT_WINDOW = 20


@dataclass(frozen=True)
class PiiMatch:
    kind: str  # "rrn" | "phone" | "card" | "account" | "email"
    start: int
    end: int


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _find_email(text: str) -> Iterator[PiiMatch]:
    for m in _EMAIL.finditer(text):
        yield PiiMatch("email", m.start(), m.end())


def _find_rrn(text: str) -> Iterator[PiiMatch]:
    for m in _RRN.finditer(text):
        yield PiiMatch("rrn", m.start(), m.end())


def _find_card(text: str) -> Iterator[PiiMatch]:
    for m in _CARD.finditer(text):
        if luhn_valid(_digits(m.group())):
            yield PiiMatch("card", m.start(), m.end())


def _find_phone(text: str) -> Iterator[PiiMatch]:
    for pattern in (_PHONE, _SERVICE_PHONE):
        for m in pattern.finditer(text):
            yield PiiMatch("phone", m.start(), m.end())


def _has_account_context(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - _CONTEXT_WINDOW) : end + _CONTEXT_WINDOW].lower()
    return any(word in window for word in ACCOUNT_CONTEXT)


def _find_account(text: str) -> Iterator[PiiMatch]:
    for m in _ACCOUNT.finditer(text):
        if _has_account_context(text, m.start(), m.end()):
            yield PiiMatch("account", m.start(), m.end())


# Order matters: on overlap the earlier kind wins (an e-mail made of a phone number is an
# e-mail; a Luhn-valid 16-digit number is a card even next to "계좌").
_FINDERS: tuple[Callable[[str], Iterator[PiiMatch]], ...] = (
    _find_email,
    _find_rrn,
    _find_card,
    _find_phone,
    _find_account,
)


def find_pii(text: str) -> list[PiiMatch]:
    """Non-overlapping matches, sorted by position."""
    taken: list[PiiMatch] = []
    for finder in _FINDERS:
        for match in finder(text):
            if all(match.end <= t.start or match.start >= t.end for t in taken):
                taken.append(match)
    return sorted(taken, key=lambda m: m.start)


def _mask_email(raw: str) -> str:
    local, domain = raw.split("@", 1)
    keep = 2 if len(local) > 2 else 1
    return f"{local[:keep]}***@{domain}"


def _mask_rrn(raw: str) -> str:
    digits = _digits(raw)
    return f"{digits[:6]}-{digits[6]}******"


def _mask_card(raw: str) -> str:
    digits = _digits(raw)
    return f"{digits[:4]}-{digits[4:8]}-****-{digits[12:]}"


def _mask_phone(raw: str) -> str:
    m = _PHONE.fullmatch(raw)
    if m is None:  # representative number: only the prefix is shown
        return f"{_digits(raw)[:4]}-****"
    if m.group(1):
        return f"+82-{m.group(2)}-****-{m.group(4)}"
    return f"{m.group(3)}-****-{m.group(4)}"


def _mask_account(raw: str) -> str:
    return f"***-****-{_digits(raw)[-4:]}"


_MASKERS: dict[str, Callable[[str], str]] = {
    "email": _mask_email,
    "rrn": _mask_rrn,
    "card": _mask_card,
    "phone": _mask_phone,
    "account": _mask_account,
}


def mask_match(text: str, match: PiiMatch) -> str:
    return _MASKERS[match.kind](text[match.start : match.end])


def mask_pii(text: str) -> str:
    """Return `text` with every personal number/e-mail replaced by its one mask."""
    if not text:
        return text
    parts: list[str] = []
    pos = 0
    for match in find_pii(text):
        parts.append(text[pos : match.start])
        parts.append(mask_match(text, match))
        pos = match.end
    parts.append(text[pos:])
    return "".join(parts)
