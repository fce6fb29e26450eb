from __future__ import annotations

import time

import pytest

from apps.monitoring.metrics import REGISTRY

pytestmark = pytest.mark.django_db

URL = "/api/admin/dashboard"


@pytest.fixture(autouse=True)
def _deadline(settings):
    settings.API_QUEUE_DEADLINE_SECONDS = 8


def _stamp(age: float) -> dict[str, str]:
    """The header nginx sets, for a request it passed on `age` seconds ago."""
    return {"X-Request-Start": f"t={time.time() - age:.3f}"}


def _shed_total() -> float:
    return REGISTRY.get_sample_value("aicc_http_shed_total") or 0.0


def test_it_refuses_an_api_request_queued_past_the_deadline(client):
    before = _shed_total()

    response = client.get(URL, headers=_stamp(9))

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    error = response.json()["error"]
    assert error["code"] == "overloaded"
    assert error["message"] == "지금 요청이 많아 잠시 후 다시 시도해 주세요."
    assert _shed_total() == before + 1


def test_a_shed_request_is_counted_not_logged_as_an_error(client, caplog):
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(URL, headers=_stamp(9))

    assert response.status_code == 503
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_it_refuses_in_the_clients_language(client):
    response = client.get(URL, headers={**_stamp(9), "Accept-Language": "en"})

    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert message == "We are very busy right now. Please try again in a moment."


def test_the_metrics_middleware_counts_shed_requests(client):
    labels = {"endpoint": "unmatched", "method": "GET", "status": "503"}
    before = REGISTRY.get_sample_value("aicc_http_requests_total", labels) or 0.0

    client.get(URL, headers=_stamp(9))

    assert REGISTRY.get_sample_value("aicc_http_requests_total", labels) == before + 1


def test_it_serves_a_request_stamped_within_the_deadline(client_as_supervisor):
    before = _shed_total()

    response = client_as_supervisor.get(URL, headers=_stamp(7))

    assert response.status_code == 200
    assert _shed_total() == before


@pytest.mark.parametrize(
    "value",
    [None, "", "t=abc", "1764212345.123", "t=", "t=nan", "t=-inf", "t=1764212345123"],
)
def test_it_serves_a_request_whose_queue_time_is_unknown(client_as_supervisor, value):
    headers = {"X-Request-Start": value} if value is not None else {}

    response = client_as_supervisor.get(URL, headers=headers)

    assert response.status_code == 200


def test_it_serves_a_request_stamped_in_the_future(client_as_supervisor):
    response = client_as_supervisor.get(URL, headers=_stamp(-60))

    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/monitoring/health", "/api/monitoring/metrics"])
def test_it_never_refuses_the_probes(client, url):
    response = client.get(url, headers=_stamp(3600))

    assert response.status_code == 200


def test_a_zero_deadline_turns_it_off(client_as_supervisor, settings):
    settings.API_QUEUE_DEADLINE_SECONDS = 0

    response = client_as_supervisor.get(URL, headers=_stamp(3600))

    assert response.status_code == 200


def test_it_only_refuses_api_paths(client):
    response = client.get("/accounts/login/", headers=_stamp(3600))

    assert response.status_code == 200
