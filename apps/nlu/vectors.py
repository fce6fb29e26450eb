"""TF-IDF feature spaces with a fast single-query path.

The spaces are fitted here rather than with scikit-learn's `TfidfVectorizer`: the features are
already extracted, and building the CSR matrix straight from them takes a third of the time its
vocabulary sort and validation cost on a 10,000-question build. The maths is the same
(sublinear TF, smoothed IDF, L2 rows). Queries are vectorised with a dict lookup because a
`transform` call costs ~1 ms of validation, a tenth of our per-utterance budget.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

# Syllable n-grams inside each written word, padded with the word boundary (like scikit-learn's
# "char_wb"): 1-grams keep one-syllable words and stems, 3-grams keep some word order.
WORD_CHAR_NGRAMS = (1, 3)
# Syllable n-grams of the spacing-free text, so "배송조회" and "배송 조회" still meet.
COMPACT_NGRAMS = (2, 3)


def char_ngrams(text: str) -> list[str]:
    """Character n-grams of a spacing-free string; a text shorter than that is its own feature."""
    low, high = COMPACT_NGRAMS
    if len(text) < low:
        return [text] if text else []
    return [text[i : i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def word_char_ngrams(text: str) -> list[str]:
    """Character 1-3-grams of each space-separated word, with a space marking its edges.

    Cut from the whole padded text in one pass (faster than word by word): an n-gram is kept
    unless a space sits inside it, which would join two words.
    """
    padded = f" {' '.join(text.split())} "
    size = len(padded)
    # A lone space (the edge marker as a 1-gram) is in every row and says nothing.
    grams = [ch for ch in padded if ch != " "]
    grams += [padded[i : i + 2] for i in range(size - 1)]
    grams += [padded[i : i + 3] for i in range(size - 2) if padded[i + 1] != " "]
    return grams if text.strip() else []


def word_features(morphemes: Sequence[str]) -> list[str]:
    bigrams = [f"{a}_{b}" for a, b in zip(morphemes, morphemes[1:], strict=False)]
    return [*morphemes, *bigrams]


class TfidfSpace:
    """Sublinear-TF, smoothed-IDF, L2-normalised space over pre-extracted features."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.vocabulary)

    def fit_transform(self, rows: Sequence[Sequence[str]]) -> sp.csr_matrix:
        # Everything below runs in C (dict construction, map, numpy): a per-feature Python loop
        # was half of a 10,000-question build.
        flat = list(chain.from_iterable(rows))
        vocabulary = dict(zip(dict.fromkeys(flat), range(len(flat)), strict=False))
        self.vocabulary = vocabulary
        n_rows, width = len(rows), len(vocabulary)
        if not width:
            self.idf = np.zeros(0, dtype=np.float32)
            return sp.csr_matrix((n_rows, 0), dtype=np.float32)
        codes = np.fromiter(map(vocabulary.__getitem__, flat), dtype=np.int64, count=len(flat))
        owners = np.repeat(np.arange(n_rows, dtype=np.int64), [len(row) for row in rows])
        # One key per (row, feature): unique() sorts them row by row and counts repeats.
        keys, counts = np.unique(owners * width + codes, return_counts=True)
        row_of, cols = np.divmod(keys, width)
        df = np.bincount(cols, minlength=width)
        self.idf = (np.log((1 + n_rows) / (1 + df)) + 1).astype(np.float32)
        values = (1 + np.log(counts.astype(np.float32))) * self.idf[cols]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of, minlength=n_rows))])
        matrix = sp.csr_matrix(
            (values, cols.astype(np.int32), indptr), shape=(n_rows, width), dtype=np.float32
        )
        return l2_normalize(matrix).astype(np.float32)

    def transform_one(self, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, L2-normalised weights) of one row; unknown features are dropped."""
        counts = Counter(f for f in features if f in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        columns = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.int32)
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32)
        weights = tf * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)
