"""Small talk the ranker measures every question against (apps/nlu/data/smalltalk.txt).

Scores alone cannot tell "영화 추천해 줘" from "요금제 추천해 줘": both share a word with some FAQ.
Indexing a list of everyday chit-chat as negative rows lets the ranker ask the better question
"is this closer to an FAQ or to small talk?" (ranker.SMALLTALK_RATIO). The list is general (no
FAQ words), partly derived from the MIT-licensed ChatbotData; see the file header.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

SMALLTALK_PATH = Path(__file__).resolve().parent / "data" / "smalltalk.txt"


@lru_cache(maxsize=1)
def smalltalk_lines() -> tuple[str, ...]:
    lines = SMALLTALK_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
