"""python manage.py run_report NAME --date YYYY-MM-DD: build, store and mail one report now."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.reports import services
from apps.reports.models import ReportDefinition


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}")


class Command(BaseCommand):
    help = "Run a report definition for the period ending on --date (default: yesterday)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="ReportDefinition.name")
        parser.add_argument("--date", type=str, default="", help="YYYY-MM-DD (Asia/Seoul)")

    def handle(self, *args: Any, **options: Any) -> None:
        definition = ReportDefinition.objects.filter(name=options["name"]).first()
        if definition is None:
            names = ", ".join(ReportDefinition.objects.values_list("name", flat=True)) or "-"
            raise CommandError(f"no report named {options['name']!r} (known: {names})")
        day = _date(options["date"]) if options["date"] else services.yesterday()
        run = services.report_run(definition=definition, day=day, progress=self._line)
        self.stdout.write(f"완료: 실행 #{run.pk} {run.get_status_display()} {run.file.name}")

    def _line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
