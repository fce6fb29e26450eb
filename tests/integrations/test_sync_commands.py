from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_sync_connect_reports_progress_and_is_quiet_the_second_time() -> None:
    first = _run("sync_connect", "--only", "queues,agents,live,history", "--hours", "1")
    assert "queues… created 3" in first and "history… created 21" in first
    second = _run("sync_connect", "--only", "queues,agents")
    assert second.count("created 0, updated 0, deleted 0, unchanged 3") == 2


def test_sync_connect_refuses_unknown_steps() -> None:
    with pytest.raises(CommandError, match="unknown step"):
        _run("sync_connect", "--only", "payroll")


def test_sync_lex_prints_each_change_and_the_build() -> None:
    faq = FaqFactory(question="영업시간이 어떻게 되나요")
    out = _run("sync_lex")
    assert f"FAQ_{faq.pk}: created" in out and "locale Built" in out
    assert "created 0, updated 0, deleted 0, unchanged 1" in _run("sync_lex")
