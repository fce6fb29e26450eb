"""`manage.py sync_connect [--only queues,agents,live,history,voice] [--hours N]`, with progress.

`voice` (not in the default steps: it writes conversations) imports the voice contacts that
ended in the last N hours, with their call recordings; on the local twin that is the demo calls.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.models import SyncRun
from apps.integrations.services import connect_contacts, connect_sync

DEFAULT_STEPS = ("queues", "agents", "live", "history")
STEPS = (*DEFAULT_STEPS, "voice")


class Command(BaseCommand):
    help = "Amazon Connect에서 큐, 상담원, 실시간/과거 지표를 가져옵니다."

    def add_arguments(self, parser) -> None:  # noqa: ANN001  argparse
        parser.add_argument(
            "--only", default=",".join(DEFAULT_STEPS), help="queues,agents,live,history,voice"
        )
        parser.add_argument(
            "--hours",
            type=int,
            default=connect_sync.HISTORY_WINDOW_HOURS,
            help="hours of historical metrics or voice contacts to (re)load",
        )

    def handle(self, *args: object, **options: object) -> None:
        steps = [s.strip() for s in str(options["only"]).split(",") if s.strip()]
        unknown = set(steps) - set(STEPS)
        if unknown:
            raise CommandError(f"unknown step(s): {', '.join(sorted(unknown))}")
        if int(options["hours"]) < 1:  # type: ignore[call-overload]
            raise CommandError("--hours must be at least 1")
        for step in steps:
            self.stdout.write(f"{step}… ", ending="")
            self.stdout.flush()
            try:
                run = self.sync_step(step, int(options["hours"]))  # type: ignore[call-overload]
            except IntegrationError as exc:
                raise CommandError(f"{step} failed: {exc.code} {exc.message}") from exc
            self.stdout.write(self.style.SUCCESS(self.summary(run)))

    def sync_step(self, step: str, hours: int) -> SyncRun:
        if step == "queues":
            return connect_sync.connect_sync_queues()
        if step == "agents":
            return connect_sync.connect_sync_agents()
        if step == "live":
            return connect_sync.connect_sync_live_metrics()
        if step == "voice":
            start, end = connect_contacts.default_window(timezone.now(), hours)
            return connect_contacts.connect_sync_voice_contacts(start=start, end=end)
        end = timezone.now().replace(minute=0, second=0, microsecond=0)
        return connect_sync.connect_sync_historical_metrics(
            start=end - timedelta(hours=hours), end=end
        )

    @staticmethod
    def summary(run: SyncRun) -> str:
        return (
            f"created {run.created}, updated {run.updated}, deleted {run.deleted}, "
            f"unchanged {run.unchanged}"
        )
