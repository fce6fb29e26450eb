"""Security headers, the content security policy and HTTPS-only settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_pages_carry_a_csp_that_allows_scripts_only_from_self(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_api_responses_carry_the_headers_too(client: Client) -> None:
    response = client.get("/api/monitoring/health")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_https_deployments_send_hsts_and_secure_cookies(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    UserFactory(username="desk1", roles=["agent"])
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "desk1", "password": "pw-for-tests-1"}, secure=True
    )

    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


def test_aicc_https_turns_on_every_transport_setting() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aicc.settings", "AICC_HTTPS": "true"}
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split()[:4] == ["True", "True", "True", "31536000"]
    assert "HTTP_X_FORWARDED_PROTO" in out


def test_the_api_docs_page_runs_no_inline_script(client: Client) -> None:
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all("src=" in tag for tag in scripts)
    init = client.get("/api/docs/?script")
    assert init.status_code == 200
    assert "SwaggerUIBundle" in init.content.decode()


def test_no_template_has_inline_scripts_or_event_handlers() -> None:
    # The CSP would block them in the browser: keep every script in static/js.
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']|javascript:", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("templates", "apps")
        for path in (ROOT / folder).rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_embeddable_chat_may_be_framed_by_the_widget_sites(client: Client, settings) -> None:
    response = client.get("/chat/?embed=1")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = _directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == list(settings.AICC_WIDGET_ORIGINS)
    assert policy["script-src"] == ["'self'"]
