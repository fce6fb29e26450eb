"""`nlu_eval --from-db`: how well the live FAQ set answers its own alternative questions.

Leave-one-out by folds: fold i holds out the i-th alternative of every FAQ and trains on all
the other texts, so every alternative is asked once against an index that never saw it, with
as many index builds as the longest alternative list (not one per text). Wrong answers and
near ties become "confusable pairs": the FAQs supervisors should reword or merge first.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from apps.faqs.models import Faq
from apps.nlu.evaluation import Row, _macro_f1, _percentile_ms, documents_from_rows
from apps.nlu.ranker import Index, analyse

# A right answer whose runner-up scores this close is a near miss worth showing too.
NEAR_TIE = 0.03


@dataclass
class LiveFaq:
    key: str
    question: str
    alternatives: list[str]


def live_faqs() -> list[LiveFaq]:
    return [
        LiveFaq(f"faq:{faq.pk}", faq.question, [a.text for a in faq.alternatives.all()])
        for faq in Faq.objects.live().prefetch_related("alternatives")
    ]


def _fold(faqs: list[LiveFaq], i: int) -> tuple[list[Row], list[Row]]:
    train: list[Row] = []
    test: list[Row] = []
    for faq in faqs:
        train.append((faq.question, faq.key))
        for j, text in enumerate(faq.alternatives):
            (test if j == i else train).append((text, faq.key))
    return train, test


def evaluate_live_faqs(top_pairs: int = 10) -> dict[str, Any]:
    faqs = live_faqs()
    questions = {faq.key: faq.question for faq in faqs}
    analyse("워밍업")  # load Kiwi outside the timings
    gold: list[str] = []
    predicted: list[str] = []
    latencies: list[float] = []
    confusions: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    builds = 0.0
    for i in range(max((len(f.alternatives) for f in faqs), default=0)):
        train, test = _fold(faqs, i)
        started = time.perf_counter()
        index = Index.build(documents_from_rows(train))
        builds += time.perf_counter() - started
        for text, label in test:
            started = time.perf_counter()
            ranked = index.rank(text, k=2)
            latencies.append(time.perf_counter() - started)
            top = ranked[0].key if ranked else ""
            gold.append(label)
            predicted.append(top)
            other = _confused_with(label, ranked)
            if other:
                pair = tuple(sorted((label, other)))
                confusions[pair] += 1  # type: ignore[index]
                examples.setdefault(pair, text)  # type: ignore[arg-type]
    n = max(len(gold), 1)
    return {
        "n": len(gold),
        "faqs": len(faqs),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / n, 4),
        "macro_f1": round(_macro_f1(gold, predicted), 4),
        "p50_ms": _percentile_ms(latencies, 50),
        "p95_ms": _percentile_ms(latencies, 95),
        "build_s": round(builds, 3),
        "confusable_pairs": [
            {
                "a": questions.get(a, a),
                "b": questions.get(b, b),
                "count": count,
                "example": examples[(a, b)],
            }
            for (a, b), count in confusions.most_common(top_pairs)
        ],
    }


def _confused_with(label: str, ranked: list) -> str | None:
    if not ranked:
        return None
    if ranked[0].key != label:
        return ranked[0].key
    if len(ranked) > 1 and ranked[0].score - ranked[1].score < NEAR_TIE:
        return ranked[1].key
    return None
