"""python manage.py nlu_eval --train TRAIN.csv --test TEST.csv [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.nlu.evaluation import EvaluationDataError, evaluate, read_rows


class Command(BaseCommand):
    help = "Build the local NLU from TRAIN (CSV text,label) and score it on TEST."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, help="CSV with a text,label header")
        parser.add_argument("--test", required=True, help="CSV with a text,label header")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            train_rows = read_rows(options["train"])
            test_rows = read_rows(options["test"])
        except EvaluationDataError as exc:
            raise CommandError(str(exc)) from exc
        result = evaluate(train_rows, test_rows)
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"n={result['n']}  accuracy {result['accuracy']:.1%}  macro-F1 "
            f"{result['macro_f1']:.3f}  top-3 {result['top3']:.1%}  MRR {result['mrr']:.3f}\n"
            f"p50 {result['p50_ms']:.2f} ms  p95 {result['p95_ms']:.2f} ms per utterance  "
            f"build {result['build_s']:.2f} s"
        )
