from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.core.demo.content import DEMO_CHANNEL_KEY, demo_channel_key, load_content
from apps.core.demo.history import load_history


class Command(BaseCommand):
    help = "누리모바일 데모 데이터를 불러옵니다 (여러 번 실행해도 같은 결과)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_content()
        self.stdout.write(f"FAQ {result['faqs']}개, 시나리오 {result['scenarios']}개")
        created = load_history(demo_channel_key())
        self.stdout.write(f"과거 대화 {created}건 생성" if created else "과거 대화는 이미 있습니다")
        self.stdout.write(f"데모 웹 채널 키: {DEMO_CHANNEL_KEY}")
        self.stdout.write(self.style.SUCCESS("데모 데이터 준비 완료"))
