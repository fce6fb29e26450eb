"""Content morphemes via kiwipiepy (one `Kiwi` per process, DESIGN.md §5).

Loading the model takes ~3 s and ~500 MiB, so it happens once, lazily, under a lock; servers
call `warm_up()` at start-up so no customer request pays for it. Analysing is most of an index
build, and a rebuild after one FAQ edit sees the same texts again (plus the same small-talk
list every time), so analyses are kept per text for the life of the process.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

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
# Bound on remembered analyses (~1 KiB each): far above any FAQ set, small next to Kiwi itself.
CACHE_SIZE = 50_000


class Morphology(NamedTuple):
    content: list[str]  # content morphemes (see content_morphemes)
    tagged: list[str]  # every morpheme as "lemma/TAG", endings and particles included


_cache: dict[str, Morphology] = {}


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


def _tagged(tokens: list[Any]) -> list[str]:
    # Endings and particles carry tense, mood and who-did-what that content words miss
    # ("-고 싶다" vs "-ㄹ까"); a coarse tag keeps 이/JKS apart from 이/VCP.
    out: list[str] = []
    for token in tokens:
        tag = _base_tag(token.tag)
        form = token.lemma if tag in _PREDICATE_TAGS and hasattr(token, "lemma") else token.form
        # Interned: the same few thousand morphemes recur across all cached analyses.
        out.append(sys.intern(f"{form.lower()}/{tag[:2]}"))
    return out


def _morphology(tokens: Any) -> Morphology:
    tokens = list(tokens)
    return Morphology(_morphemes(tokens), _tagged(tokens))


def morphology_many(texts: Sequence[str]) -> list[Morphology]:
    """Analyses of many texts; only texts this process has not seen go to Kiwi, in one batch."""
    known = {t: _cache[t] for t in dict.fromkeys(texts) if t in _cache}
    missing = [t for t in dict.fromkeys(texts) if t.strip() and t not in known]
    if missing:
        if len(_cache) + len(missing) > CACHE_SIZE:
            _cache.clear()
        # One call with the whole batch: Kiwi spreads it over its worker threads.
        for text, tokens in zip(missing, get_kiwi().tokenize(missing), strict=True):
            known[text] = _cache[text] = _morphology(tokens)
    # Read from our own dict: another thread's build may clear the shared cache meanwhile.
    empty = Morphology([], [])
    return [known.get(t, empty) for t in texts]


def morphology(text: str) -> Morphology:
    """Analysis of one (query) text; not cached, customer texts rarely repeat."""
    if not text.strip():
        return Morphology([], [])
    return _morphology(get_kiwi().tokenize(text))


def content_morphemes(text: str) -> list[str]:
    """Nouns, roots, foreign words, numbers, predicate lemmas (하다 form) and negation."""
    return morphology(text).content


def content_morphemes_many(texts: list[str]) -> list[list[str]]:
    """Batch form for index builds: Kiwi spreads a batch over its worker threads."""
    return [m.content for m in morphology_many(texts)]
