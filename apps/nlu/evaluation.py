"""Offline evaluation of the local NLU: train on labelled texts, score held-out texts.

Plain functions so `nlu_eval` (CSV files today, the database later) and the bench share them.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from apps.nlu.ranker import Document, Index, analyse

Row = tuple[str, str]  # (text, label)
RANK_DEPTH = 10  # MRR looks this deep; a label ranked lower counts as 0


class EvaluationDataError(ValueError):
    pass


def read_rows(path: str | Path) -> list[Row]:
    """Rows of a UTF-8 CSV with a header containing `text` and `label`."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"text", "label"} - set(reader.fieldnames or [])
            if missing:
                raise EvaluationDataError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                    "expected a header row with 'text,label'"
                )
            rows = [(r["text"] or "", r["label"] or "") for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationDataError(f"{path}: cannot read CSV ({exc})") from exc
    rows = [(text.strip(), label.strip()) for text, label in rows if text.strip()]
    if not rows:
        raise EvaluationDataError(f"{path}: no rows with text")
    return rows


def documents_from_rows(rows: Iterable[Row]) -> list[Document]:
    """One document per label; its training texts are the examples."""
    texts: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        texts[label].append(text)
    return [Document(key=label, label=label, texts=group) for label, group in texts.items()]


def _percentile_ms(seconds: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.array(seconds) * 1000, q)), 3) if seconds else 0.0


def evaluate(train_rows: Sequence[Row], test_rows: Sequence[Row]) -> dict[str, float | int]:
    """Build from `train_rows` only and score `test_rows`.

    Returns accuracy, macro_f1, top3, mrr, p50_ms, p95_ms (per utterance, full pipeline
    from raw text) and build_s, plus n (number of test rows).
    """
    analyse("워밍업")  # load Kiwi outside the timings
    started = time.perf_counter()
    index = Index.build(documents_from_rows(train_rows))
    build_s = time.perf_counter() - started

    predicted: list[str] = []
    reciprocal_ranks: list[float] = []
    top3_hits = 0
    latencies: list[float] = []
    for text, label in test_rows:
        started = time.perf_counter()
        labels = [c.label for c in index.rank(text, k=RANK_DEPTH)]
        latencies.append(time.perf_counter() - started)
        predicted.append(labels[0] if labels else "")
        top3_hits += label in labels[:3]
        reciprocal_ranks.append(1 / (labels.index(label) + 1) if label in labels else 0.0)

    gold = [label for _, label in test_rows]
    n = max(len(gold), 1)  # an empty test set scores 0 rather than dividing by zero
    correct = sum(p == g for p, g in zip(predicted, gold, strict=True))
    return {
        "accuracy": round(correct / n, 4),
        "macro_f1": round(_macro_f1(gold, predicted), 4),
        "top3": round(top3_hits / n, 4),
        "mrr": round(sum(reciprocal_ranks) / n, 4),
        "p50_ms": _percentile_ms(latencies, 50),
        "p95_ms": _percentile_ms(latencies, 95),
        "build_s": round(build_s, 3),
        "n": len(gold),
    }


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    if not gold:
        return 0.0
    # Averaged over the labels that occur in the test set, so a label the test set never
    # asks about cannot drag the score down.
    labels = sorted(set(gold))
    return float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))
