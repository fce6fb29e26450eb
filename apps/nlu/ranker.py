"""Local ranking model for FAQs and scenario utterances (DESIGN.md §5).

Every training text is a row in two TF-IDF spaces:
  * words: content morphemes (unigrams + adjacent bigrams), so endings and particles do not
    matter ("환불이 안 돼요" = "환불 안 됨");
  * characters: 2-4-grams of the spacing-free text, so spacing, typos and words Kiwi does not
    know still match.
The word space also has "~concept" features from a general Korean CS lexicon (apps/nlu/lexicon.py:
폰 = 휴대폰, 없애다 = 해지), and query words one jamo away from a known word are corrected first
(apps/nlu/typo.py: 헤지 → 해지). Everyday small talk is indexed as negative rows
(apps/nlu/smalltalk.py); a query closer to it than to any document gets a damped confidence.
A query is scored against every row with one sparse product on the transposed matrix (an
inverted index); a document's score blends its best row and its centroid. `decide` turns the
scores into answer / clarify / fall back using the top score and the margin to the runner-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

from apps.core.pii import mask_pii
from apps.nlu.lexicon import concepts, default_lexicon
from apps.nlu.morph import content_morphemes, content_morphemes_many
from apps.nlu.normalize import compact, fix_keyboard_layout, normalize
from apps.nlu.smalltalk import smalltalk_lines
from apps.nlu.typo import TypoCorrector
from apps.nlu.vectors import TfidfSpace, char_ngrams, word_features

# Weight of the morpheme space; the character space gets the rest. Tuned on question_pair
# paraphrases and ChatbotData intents (bench/nlu.py).
WORD_WEIGHT = 0.5
# Share of a document's score from its best-matching text; the rest from its centroid.
MAX_WEIGHT = 0.6
# decide(): answer only when the best match is good and clearly ahead of the runner-up.
# Scores are weighted cosines and run low for short Korean paraphrases. On the demo FAQs
# these were tuned on half of tests/nlu/paraphrases.py (even rows) and checked on the other
# half; ChatbotData small talk (bench/nlu.py) gets ~2 % answers.
ANSWER_SCORE = 0.18
ANSWER_MARGIN = 0.03
CLARIFY_SCORE = 0.12
CLARIFY_WINDOW = 0.06  # runners-up this close to the top are offered too
CLARIFY_MAX = 3
# Small-talk gate: when the best small-talk line scores at least SMALLTALK_RATIO times the top
# document, every candidate's score is multiplied by SMALLTALK_DAMP.
SMALLTALK_RATIO = 1.0
SMALLTALK_DAMP = 0.5
MAX_PREFIX = 6  # longest word start (syllables) the typo corrector tries as a whole

Action = Literal["ANSWER", "CLARIFY", "FALLBACK"]


@dataclass(frozen=True)
class Document:
    key: str  # "faq:12", "scenario:3"
    label: str
    texts: list[str]


@dataclass(frozen=True)
class Candidate:
    key: str
    label: str
    score: float


@dataclass(frozen=True)
class Decision:
    action: Action
    candidates: list[Candidate]


@dataclass(frozen=True)
class Analysis:
    text: str  # masked, layout-repaired, normalised
    compact: str
    morphemes: list[str] = field(default_factory=list)


def _prepare(text: str) -> str:
    # PII first: nothing downstream (features, logs) may see the raw numbers.
    return normalize(fix_keyboard_layout(mask_pii(text)))


def analyse(text: str) -> Analysis:
    """The input pipeline shared by ranking, dialog and logging."""
    prepared = _prepare(text)
    return Analysis(prepared, compact(prepared), content_morphemes(prepared))


def _analyse_many(texts: Sequence[str]) -> list[Analysis]:
    prepared = [_prepare(text) for text in texts]
    morphemes = content_morphemes_many(prepared)
    return [Analysis(p, compact(p), m) for p, m in zip(prepared, morphemes, strict=True)]


def _features(morphemes: Sequence[str]) -> list[str]:
    """Morpheme unigrams and bigrams plus the CS concepts they mention (apps/nlu/lexicon.py)."""
    return [*word_features(morphemes), *concepts(morphemes)]


def _eojeol_prefixes(text: str) -> list[str]:
    """Leading Hangul runs of each word, longest first ("우심이" → 우심이, 우심)."""
    out: list[str] = []
    for word in text.split():
        run = ""
        for ch in word[:MAX_PREFIX]:
            if not "가" <= ch <= "힣":
                break
            run += ch
        out += [run[:n] for n in range(len(run), 1, -1)]
    return out


def _corrections(analysis: Analysis, corrector: TypoCorrector) -> list[str]:
    """Morphemes with one-jamo typos snapped to known words, plus words Kiwi split apart.

    Kiwi splits a misspelt word into odd pieces ("우심" → 우 + 심), so the start of each written
    word is also tried as a whole; a start Kiwi kept as one morpheme needs no second look.
    """
    morphemes = [corrector.correct(m) or m for m in analysis.morphemes]
    seen = set(analysis.morphemes)
    for prefix in _eojeol_prefixes(analysis.text):
        if prefix in seen or prefix in corrector.known:
            continue
        fixed = corrector.correct(prefix)
        if fixed:
            morphemes.append(fixed)
    return morphemes


class Index:
    """Immutable, picklable ranking index; build a new one when content changes."""

    def __init__(
        self,
        documents: list[Document],
        words: TfidfSpace,
        chars: TfidfSpace,
        rows_t: sp.csr_matrix,
        centroids_t: sp.csr_matrix,
        doc_starts: np.ndarray,
        negatives_t: sp.csr_matrix | None = None,
        corrector: TypoCorrector | None = None,
    ) -> None:
        self.documents = documents
        self._words = words
        self._chars = chars
        self._rows_t = rows_t  # features x rows, so a query row times it is an index lookup
        self._centroids_t = centroids_t  # features x documents
        self._doc_starts = doc_starts  # first row of each document (rows grouped by document)
        self._negatives_t = negatives_t  # features x small-talk rows
        self._corrector = corrector or TypoCorrector([])

    @classmethod
    def build(cls, documents: Sequence[Document]) -> Index:
        docs = [d for d in documents if any(t.strip() for t in d.texts)]
        texts = [t for d in docs for t in d.texts if t.strip()]
        counts = np.array([sum(1 for t in d.texts if t.strip()) for d in docs], dtype=np.int64)
        words, chars = TfidfSpace(), TfidfSpace()
        if not texts:
            empty = sp.csr_matrix((0, 0), dtype=np.float32)
            return cls([], words, chars, empty, empty, np.zeros(0, dtype=np.int64))
        negatives = list(smalltalk_lines())
        analyses = _analyse_many(texts + negatives)
        matrix = sp.hstack(
            [
                WORD_WEIGHT * words.fit_transform([_features(a.morphemes) for a in analyses]),
                (1 - WORD_WEIGHT) * chars.fit_transform([char_ngrams(a.compact) for a in analyses]),
            ],
            format="csr",
            dtype=np.float32,
        )
        rows = matrix[: len(texts)]
        owner = np.repeat(np.arange(len(docs)), counts)
        grouping = sp.csr_matrix(
            (np.ones(len(texts), dtype=np.float32), (owner, np.arange(len(texts)))),
            shape=(len(docs), len(texts)),
        )
        centroids = l2_normalize(grouping @ rows)
        doc_starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        # Typos snap to words the content uses or the lexicon knows, never to small-talk words.
        known = {m for a in analyses[: len(texts)] for m in a.morphemes}
        corrector = TypoCorrector(known | default_lexicon().words())
        return cls(
            docs, words, chars, rows.T.tocsr(), centroids.T.tocsr(), doc_starts,
            matrix[len(texts) :].T.tocsr(), corrector,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.documents)

    def vectorize(self, analysis: Analysis) -> sp.csr_matrix:
        # Both halves are L2-normalised, so a dot product is the weighted sum of two cosines.
        morphemes = _corrections(analysis, self._corrector)
        word_cols, word_vals = self._words.transform_one(_features(morphemes))
        char_cols, char_vals = self._chars.transform_one(char_ngrams(analysis.compact))
        columns = np.concatenate([word_cols, char_cols + len(self._words)])
        values = np.concatenate([word_vals * WORD_WEIGHT, char_vals * (1 - WORD_WEIGHT)])
        width = len(self._words) + len(self._chars)
        return sp.csr_matrix(
            (values, columns, np.array([0, len(columns)])), shape=(1, width), dtype=np.float32
        )

    def _scores(self, query: sp.csr_matrix) -> np.ndarray:
        row_scores = (query @ self._rows_t).toarray().ravel()
        best_row = np.maximum.reduceat(row_scores, self._doc_starts)
        centroid = (query @ self._centroids_t).toarray().ravel()
        return MAX_WEIGHT * best_row + (1 - MAX_WEIGHT) * centroid

    def _smalltalk(self, query: sp.csr_matrix) -> float:
        if self._negatives_t is None or self._negatives_t.shape[1] == 0:
            return 0.0
        return float((query @ self._negatives_t).max())

    def scores(self, analysis: Analysis) -> np.ndarray:
        """Score of every document for an analysed query (one entry per document)."""
        query = self.vectorize(analysis)
        if query.nnz == 0:
            return np.zeros(len(self.documents), dtype=np.float32)
        return self._scores(query)

    def rank_analysis(self, analysis: Analysis, k: int = 3) -> list[Candidate]:
        if not self.documents or not analysis.compact:
            return []
        query = self.vectorize(analysis)
        if query.nnz == 0:
            return []
        scores = self._scores(query)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        # Closer to small talk than to any document: keep the order (retrieval metrics and
        # "did you mean" lists stay intact) but lower the confidence so decide() falls back.
        damp = SMALLTALK_DAMP if self._smalltalk(query) >= SMALLTALK_RATIO * scores[top[0]] else 1.0
        return [
            Candidate(self.documents[i].key, self.documents[i].label, float(scores[i] * damp))
            for i in top
            if scores[i] > 0
        ]

    def rank(self, text: str, k: int = 3) -> list[Candidate]:
        return self.rank_analysis(analyse(text), k)


def decide(candidates: Sequence[Candidate]) -> Decision:
    """ANSWER the top candidate, CLARIFY between close ones, or FALLBACK."""
    if not candidates or candidates[0].score < CLARIFY_SCORE:
        return Decision("FALLBACK", [])
    top = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if top.score >= ANSWER_SCORE and top.score - runner_up >= ANSWER_MARGIN:
        return Decision("ANSWER", [top])
    close = [
        c
        for c in candidates[:CLARIFY_MAX]
        if c.score >= CLARIFY_SCORE and top.score - c.score <= CLARIFY_WINDOW
    ]
    return Decision("CLARIFY", close)
