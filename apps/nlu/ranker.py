"""Local ranking model for FAQs and scenario utterances (DESIGN.md §5).

Every training text is a row in five TF-IDF spaces, each a different view of Korean text:
  * words: content morphemes (unigrams + adjacent bigrams), so endings and particles do not
    matter ("환불이 안 돼요" = "환불 안 됨"), plus "~concept" features from a general Korean CS
    lexicon (apps/nlu/lexicon.py: 폰 = 휴대폰, 없애다 = 해지);
  * word characters: syllable 1-3-grams inside each written word, which match stems, typos and
    words Kiwi does not know;
  * compact characters: 2-3-grams of the spacing-free text, so spacing does not matter;
  * tagged morphemes: every morpheme with its coarse tag, endings included, for the tense/mood
    and who-did-what that content words drop;
  * lemma characters: syllable n-grams of the content lemmas, so 바꿨어요 and 바꾸고 meet on 바꾸.
Query words one jamo away from a known word are corrected first (apps/nlu/typo.py: 헤지 → 해지).
Everyday small talk is indexed as negative rows (apps/nlu/smalltalk.py); a query closer to it
than to any document gets a damped confidence. A query is scored against every row with one
sparse product on the transposed matrix (an inverted index): the score is the weighted sum of the
five cosines, and a document's score blends its best row and its centroid. `decide` turns the
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
from apps.nlu.morph import Morphology, morphology, morphology_many
from apps.nlu.normalize import compact, fix_keyboard_layout, normalize
from apps.nlu.smalltalk import smalltalk_lines
from apps.nlu.typo import TypoCorrector
from apps.nlu.vectors import TfidfSpace, char_ngrams, word_char_ngrams, word_features

# Weight of each space's cosine in a score (they sum to 1). Tuned for top-1 on the train and
# validation splits of question_pair paraphrases (general Korean, not our FAQs) and checked on
# its test split: each view alone is at or below a character TF-IDF baseline, together they are
# 5-7 points above it (bench/nlu.py).
SPACES = ("words", "word_chars", "compact", "tagged", "lemma_chars")
SPACE_WEIGHTS = {
    "words": 0.16,
    "word_chars": 0.46,
    "compact": 0.08,
    "tagged": 0.15,
    "lemma_chars": 0.15,
}
# Share of a document's score from its best-matching text; the rest from its centroid.
MAX_WEIGHT = 0.6
# decide(): answer only when the best match is good and clearly ahead of the runner-up.
# Scores are weighted cosines (0-1). On the demo FAQs these were tuned on half of
# tests/nlu/paraphrases.py (even rows) and checked on the other half (odd rows: 28 answered
# right, 0 wrong, 14 clarified with the FAQ offered); ChatbotData small talk (bench/nlu.py)
# gets ~1 % answers. CLARIFY_SCORE is the lower of two equally good values on the FAQs
# (0.22, 0.25): a hedged "did you mean" costs less than a fallback on a real request.
ANSWER_SCORE = 0.35
ANSWER_MARGIN = 0.05
CLARIFY_SCORE = 0.22
CLARIFY_WINDOW = 0.10  # runners-up this close to the top are offered too
CLARIFY_MAX = 3
# Small-talk gate: when the best small-talk line scores at least SMALLTALK_RATIO times the top
# document, every candidate's score is multiplied by SMALLTALK_DAMP.
SMALLTALK_RATIO = 1.0
SMALLTALK_DAMP = 0.5
# Features in more than this share of the rows (common syllables like 하, 이, 요) are left out
# of a query's lookup: their low IDF adds almost the same to every row, yet their posting lists
# are most of the work. They still count in the vector norms. Small indexes skip nothing.
LOOKUP_MAX_DF = 0.2
LOOKUP_MIN_ROWS = 100
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
    morphemes: list[str] = field(default_factory=list)  # content morphemes
    tagged: list[str] = field(default_factory=list)  # all morphemes as "lemma/TAG"


def _prepare(text: str) -> str:
    # PII first: nothing downstream (features, logs) may see the raw numbers.
    return normalize(fix_keyboard_layout(mask_pii(text)))


def _analysis(prepared: str, morph: Morphology) -> Analysis:
    return Analysis(prepared, compact(prepared), morph.content, morph.tagged)


def analyse(text: str) -> Analysis:
    """The input pipeline shared by ranking, dialog and logging."""
    prepared = _prepare(text)
    return _analysis(prepared, morphology(prepared))


def _analyse_many(texts: Sequence[str]) -> list[Analysis]:
    prepared = [_prepare(text) for text in texts]
    return [_analysis(p, m) for p, m in zip(prepared, morphology_many(prepared), strict=True)]


def _features(morphemes: Sequence[str]) -> list[str]:
    """Morpheme unigrams and bigrams plus the CS concepts they mention (apps/nlu/lexicon.py)."""
    return [*word_features(morphemes), *concepts(morphemes)]


def _space_feature(name: str, analysis: Analysis, morphemes: Sequence[str]) -> list[str]:
    """The features of one text in one space (`morphemes`: content morphemes, typo-fixed)."""
    if name == "words":
        return _features(morphemes)
    if name == "word_chars":
        return word_char_ngrams(analysis.text)
    if name == "compact":
        return char_ngrams(analysis.compact)
    if name == "tagged":
        return analysis.tagged
    return word_char_ngrams(" ".join(morphemes))  # lemma_chars


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


def _lookup(matrix_t: sp.csr_matrix, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Query (columns, values) times a features x items matrix, via its posting lists.

    Adding up the postings of the query's few features with one bincount skips the generic
    sparse product's validation and two passes, which were most of a query's time.
    """
    starts = matrix_t.indptr[columns]
    lengths = matrix_t.indptr[columns + 1] - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(matrix_t.shape[1], dtype=np.float64)
    # Position of every posting: each list's start, then counting up within the list.
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    weights = matrix_t.data[offsets] * np.repeat(values, lengths)
    return np.bincount(matrix_t.indices[offsets], weights=weights, minlength=matrix_t.shape[1])


class Index:
    """Immutable, picklable ranking index; build a new one when content changes."""

    def __init__(
        self,
        documents: list[Document],
        spaces: dict[str, TfidfSpace],
        rows_t: sp.csr_matrix,
        centroids_t: sp.csr_matrix,
        doc_starts: np.ndarray,
        negatives_t: sp.csr_matrix | None = None,
        corrector: TypoCorrector | None = None,
    ) -> None:
        self.documents = documents
        self._spaces = spaces  # name -> space, columns laid out in SPACES order
        self._rows_t = rows_t  # features x rows, so a query row times it is an index lookup
        # features x documents with two or more texts (a one-text document is its own
        # centroid, so looking it up twice would only double the work)
        self._centroids_t = centroids_t
        self._grouped = np.flatnonzero(np.diff(np.append(doc_starts, rows_t.shape[1])) > 1)
        self._doc_starts = doc_starts  # first row of each document (rows grouped by document)
        self._negatives_t = negatives_t  # features x small-talk rows
        self._corrector = corrector or TypoCorrector([])
        common = max(LOOKUP_MAX_DF * rows_t.shape[1], LOOKUP_MIN_ROWS)
        self._lookup_ok = np.diff(rows_t.indptr) <= common if rows_t.nnz else None
        offsets = np.cumsum([0] + [len(spaces[name]) for name in SPACES])
        self._offsets = dict(zip(SPACES, offsets[:-1].tolist(), strict=True))
        self._width = int(offsets[-1])

    @classmethod
    def build(cls, documents: Sequence[Document]) -> Index:
        docs = [d for d in documents if any(t.strip() for t in d.texts)]
        texts = [t for d in docs for t in d.texts if t.strip()]
        counts = np.array([sum(1 for t in d.texts if t.strip()) for d in docs], dtype=np.int64)
        spaces = {name: TfidfSpace() for name in SPACES}
        if not texts:
            empty = sp.csr_matrix((0, 0), dtype=np.float32)
            return cls([], spaces, empty, empty, np.zeros(0, dtype=np.int64))
        negatives = list(smalltalk_lines())
        analyses = _analyse_many(texts + negatives)
        # One space at a time: all five feature lists of 10,000 texts at once are ~150 MiB.
        blocks = [
            spaces[name].fit_transform([_space_feature(name, a, a.morphemes) for a in analyses])
            for name in SPACES
        ]
        n = len(texts)
        grouped = np.flatnonzero(counts > 1)
        in_group = np.repeat(counts > 1, counts)
        owner = np.repeat(np.arange(len(docs)), counts)[in_group]
        owner = np.searchsorted(grouped, owner)
        grouping = sp.csr_matrix(
            (np.ones(len(owner), dtype=np.float32), (owner, np.flatnonzero(in_group))),
            shape=(len(grouped), n),
        )
        # Rows and centroids are unit vectors in every space; the space weights go on the query.
        rows = sp.hstack([block[:n] for block in blocks], format="csr", dtype=np.float32)
        centroids = sp.hstack(
            [l2_normalize(grouping @ block[:n]) if len(grouped) else grouping @ block[:n]
             for block in blocks],
            format="csr", dtype=np.float32,
        )  # fmt: skip
        negatives_t = sp.hstack([block[n:] for block in blocks], format="csr", dtype=np.float32)
        doc_starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        # Typos snap to words the content uses or the lexicon knows, never to small-talk words.
        known = {m for a in analyses[:n] for m in a.morphemes}
        corrector = TypoCorrector(known | default_lexicon().words())
        return cls(
            docs, spaces, rows.T.tocsr(), centroids.T.tocsr(), doc_starts,
            negatives_t.T.tocsr(), corrector,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.documents)

    def _query(self, analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of a query: each space's part L2-normalised times its weight,
        so a dot product with a row is the weighted sum of the spaces' cosines."""
        morphemes = _corrections(analysis, self._corrector)
        columns, values = [], []
        for name in SPACES:
            cols, vals = self._spaces[name].transform_one(_space_feature(name, analysis, morphemes))
            columns.append(cols + self._offsets[name])
            values.append(vals * SPACE_WEIGHTS[name])
        column, value = np.concatenate(columns), np.concatenate(values)
        if self._lookup_ok is not None:
            keep = self._lookup_ok[column]
            column, value = column[keep], value[keep]
        return column, value

    def vectorize(self, analysis: Analysis) -> sp.csr_matrix:
        columns, values = self._query(analysis)
        return sp.csr_matrix(
            (values, columns, np.array([0, len(columns)])), shape=(1, self._width), dtype=np.float32
        )

    def _scores(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        row_scores = _lookup(self._rows_t, columns, values)
        best_row = np.maximum.reduceat(row_scores, self._doc_starts)
        centroid = best_row.copy()
        if len(self._grouped):
            centroid[self._grouped] = _lookup(self._centroids_t, columns, values)
        return MAX_WEIGHT * best_row + (1 - MAX_WEIGHT) * centroid

    def _smalltalk(self, columns: np.ndarray, values: np.ndarray) -> float:
        if self._negatives_t is None or self._negatives_t.shape[1] == 0:
            return 0.0
        return float(_lookup(self._negatives_t, columns, values).max())

    def scores(self, analysis: Analysis) -> np.ndarray:
        """Score of every document for an analysed query (one entry per document)."""
        columns, values = self._query(analysis)
        if not len(columns):
            return np.zeros(len(self.documents), dtype=np.float32)
        return self._scores(columns, values)

    def rank_analysis(self, analysis: Analysis, k: int = 3) -> list[Candidate]:
        if not self.documents or not analysis.compact:
            return []
        columns, values = self._query(analysis)
        if not len(columns):
            return []
        scores = self._scores(columns, values)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        # Closer to small talk than to any document: keep the order (retrieval metrics and
        # "did you mean" lists stay intact) but lower the confidence so decide() falls back.
        small_talk = self._smalltalk(columns, values)
        damp = SMALLTALK_DAMP if small_talk >= SMALLTALK_RATIO * scores[top[0]] else 1.0
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
