"""Content morphemes via kiwipiepy (one `Kiwi` per process, DESIGN.md §5).

Loading the model takes ~3 s and ~100 MiB, so it happens once, lazily, under a lock; servers
call `warm_up()` at start-up so no customer request pays for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

_kiwi: Kiwi | None = None
_lock = threading.Lock()

# Tags that carry what a question is about. Particles (J*), endings (E*), copulas and
# auxiliaries (VX: 싶다, 주다) are the same in every question and only add noise.
_NOUN_TAGS = {"NNG", "NNP", "NR", "XR", "SL", "SH", "SN"}
_PREDICATE_TAGS = {"VV", "VA", "VCN"}
# Negation flips the meaning of a question ("결제가 안 돼요" vs "결제가 돼요").
NEGATIONS = {"안", "못", "않", "안되", "없"}
# Noun-derived suffixes stay glued to their noun: 요금제 (plan) is not 요금 (fee).
_GLUE_SUFFIXES = {"XSN"}


def get_kiwi() -> Kiwi:
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def warm_up() -> None:
    """Load the model and run it once so the first request is as fast as the rest."""
    get_kiwi().tokenize("배송 조회는 어떻게 하나요?")


def _base_tag(tag: str) -> str:
    # Irregular conjugations are tagged "VV-I", "VA-R"...; the lemma is what matters.
    return tag.split("-", 1)[0]


def _morphemes(tokens: Iterable[Any]) -> list[str]:
    out: list[str] = []
    previous_tag = ""
    for token in tokens:
        tag = _base_tag(token.tag)
        if tag in _GLUE_SUFFIXES and out and previous_tag in {"NNG", "NNP"}:
            out[-1] += token.form
        elif tag in _NOUN_TAGS:
            out.append(token.form.lower())
        elif tag in _PREDICATE_TAGS:
            out.append(token.lemma if hasattr(token, "lemma") else token.form + "다")
        elif tag == "MAG" and token.form in NEGATIONS:
            out.append(token.form)
        previous_tag = tag
    return out


def content_morphemes(text: str) -> list[str]:
    """Nouns, roots, foreign words, numbers, predicate lemmas (하다 form) and negation."""
    if not text.strip():
        return []
    return _morphemes(get_kiwi().tokenize(text))


def content_morphemes_many(texts: list[str]) -> list[list[str]]:
    """Batch form for index builds: Kiwi spreads a batch over its worker threads."""
    kiwi = get_kiwi()
    results: list[list[str]] = []
    for text, tokens in zip(texts, kiwi.tokenize(texts), strict=True):
        results.append(_morphemes(tokens) if text.strip() else [])
    return results
