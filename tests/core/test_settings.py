from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_it_is_korean_first():
    assert settings.LANGUAGE_CODE == "ko"
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.USE_TZ is True
    assert [code for code, _ in settings.LANGUAGES] == ["ko", "en"]


def _check_deploy(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AICC_"))}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "x7#kq9-production-like-secret-with-enough-entropy-Lm2pQ8vR4tZ6wY1",
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "aicc.example.com",
    "AICC_HTTPS": "true",
    "AICC_LOCAL_BACKENDS_OK": "true",
}


@pytest.mark.slow
def test_check_deploy_reports_nothing_with_production_settings():
    result = _check_deploy(PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_offline_twins_unless_acknowledged():
    env = {k: v for k, v in PRODUCTION.items() if k != "AICC_LOCAL_BACKENDS_OK"}

    result = _check_deploy(env)

    assert result.returncode != 0
    assert "aicc.W001" in result.stdout + result.stderr


def test_check_deploy_refuses_the_sample_placeholder_secret():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": "replace-me-with-python-secrets-token-urlsafe-50-x"}

    result = _check_deploy(env)

    assert result.returncode != 0
    assert "aicc.E001" in result.stdout + result.stderr
