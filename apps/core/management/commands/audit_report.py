from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.audit import (
    audit_monthly_summary,
    audit_summary_csv,
    parse_month,
    previous_month,
)
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "월간 개인정보 접근 보고서(사용자별 행위 건수, 접근 고객 수)를 CSV로 출력합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (기본: 지난달)")
        parser.add_argument("--output", "-o", help="CSV 파일 경로 (기본: 표준 출력)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = parse_month(options["month"]) if options["month"] else previous_month()
        except ApplicationError as e:
            raise CommandError(e.message)
        rows = audit_monthly_summary(month=month)
        text = audit_summary_csv(rows)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(
                self.style.SUCCESS(
                    f"{month:%Y-%m}: 사용자 {len(rows)}명, 기록 {sum(r.total for r in rows)}건 "
                    f"→ {options['output']}"
                )
            )
        else:
            # No BOM on a terminal; files keep it for Excel.
            self.stdout.write(text.lstrip("\ufeff"), ending="")
