from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from apps.nlu import morph
from apps.nlu.ranker import Document, Index, _lookup
from apps.nlu.vectors import TfidfSpace, char_ngrams, word_char_ngrams


def _identity(features: list[str]) -> list[str]:
    return features


def test_fitted_space_matches_scikit_learn_tfidf():
    rows = [["환불", "언제", "환불"], ["배송"], [], ["배송", "조회", "조회", "조회"]]
    space = TfidfSpace()
    ours = space.fit_transform(rows).toarray()
    reference = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, lowercase=False)
    theirs = reference.fit_transform(rows).toarray()
    names = sorted(reference.vocabulary_, key=reference.vocabulary_.get)
    assert np.allclose(ours[:, [space.vocabulary[f] for f in names]], theirs, atol=1e-6)
    # A query is weighted like a fitted row; features the space never saw are dropped.
    columns, weights = space.transform_one(["배송", "조회", "조회", "조회", "모르는말"])
    assert np.allclose(weights, ours[3, columns], atol=1e-6)


def test_an_empty_space_has_no_columns():
    assert TfidfSpace().fit_transform([[], []]).shape == (2, 0)


def test_word_char_ngrams_never_join_two_words():
    grams = word_char_ngrams("배송 조회")
    assert {"배", "송", " 배", "배송", "송 ", " 배송", "배송 ", " 조", "조회 "} <= set(grams)
    assert "송 조" not in grams and " " not in grams
    assert word_char_ngrams("  ") == []


def test_compact_ngrams_ignore_spacing():
    assert char_ngrams("배송조회") == ["배송", "송조", "조회", "배송조", "송조회"]
    assert char_ngrams("가") == ["가"]


def test_posting_lookup_equals_the_sparse_product():
    rng = np.random.default_rng(3)
    matrix_t = sp.random(50, 30, density=0.2, random_state=4, format="csr", dtype=np.float32)
    columns = np.array([1, 7, 20, 49], dtype=np.int32)
    values = rng.random(4).astype(np.float32)
    query = sp.csr_matrix((values, columns, [0, 4]), shape=(1, 50))
    assert np.allclose(_lookup(matrix_t, columns, values), (query @ matrix_t).toarray().ravel())


def test_a_rebuild_does_not_analyse_known_texts_again(monkeypatch):
    docs = [Document("faq:1", "배송", ["배송 조회는 어떻게 하나요?"])]
    Index.build(docs)
    calls: list[list[str]] = []
    kiwi = morph.get_kiwi()
    real = kiwi.tokenize

    class Spy:
        def tokenize(self, texts):  # noqa: ANN001 - mirrors Kiwi.tokenize
            calls.append(list(texts) if not isinstance(texts, str) else [texts])
            return real(texts)

    monkeypatch.setattr(morph, "get_kiwi", lambda: Spy())
    Index.build([*docs, Document("faq:2", "환불", ["환불은 언제 되나요?"])])
    assert calls == [["환불은 언제 되나요?"]]


@pytest.mark.parametrize("texts", [["배송 조회"], ["배송 조회", "택배 어디쯤 왔어요"]])
def test_one_and_many_text_documents_score_alike_for_an_exact_match(texts):
    other = Document("faq:2", "환불", ["환불 언제"])
    index = Index.build([Document("faq:1", "배송", texts), other])
    assert index.rank("배송 조회")[0].key == "faq:1"
