from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.chat.models import ChannelKey

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("channel_key", *args, stdout=out)
    return out.getvalue()


def test_create_prints_a_working_key_on_its_last_line():
    raw = run("create", "--name", "mobile").strip().splitlines()[-1]

    key = ChannelKey.lookup(raw)
    assert key is not None and key.name == "mobile"
    assert raw not in key.key_hash  # stored hashed, never raw


def test_revoke_stops_the_key():
    raw = run("create", "--name", "partner").strip().splitlines()[-1]

    run("revoke", "--name", "partner")

    assert ChannelKey.lookup(raw) is None
    assert "revoked" in run("list")


def test_revoking_an_unknown_key_is_an_error():
    with pytest.raises(CommandError):
        run("revoke", "--name", "nobody")
