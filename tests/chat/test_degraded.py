"""With Redis gone, chat still answers and persists; health says degraded (DESIGN §4)."""

from __future__ import annotations

import pytest

from apps.chat.models import Message
from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": DEAD_REDIS, "socket_connect_timeout": 0.2}]},
        }
    }


def test_chat_answers_and_persists_without_redis(api, redis_down):
    FaqFactory(question="배송지를 변경하고 싶어요", answer="마이페이지에서 바꿀 수 있어요.")

    response = api.chat("배송지 변경은 어떻게 하나요?", client_message_id="offline-1")

    assert response.status_code == 200
    assert response.json()["response_text"] == "마이페이지에서 바꿀 수 있어요."
    assert Message.objects.count() == 2


def test_health_is_degraded_not_down_without_redis(client, redis_down):
    response = client.get("/api/monitoring/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["db"] == "ok"
    assert body["checks"]["cache"] == "down"
    assert body["checks"]["channel_layer"] == "down"
