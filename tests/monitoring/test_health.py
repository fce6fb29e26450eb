from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from apps.monitoring import health

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/monitoring/health"


def test_it_reports_every_check_ok(client):
    response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"db", "cache", "channel_layer", "broker", "nlu", "connect"}
    assert set(body["checks"].values()) == {"ok"}


def test_it_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["db"] == "down"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a real server to stop")
def test_it_answers_503_when_postgres_refuses_connections(client):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get(URL)
    finally:
        connection.close()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    assert response.json()["checks"]["db"] == "down"


def test_it_is_degraded_not_down_when_a_side_service_fails(client):
    health.register("cache_probe", lambda: health.DOWN)
    try:
        response = client.get(URL)
    finally:
        health._registry.pop("cache_probe")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
