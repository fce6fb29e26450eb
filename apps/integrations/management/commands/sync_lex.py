"""`manage.py sync_lex`: push published FAQs and active scenarios to Lex and build, now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.services.lex_sync import desired_intents, lex_sync_intents


class Command(BaseCommand):
    help = "게시된 FAQ와 시나리오를 Lex 인텐트로 반영하고 봇 로캘을 빌드합니다."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{len(desired_intents())} intents to check")
        try:
            run = lex_sync_intents(progress=lambda line: self.stdout.write(f"  {line}"))
        except IntegrationError as exc:
            raise CommandError(f"Lex sync failed: {exc.code} {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"done: created {run.created}, updated {run.updated}, deleted {run.deleted}, "
                f"unchanged {run.unchanged}"
            )
        )
