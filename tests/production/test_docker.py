"""The image and compose files: pinned, non-root, health-checked, the whole topology."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def _instructions() -> list[tuple[str, str]]:
    text = (DOCKER / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_the_image_is_multi_stage_on_a_pinned_python_311_slim() -> None:
    instructions = _instructions()
    base = next(arg for op, arg in instructions if op == "ARG" and arg.startswith("PYTHON_IMAGE"))
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base)
    stages = [arg for op, arg in instructions if op == "FROM"]
    assert len(stages) >= 2
    assert all(stage.split()[0] == "${PYTHON_IMAGE}" for stage in stages)
    assert not any(":latest" in arg for op, arg in instructions if op == "FROM")


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [arg for op, arg in _instructions() if op == "USER"]
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_the_image_collects_static_files_and_checks_the_health_endpoint() -> None:
    instructions = _instructions()
    assert any(op == "RUN" and "collectstatic" in arg for op, arg in instructions)
    assert any(
        op == "ENV" and "CompressedManifestStaticFilesStorage" in arg for op, arg in instructions
    )
    healthcheck = next(arg for op, arg in instructions if op == "HEALTHCHECK")
    assert "healthcheck.py" in healthcheck
    assert "/api/monitoring/health" in (DOCKER / "healthcheck.py").read_text()


def test_compose_starts_the_whole_topology() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "ws", "proxy", "worker", "beat", "migrate"} <= set(services)
    assert services["web"]["command"] == ["web"]
    assert services["ws"]["command"] == ["ws"]
    assert services["migrate"]["restart"] == "no"
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])
    entrypoint = (DOCKER / "entrypoint.sh").read_text()
    # HTTP on gunicorn gthread (faster for sync views), websockets on uvicorn, one origin via nginx.
    assert "gunicorn aicc.wsgi:application -c scripts/gunicorn.conf.py" in entrypoint
    assert "uvicorn aicc.asgi:application" in entrypoint
    nginx = (DOCKER / "nginx.conf").read_text()
    assert "location /ws/" in nginx and "proxy_pass http://aicc_ws" in nginx


def _nginx_locations() -> dict[str, str]:
    """Each `location` block of nginx.conf by its path: up to the first line that is only `}`."""
    nginx = (DOCKER / "nginx.conf").read_text()
    return dict(re.findall(r"^\s*location\s+(\S+)\s*\{$(.*?)^\s*\}$", nginx, re.M | re.S))


def test_every_nginx_location_passes_the_forwarding_headers_itself() -> None:
    # A location with any proxy_set_header of its own inherits none from the server block.
    locations = _nginx_locations()
    assert set(locations) == {"/ws/", "/"}
    for path, block in locations.items():
        headers = re.findall(r"proxy_set_header\s+(\S+)", block)
        assert {"Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"} <= set(headers), (
            path
        )


def test_nginx_stamps_http_requests_for_the_queue_deadline() -> None:
    block = _nginx_locations()["/"]
    assert re.search(r'proxy_set_header\s+X-Request-Start\s+"t=\$\{msec\}";', block)


def test_the_servers_the_entrypoint_runs_are_installed() -> None:
    import gunicorn.workers.gthread  # noqa: F401
    import uvicorn.main  # noqa: F401

    assert Path(DOCKER.parent / "scripts" / "gunicorn.conf.py").is_file()


def test_the_entrypoint_refuses_the_sample_secret() -> None:
    result = subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), "true"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SECRET_KEY": "replace-me-with-a-real-one"},
    )
    assert result.returncode == 64
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_healthcheck_script_passes_against_a_running_portal(
    live_server, settings, monkeypatch
) -> None:
    settings.ALLOWED_HOSTS = ["aicc.example.com"]
    port = live_server.url.rsplit(":", 1)[1]
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "aicc.example.com,.example.org")
    monkeypatch.setenv("PORT", port)
    sys.path.insert(0, str(DOCKER))
    try:
        import healthcheck
    finally:
        sys.path.remove(str(DOCKER))
    assert healthcheck.main() == 0
    monkeypatch.setenv("PORT", "1")  # nothing listens there
    assert healthcheck.main() == 1
