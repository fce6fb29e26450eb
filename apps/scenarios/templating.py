"""Render supervisor-written reply templates (`{order_no}`, `{amount}`) safely.

Templates are str.format-style but come from the admin, so rendering never evaluates anything:
only plain `{name}` fields are looked up, attribute/index access (`{x.__class__}`, `{x[0]}`),
positional fields, conversions and format specs render as "" or are ignored, and a missing
variable renders as "". A malformed template is shown as written rather than crashing a chat.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from string import Formatter

logger = logging.getLogger(__name__)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Won(str):
    """An amount formatted as "58,300원".

    Supervisors naturally write "{amount}원", so when the template already puts 원 right after
    the field the unit is not repeated ("58,300원", never "58,300원원").
    """

    amount: int

    def __new__(cls, amount: int) -> Won:
        obj = super().__new__(cls, f"{amount:,}원")
        obj.amount = amount
        return obj

    @property
    def number(self) -> str:
        return f"{self.amount:,}"


def render(template: str, variables: Mapping[str, object]) -> str:
    try:
        parts = list(Formatter().parse(template or ""))
    except ValueError:
        logger.warning("scenario template is malformed; shown as written: %r", template)
        return template
    out: list[str] = []
    for i, (literal, field, _spec, _conversion) in enumerate(parts):
        out.append(literal)
        if field is None:
            continue
        value = variables.get(field, "") if _NAME.fullmatch(field) else ""
        following = parts[i + 1][0] if i + 1 < len(parts) else ""
        if isinstance(value, Won) and following.startswith("원"):
            out.append(value.number)
        else:
            out.append("" if value is None else str(value))
    return "".join(out)


def has_final_consonant(word: str) -> bool | None:
    """True/False for a word ending in Hangul, None when the last letter is not Hangul."""
    last = word.strip()[-1:] if word else ""
    if not ("가" <= last <= "힣"):
        return None
    return (ord(last) - 0xAC00) % 28 != 0


def object_particle(word: str) -> str:
    """을/를 for `word` ("배송 조회를", "해지 접수를"), 을(를) when it cannot tell."""
    final = has_final_consonant(word)
    return "을(를)" if final is None else ("을" if final else "를")
