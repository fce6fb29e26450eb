"""python manage.py channel_key create --name web | list | revoke --name web"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.chat.models import ChannelKey


class Command(BaseCommand):
    help = "채널 API 키를 만들거나, 보거나, 폐기합니다. 새 키는 마지막 줄에 한 번만 보여 줍니다."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--channel", default="web")
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, options["action"])(options)

    def create(self, options: dict[str, Any]) -> None:
        key, raw = ChannelKey.issue(name=options["name"], channel=options["channel"])
        self.stdout.write(f"채널 키 '{key.name}'를 만들었습니다. 지금 복사해 두세요:")
        self.stdout.write(raw)  # last line: scripts read it

    def list(self, options: dict[str, Any]) -> None:
        for key in ChannelKey.objects.all():
            state = "active" if key.is_active else f"revoked {key.revoked_at:%Y-%m-%d}"
            self.stdout.write(f"{key.name}\t{key.prefix}…\t{key.channel}\t{state}")

    def revoke(self, options: dict[str, Any]) -> None:
        keys = ChannelKey.objects.active().filter(name=options["name"])
        if not keys:
            raise CommandError(f"활성 키 '{options['name']}'가 없습니다.")
        for key in keys:
            key.revoke()
        self.stdout.write(f"{len(keys)}개 키를 폐기했습니다.")
