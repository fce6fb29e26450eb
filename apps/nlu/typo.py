"""One-jamo typo correction against a known vocabulary ("헤지" → "해지", "요굼" → "요금").

Korean typos are one wrong jamo far more often than one wrong syllable, so words are compared
as jamo strings. Lookup is SymSpell-style: every known word is stored under each of its
one-jamo deletions, so a query word costs a handful of dict lookups, not a vocabulary scan.
"""

from __future__ import annotations

from collections.abc import Iterable

_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONG = "\0ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
# Two syllables is the shortest word worth correcting: one jamo off a one-syllable word is
# another real word far too often.
MIN_SYLLABLES = 2


def is_hangul_word(word: str) -> bool:
    return len(word) >= MIN_SYLLABLES and all("가" <= ch <= "힣" for ch in word)


def jamo(word: str) -> str:
    out: list[str] = []
    for ch in word:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out += [_CHO[code // 588], _JUNG[code % 588 // 28]]
            if code % 28:
                out.append(_JONG[code % 28])
        else:
            out.append(ch)
    return "".join(out)


def _deletions(text: str) -> set[str]:
    return {text, *(text[:i] + text[i + 1 :] for i in range(len(text)))}


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, plus one swap of neighbours."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class TypoCorrector:
    """Snaps an unknown Hangul word to the one known word a single jamo away."""

    def __init__(self, words: Iterable[str]) -> None:
        self.known: set[str] = {w for w in words if is_hangul_word(w)}
        self._by_deletion: dict[str, set[str]] = {}
        for word in self.known:
            spelled = jamo(word)
            for key in _deletions(spelled):
                self._by_deletion.setdefault(key, set()).add(word)

    def correct(self, word: str) -> str | None:
        """The known word one jamo away from `word`, or None (known, too short, or ambiguous)."""
        if word in self.known or not is_hangul_word(word):
            return None
        spelled = jamo(word)
        found: set[str] = set()
        for key in _deletions(spelled):
            found |= self._by_deletion.get(key, set())
        matches = {w for w in found if len(w) == len(word) and _within_one_edit(jamo(w), spelled)}
        # Two candidates ("요굼" → 요금? 요즘?) means we cannot tell which was meant.
        return matches.pop() if len(matches) == 1 else None
