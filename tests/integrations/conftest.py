from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_twins():
    """The local twins keep process-wide state; every test starts from their fixtures."""
    from apps.integrations.aws.connect_local import local_connect
    from apps.integrations.aws.lex_models import local_lex_models
    from apps.integrations.aws.notify import local_notifier

    for cached in (local_connect, local_lex_models, local_notifier):
        cached.cache_clear()
    yield
