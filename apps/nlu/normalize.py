"""Surface normalisation of customer text before analysis (DESIGN.md §5).

`normalize` is what the ranker, escalation check and logs see; `compact` is its
spacing-insensitive form (Korean users space words freely: "배송조회" = "배송 조회");
`fix_keyboard_layout` repairs Korean typed while the IME was in English mode ("gksrmf" → "한글").
"""

from __future__ import annotations

import re
import unicodedata

# --- width / repeats / spacing -------------------------------------------------------------

# Full-width ASCII (！ → !, Ａ → A, ０ → 0) and the ideographic space. We do not use NFKC on the
# whole string: it would turn Hangul compatibility jamo (ㅋㅋ) into conjoining jamo.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HANGUL_REPEAT = re.compile(r"([가-힣ㄱ-ㅎㅏ-ㅣ])\1{2,}")
_LATIN_REPEAT = re.compile(r"([a-z])\1{3,}")  # "www" is a word; "soooo" is emphasis
_PUNCT_REPEAT = re.compile(r"([!?~.,^;])\1+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").translate(_FULLWIDTH)
    text = text.lower()
    text = _HANGUL_REPEAT.sub(r"\1\1", text)
    text = _LATIN_REPEAT.sub(r"\1\1", text)
    text = _PUNCT_REPEAT.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """Spacing-insensitive form of already normalised text."""
    return _SPACES.sub("", text)


# --- 2-beolsik keyboard layout ------------------------------------------------------------

_KEYMAP = dict(
    zip(
        "qwertyuiopasdfghjklzxcvbnmQWERTOP",
        "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡㅃㅉㄸㄲㅆㅒㅖ",
        strict=True,
    )
)
_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONG = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
# "ㅗㅏㅘ": the first two jamo typed in a row make the third (compound vowel / double final).
_VOWEL_PAIRS = {
    (t[0], t[1]): t[2] for t in "ㅗㅏㅘ ㅗㅐㅙ ㅗㅣㅚ ㅜㅓㅝ ㅜㅔㅞ ㅜㅣㅟ ㅡㅣㅢ".split()
}
_FINAL_PAIRS = {
    (t[0], t[1]): t[2]
    for t in "ㄱㅅㄳ ㄴㅈㄵ ㄴㅎㄶ ㄹㄱㄺ ㄹㅁㄻ ㄹㅂㄼ ㄹㅅㄽ ㄹㅌㄾ ㄹㅍㄿ ㄹㅎㅀ ㅂㅅㅄ".split()
}

# Latin words common in Korean customer chats, plus English words that happen to compose
# into clean Hangul ("with" → "쟈소", "then" → "소두"): never convert them.
ENGLISH_WORDS = frozenset(
    """
    iphone ipad galaxy usim esim sim wifi app apps id pw ok sms mms lte 5g kt skt lg email mail
    www com net http https kr co go do so to no hi sorry please thanks thank you yes web url
    ars faq qna vip tv pc ai otp pin bank card pay kakao naver toss zoom cs as qr nfc vr gps
    also always check down due eight fifty forty sixty such than their them then they thru
    when with the she show six via who and air for sns dm an am these those there which
    """.split()
)
_URLISH = re.compile(r"[@/:]|[a-z]\.[a-z]|^www", re.IGNORECASE)
_LATIN_RUN = re.compile(r"[A-Za-z]+")


def _is_vowel(jamo: str) -> bool:
    return jamo in _JUNG


def _syllable(cho: str, jung: str, jong: str = " ") -> str:
    index = (_CHO.index(cho) * 21 + _JUNG.index(jung)) * 28 + _JONG.index(jong)
    return chr(0xAC00 + index)


def _take_vowel(jamo: list[str], i: int) -> tuple[str, int]:
    vowel = jamo[i]
    if i + 1 < len(jamo) and (vowel, jamo[i + 1]) in _VOWEL_PAIRS:
        return _VOWEL_PAIRS[(vowel, jamo[i + 1])], i + 2
    return vowel, i + 1


def _take_final(jamo: list[str], i: int) -> tuple[str, int]:
    """A consonant is a final only when no vowel follows it (then it starts the next syllable)."""

    def starts_syllable(k: int) -> bool:
        return k + 1 < len(jamo) and _is_vowel(jamo[k + 1])

    if i >= len(jamo) or _is_vowel(jamo[i]) or jamo[i] not in _JONG or starts_syllable(i):
        return " ", i
    final = jamo[i]
    if i + 1 < len(jamo) and (final, jamo[i + 1]) in _FINAL_PAIRS and not starts_syllable(i + 1):
        return _FINAL_PAIRS[(final, jamo[i + 1])], i + 2
    return final, i + 1


def compose_jamo(jamo: list[str]) -> str:
    """Compose compatibility jamo into syllables the way a 2-beolsik IME does."""
    out: list[str] = []
    i = 0
    while i < len(jamo):
        if not _is_vowel(jamo[i]) and i + 1 < len(jamo) and _is_vowel(jamo[i + 1]):
            cho = jamo[i]
            jung, i = _take_vowel(jamo, i + 1)
            jong, i = _take_final(jamo, i)
            out.append(_syllable(cho, jung, jong))
        elif _is_vowel(jamo[i]):
            vowel, i = _take_vowel(jamo, i)
            out.append(vowel)
        else:
            out.append(jamo[i])
            i += 1
    return "".join(out)


def latin_to_hangul(run: str, min_syllables: int = 2) -> str | None:
    """Hangul for a latin run typed in English mode, or None if it is not clean Hangul."""
    if any(ch.isupper() and ch not in _KEYMAP for ch in run):
        return None  # capitals other than the shifted jamo keys mean real English (KT, LG)
    hangul = compose_jamo([_KEYMAP[ch] for ch in run])
    # One-syllable results ("the" → "솓") are mostly English; Korean words typed by
    # mistake are longer, unless the rest of the message shows the IME was in English mode.
    if len(hangul) < min_syllables or not all("가" <= ch <= "힣" for ch in hangul):
        return None
    return hangul


def _fix_token(token: str, min_syllables: int) -> str:
    if _URLISH.search(token) or token.lower() in ENGLISH_WORDS:
        return token

    def fix_run(match: re.Match[str]) -> str:
        run = match.group()
        if len(run) < 2 or run.lower() in ENGLISH_WORDS:
            return run
        return latin_to_hangul(run, min_syllables) or run

    return _LATIN_RUN.sub(fix_run, token)


def fix_keyboard_layout(text: str) -> str:
    """Convert latin runs that are Korean typed in English mode; leave real English alone.

    1. Convert runs that give two or more clean syllables.
    2. If any did, the IME was in English mode: also convert one-syllable runs ("dho" → "왜").
    """
    if not _LATIN_RUN.search(text or ""):
        return text
    tokens = text.split(" ")
    fixed = [_fix_token(token, 2) for token in tokens]
    if fixed == tokens:
        return text
    return " ".join(_fix_token(token, 1) for token in tokens)
