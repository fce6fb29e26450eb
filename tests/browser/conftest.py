"""A live ASGI server (uvicorn, websockets included) on a file SQLite DB with the demo data.

pytest-django's live_server is WSGI and serves no websockets, so the suite starts
`uvicorn aicc.asgi:application` in a subprocess. Skipped unless AICC_BROWSER_TESTS=1 and
Debian's /usr/bin/chromium exists (.ci/run installs it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser-tests-pw-2026"
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = None
    if os.environ.get("AICC_BROWSER_TESTS") != "1":
        reason = "set AICC_BROWSER_TESTS=1 to run browser tests"
    elif not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    for item in items:
        if reason and "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    tmp = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_DEBUG": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AICC_DEMO_PASSWORD": PASSWORD,
        "AICC_MEDIA_ROOT": str(tmp / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    port = _free_port()
    log = open(tmp / "server.log", "wb")  # closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "aicc.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/accounts/login/", timeout=2)  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError((tmp / "server.log").read_text(errors="replace")[-3000:])
    yield {"url": url, "db": tmp / "db.sqlite3", "log": tmp / "server.log"}
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    # The first bot answer loads the Korean analyser in the server (a few seconds).
    expect.set_options(timeout=30_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def dialogs() -> list[str]:
    return []


def new_page(browser: object, dialogs: list[str]):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ko-KR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: print(f"[console:{m.type}] {m.text}"))
    page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
    page.set_default_timeout(30_000)
    return page
