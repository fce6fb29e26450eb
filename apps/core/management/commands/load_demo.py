from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.agents.models import Agent, Queue
from apps.core.demo.content import DEMO_CHANNEL_KEY, demo_channel_key, load_content
from apps.core.demo.history import load_history
from apps.integrations.aws.errors import IntegrationError

# The local Connect twin's directory (apps/integrations/aws/fixtures/connect.json) names the
# demo queues and three demo agents; linking them lets its voice calls land on real people.
CONNECT_QUEUES = {
    "general": "q-general-0001",
    "billing": "q-billing-0002",
    "retention": "q-retention-0003",
}
CONNECT_USERS = {"agent.kim": "u-kim-0001", "agent.lee": "u-lee-0002", "agent.park": "u-park-0003"}
VOICE_HOURS = 3


class Command(BaseCommand):
    help = "누리모바일 데모 데이터를 불러옵니다 (여러 번 실행해도 같은 결과)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_content()
        self.stdout.write(f"FAQ {result['faqs']}개, 시나리오 {result['scenarios']}개")
        created = load_history(demo_channel_key())
        self.stdout.write(f"과거 대화 {created}건 생성" if created else "과거 대화는 이미 있습니다")
        self.stdout.write(f"음성 상담 {self._voice_calls()}건 (녹음 포함, 로컬 Connect)")
        self.stdout.write(f"데모 웹 채널 키: {DEMO_CHANNEL_KEY}")
        self.stdout.write(self.style.SUCCESS("데모 데이터 준비 완료"))

    def _voice_calls(self) -> int:
        """Voice calls of the last hours from the Connect twin, so QA can play a recording."""
        from apps.integrations.services.connect_contacts import connect_sync_voice_contacts

        for code, connect_id in CONNECT_QUEUES.items():
            Queue.objects.filter(code=code, connect_queue_id="").update(connect_queue_id=connect_id)
        for username, connect_id in CONNECT_USERS.items():
            Agent.objects.filter(user__username=username, connect_user_id="").update(
                connect_user_id=connect_id
            )
        now = timezone.now()
        try:
            run = connect_sync_voice_contacts(start=now - timedelta(hours=VOICE_HOURS), end=now)
        except IntegrationError as exc:  # the demo works without voice calls
            self.stderr.write(f"음성 상담을 가져오지 못했습니다: {exc}")
            return 0
        return int(run.created + run.updated + run.unchanged)
