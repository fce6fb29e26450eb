"""TF-IDF feature spaces with a fast single-query path.

scikit-learn fits the vocabulary and IDF; queries are vectorised here with a dict lookup
because `TfidfVectorizer.transform` costs ~1 ms of validation per call, a tenth of our
per-utterance budget.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

CHAR_NGRAMS = (2, 4)


def char_ngrams(text: str) -> list[str]:
    """Character n-grams of a spacing-free string; a 1-character text is its own feature."""
    low, high = CHAR_NGRAMS
    if len(text) < low:
        return [text] if text else []
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def word_features(morphemes: Sequence[str]) -> list[str]:
    bigrams = [f"{a}_{b}" for a, b in zip(morphemes, morphemes[1:], strict=False)]
    return [*morphemes, *bigrams]


def _identity(features: list[str]) -> list[str]:
    return features


class TfidfSpace:
    """Sublinear-TF, smoothed-IDF, L2-normalised space over pre-extracted features."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.vocabulary)

    def fit_transform(self, rows: list[list[str]]) -> sp.csr_matrix:
        if not any(rows):
            return sp.csr_matrix((len(rows), 0), dtype=np.float32)
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, dtype=np.float32, lowercase=False
        )
        matrix = vectorizer.fit_transform(rows)
        self.vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        self.idf = vectorizer.idf_.astype(np.float32)
        return matrix.tocsr()

    def transform_one(self, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, L2-normalised weights) of one row; unknown features are dropped."""
        counts = Counter(f for f in features if f in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        columns = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.int32)
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32)
        weights = tf * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)
