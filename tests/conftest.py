from __future__ import annotations

import pytest
from django.test import Client

from apps.core import roles
from tests.factories import AgentFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test starts with an empty cache, so throttles and version stamps do not leak."""
    from django.core.cache import cache

    cache.clear()
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
