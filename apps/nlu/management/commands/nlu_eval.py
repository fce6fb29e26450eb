"""python manage.py nlu_eval --train TRAIN.csv --test TEST.csv [--json] | --from-db [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.nlu.evaluation import EvaluationDataError, evaluate, read_rows


class Command(BaseCommand):
    help = (
        "Build the local NLU from TRAIN (CSV text,label) and score it on TEST, or with "
        "--from-db score the live FAQs on their own alternative questions (leave-one-out)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", help="CSV with a text,label header")
        parser.add_argument("--test", help="CSV with a text,label header")
        parser.add_argument("--from-db", action="store_true", help="evaluate the live FAQ set")
        parser.add_argument("--pairs", type=int, default=10, help="confusable pairs to list")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["from_db"]:
            if options["train"] or options["test"]:
                raise CommandError("--from-db cannot be combined with --train/--test")
            self.from_db(options)
            return
        if not options["train"] or not options["test"]:
            raise CommandError("--train and --test are both required (or use --from-db)")
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

    def from_db(self, options: dict[str, Any]) -> None:
        from apps.nlu.db_eval import evaluate_live_faqs

        result = evaluate_live_faqs(top_pairs=options["pairs"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"게시 FAQ {result['faqs']}개, 대체 질문 {result['n']}개 (leave-one-out)\n"
            f"accuracy {result['accuracy']:.1%}  macro-F1 {result['macro_f1']:.3f}  "
            f"p95 {result['p95_ms']:.2f} ms  build {result['build_s']:.2f} s\n"
        )
        if not result["confusable_pairs"]:
            self.stdout.write("헷갈리는 FAQ 쌍이 없습니다.")
            return
        self.stdout.write("가장 헷갈리는 FAQ 쌍 (먼저 고쳐 보세요):")
        for n, pair in enumerate(result["confusable_pairs"], start=1):
            self.stdout.write(
                f"{n:>2}. [{pair['count']}회] {pair['a']}  ↔  {pair['b']}\n"
                f"      예: {pair['example']}"
            )
