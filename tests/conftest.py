from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import Client

from apps.core import roles
from tests.factories import AgentFactory, UserFactory


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist with Redis, each worker gets a Redis database and pub/sub prefix.

    Every test empties the cache, and the workers' databases both number their rows from 1:
    sharing Redis, one worker's clear() wiped the other's throttle counters mid-test, and group
    "conversation-1" of one test would reach the other's sockets. Runs before any cache or
    channel layer is created (pytest-django has loaded settings; connections are lazy).
    """
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not settings.REDIS_URL:
        return
    n = int(worker[2:])
    url = urlsplit(settings.REDIS_URL)
    own = urlunsplit(url._replace(path=f"/{8 + n}"))  # 8.. are free: see bench/ and .ci/run
    settings.CACHES["default"]["LOCATION"] = own
    layer = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    layer["prefix"] = f"asgi-{worker}"
    for host in layer["hosts"]:
        host["address"] = own


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test starts with an empty cache, so throttles and version stamps do not leak."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _eager_celery(request, settings):
    """Tasks run in the test's process whatever the broker: with REDIS_URL set (the PostgreSQL +
    Redis run) a `.delay().get()` would otherwise wait for a worker that is not there. Tests of
    the real worker (marker `worker`) and tests that turn eagerness off themselves opt out."""
    if request.node.get_closest_marker("worker") is None:
        settings.CELERY_TASK_ALWAYS_EAGER = True
    yield


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor1", roles=[roles.SUPERVISOR])


@pytest.fixture
def other_supervisor(db):
    return UserFactory(username="supervisor2", roles=[roles.SUPERVISOR])


@pytest.fixture
def qa_evaluator(db):
    return UserFactory(username="qa1", roles=[roles.QA_EVALUATOR])


@pytest.fixture
def agent(db):
    return AgentFactory()


@pytest.fixture
def client_as_supervisor(supervisor) -> Client:
    client = Client()
    client.force_login(supervisor)
    return client


@pytest.fixture
def client_as_agent(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture(autouse=True)
def _fresh_bot_index():
    """The bot index is process-wide; each test sees only the content it created."""
    from apps.nlu.index import reset_bot_index

    reset_bot_index()
    yield
    reset_bot_index()


@pytest.fixture
def channel(db):
    """A channel key and its raw secret, as a web widget would hold it."""
    from apps.chat.models import ChannelKey

    key, raw = ChannelKey.issue(name="web-test")
    return key, raw


@pytest.fixture
def api(channel):
    """A test client that sends JSON with the channel's X-Api-Key."""
    from tests.chat.helpers import ChannelClient

    return ChannelClient(channel[1])


@pytest.fixture
def queues(db):
    from tests.factories import QueueFactory

    return {
        "general": QueueFactory(code="general", name="일반 문의", priority=1),
        "billing": QueueFactory(code="billing", name="요금", priority=2),
        "retention": QueueFactory(code="retention", name="해지 방어", priority=3),
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 at production strength makes every created user cost ~0.5 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_content(django_db_setup, django_db_blocker):
    """The 누리모바일 demo content, loaded once per module and rolled back after it."""
    from django.conf import settings as django_settings
    from django.db import transaction

    from apps.core.demo.content import load_content

    hashers = django_settings.PASSWORD_HASHERS
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        with transaction.atomic():
            load_content()
            yield
            transaction.set_rollback(True)
    django_settings.PASSWORD_HASHERS = hashers
