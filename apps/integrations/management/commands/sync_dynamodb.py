"""`manage.py sync_dynamodb [--create-table]`: rebuild the Lambda's DynamoDB content mirror."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.integrations.aws.dynamodb import get_content_table
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.services.content_mirror import content_mirror_resync, mirror_enabled


class Command(BaseCommand):
    help = "게시된 FAQ 답변과 시나리오 답변을 DynamoDB 테이블에 전부 다시 반영합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--create-table",
            action="store_true",
            help="테이블이 없으면 먼저 만듭니다 (온디맨드 용량).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not mirror_enabled():
            raise CommandError("AICC_DYNAMODB_TABLE is not set: there is no table to sync.")
        table = get_content_table()
        try:
            if options["create_table"] and table.create_table():
                self.stdout.write("table created")
            result = content_mirror_resync(
                table=table, progress=lambda line: self.stdout.write(f"  {line}")
            )
        except IntegrationError as exc:
            raise CommandError(f"DynamoDB sync failed: {exc.code} {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"done: upserted {result.upserted}, deleted {result.deleted}")
        )
