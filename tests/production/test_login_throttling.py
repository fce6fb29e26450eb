"""django-axes locks a username out of the desk and admin logins after repeated failures."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


def _fail(client: Client, url: str, username: str, times: int) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong"}).status_code
        for _ in range(times)
    ]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_it_locks_out_after_the_failure_limit(settings, url: str) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="desk1", roles=["supervisor"])
    client = Client()

    assert _fail(client, url, "desk1", 2) == [200, 200]  # the form again, with an error
    assert _fail(client, url, "desk1", 1) == [429]

    locked = client.post(url, {"username": "desk1", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_block_colleagues_behind_the_same_address(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="desk1", roles=["agent"])
    UserFactory(username="desk2", roles=["agent"])
    client = Client()
    _fail(client, "/accounts/login/", "desk1", 3)

    response = client.post("/accounts/login/", {"username": "desk2", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_a_successful_login_resets_the_count(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="desk1", roles=["agent"])
    client = Client()
    _fail(client, "/accounts/login/", "desk1", 2)
    assert (
        client.post("/accounts/login/", {"username": "desk1", "password": PASSWORD}).status_code
        == 302
    )
    client.logout()

    assert _fail(client, "/accounts/login/", "desk1", 2) == [200, 200]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_very_long_username_is_a_failed_login_not_a_server_error(url: str) -> None:
    from axes.models import AccessAttempt

    response = Client().post(url, {"username": "가" * 5000, "password": "wrong"})

    # PostgreSQL refused the 5,000 characters in axes' 255-character column: a 500 before.
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "가" * 150
