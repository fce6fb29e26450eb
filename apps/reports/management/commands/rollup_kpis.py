"""python manage.py rollup_kpis --from YYYY-MM-DD --to YYYY-MM-DD: backfill KPI roll-ups."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.reports import services


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be YYYY-MM-DD, got {value!r}")


class Command(BaseCommand):
    help = "Recompute the daily KPI roll-ups of a range of Seoul days (default: yesterday)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", default="", help="YYYY-MM-DD (Asia/Seoul)")
        parser.add_argument("--to", dest="last", default="", help="YYYY-MM-DD, default --from")

    def handle(self, *args: Any, **options: Any) -> None:
        yesterday = timezone.localdate() - timedelta(days=1)
        first = _date("from", options["first"]) if options["first"] else yesterday
        last = _date("to", options["last"]) if options["last"] else first
        if last < first:
            raise CommandError("--to must not be before --from")
        if last >= timezone.localdate():
            # Today is always computed live; a roll-up of it would never be read.
            raise CommandError("--to must be before today (Asia/Seoul)")
        n = services.kpi_rollup_range(first=first, last=last, progress=self._line)
        self.stdout.write(f"완료: {n}일 집계")

    def _line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
