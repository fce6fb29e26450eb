"""Local ranking model for FAQs and scenario utterances (DESIGN.md §5).

Every training text is a row in two TF-IDF spaces:
  * words: content morphemes (unigrams + adjacent bigrams), so endings and particles do not
    matter ("환불이 안 돼요" = "환불 안 됨");
  * characters: 2-4-grams of the spacing-free text, so spacing, typos and words Kiwi does not
    know still match.
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
from apps.nlu.morph import content_morphemes, content_morphemes_many
from apps.nlu.normalize import compact, fix_keyboard_layout, normalize
from apps.nlu.vectors import TfidfSpace, char_ngrams, word_features

# Weight of the morpheme space; the character space gets the rest. Tuned on question_pair
# paraphrases and ChatbotData intents (bench/nlu.py).
WORD_WEIGHT = 0.5
# Share of a document's score from its best-matching text; the rest from its centroid.
MAX_WEIGHT = 0.6
# decide(): answer only when the best match is good and clearly ahead of the runner-up.
# Scores are weighted cosines and run low for short Korean paraphrases. On the demo FAQs
# these give ~53 % right answers / ~4 % wrong on hard paraphrases and ~3 % answers to
# ChatbotData small talk (bench/nlu.py).
ANSWER_SCORE = 0.2
ANSWER_MARGIN = 0.03
CLARIFY_SCORE = 0.14
CLARIFY_WINDOW = 0.06  # runners-up this close to the top are offered too
CLARIFY_MAX = 3

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
    ) -> None:
        self.documents = documents
        self._words = words
        self._chars = chars
        self._rows_t = rows_t  # features x rows, so a query row times it is an index lookup
        self._centroids_t = centroids_t  # features x documents
        self._doc_starts = doc_starts  # first row of each document (rows grouped by document)

    @classmethod
    def build(cls, documents: Sequence[Document]) -> Index:
        docs = [d for d in documents if any(t.strip() for t in d.texts)]
        texts = [t for d in docs for t in d.texts if t.strip()]
        counts = np.array([sum(1 for t in d.texts if t.strip()) for d in docs], dtype=np.int64)
        words, chars = TfidfSpace(), TfidfSpace()
        if not texts:
            empty = sp.csr_matrix((0, 0), dtype=np.float32)
            return cls([], words, chars, empty, empty, np.zeros(0, dtype=np.int64))
        analyses = _analyse_many(texts)
        rows = sp.hstack(
            [
                WORD_WEIGHT * words.fit_transform([word_features(a.morphemes) for a in analyses]),
                (1 - WORD_WEIGHT) * chars.fit_transform([char_ngrams(a.compact) for a in analyses]),
            ],
            format="csr",
            dtype=np.float32,
        )
        owner = np.repeat(np.arange(len(docs)), counts)
        grouping = sp.csr_matrix(
            (np.ones(len(texts), dtype=np.float32), (owner, np.arange(len(texts)))),
            shape=(len(docs), len(texts)),
        )
        centroids = l2_normalize(grouping @ rows)
        doc_starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return cls(docs, words, chars, rows.T.tocsr(), centroids.T.tocsr(), doc_starts)

    def __len__(self) -> int:
        return len(self.documents)

    def vectorize(self, analysis: Analysis) -> sp.csr_matrix:
        # Both halves are L2-normalised, so a dot product is the weighted sum of two cosines.
        word_cols, word_vals = self._words.transform_one(word_features(analysis.morphemes))
        char_cols, char_vals = self._chars.transform_one(char_ngrams(analysis.compact))
        columns = np.concatenate([word_cols, char_cols + len(self._words)])
        values = np.concatenate([word_vals * WORD_WEIGHT, char_vals * (1 - WORD_WEIGHT)])
        width = len(self._words) + len(self._chars)
        return sp.csr_matrix(
            (values, columns, np.array([0, len(columns)])), shape=(1, width), dtype=np.float32
        )

    def scores(self, analysis: Analysis) -> np.ndarray:
        """Score of every document for an analysed query (one entry per document)."""
        query = self.vectorize(analysis)
        if query.nnz == 0:
            return np.zeros(len(self.documents), dtype=np.float32)
        row_scores = (query @ self._rows_t).toarray().ravel()
        best_row = np.maximum.reduceat(row_scores, self._doc_starts)
        centroid = (query @ self._centroids_t).toarray().ravel()
        return MAX_WEIGHT * best_row + (1 - MAX_WEIGHT) * centroid

    def rank_analysis(self, analysis: Analysis, k: int = 3) -> list[Candidate]:
        if not self.documents or not analysis.compact:
            return []
        scores = self.scores(analysis)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Candidate(self.documents[i].key, self.documents[i].label, float(scores[i]))
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
