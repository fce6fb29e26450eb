"""Korean customer-service concept lexicon (apps/nlu/data/synonyms.tsv).

Customers rarely use the FAQ's own words: "회선 없애고 싶어요" means 해지, "비번" means 비밀번호,
"대리점" means 매장. Lexical overlap cannot see that, so every text also gets one "~concept"
feature per concept its morphemes mention; a query and an FAQ that say the same thing in
different words then share those features. The lexicon is general CS vocabulary, not a copy of
any FAQ set, and the ranker weighs concept features like any other TF-IDF feature (a concept
every FAQ mentions gets a low IDF by itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CONCEPT_PREFIX = "~"
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "synonyms.tsv"


@dataclass(frozen=True)
class Lexicon:
    # variant (tuple of consecutive morphemes) -> concepts it expresses
    entries: dict[tuple[str, ...], tuple[str, ...]]
    longest: int

    def words(self) -> set[str]:
        """Single-morpheme variants: known spellings the typo corrector may snap to."""
        return {variant[0] for variant in self.entries if len(variant) == 1}


def parse(lines: Sequence[str]) -> Lexicon:
    entries: dict[tuple[str, ...], list[str]] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        concept, _, variants = line.partition("\t")
        for variant in {concept, *variants.split()}:
            key = tuple(part.lower() for part in variant.split("+"))
            bucket = entries.setdefault(key, [])
            if concept not in bucket:
                bucket.append(concept)
    longest = max((len(key) for key in entries), default=1)
    return Lexicon({k: tuple(v) for k, v in entries.items()}, longest)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return parse(LEXICON_PATH.read_text(encoding="utf-8").splitlines())


def concepts(morphemes: Sequence[str], lexicon: Lexicon | None = None) -> list[str]:
    """The "~concept" features for single morphemes and runs of consecutive morphemes, in order."""
    lexicon = lexicon or default_lexicon()
    found: list[str] = []
    for start in range(len(morphemes)):
        for length in range(1, lexicon.longest + 1):
            key = tuple(morphemes[start : start + length])
            if len(key) < length:
                break
            for concept in lexicon.entries.get(key, ()):
                token = CONCEPT_PREFIX + concept
                if token not in found:
                    found.append(token)
    return found
