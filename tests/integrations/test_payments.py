from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from freezegun import freeze_time

from apps.integrations.payments import LocalPayments, get_payments


def _link(**kwargs: object):
    params = {"amount": 58300, "reference": "C1-2026-11-c7", "description": "미납 요금"} | kwargs
    return LocalPayments().create_link(**params)


def test_it_creates_a_signed_demo_link(settings) -> None:
    settings.SITE_URL = "https://aicc.example/"
    link = _link()
    assert link.url.startswith("https://aicc.example/pay/demo/?")
    query = parse_qs(urlsplit(link.url).query)
    assert query["ref"] == ["C1-2026-11-c7"] and query["amount"] == ["58300"]
    assert len(query["sig"][0]) == 64


def test_it_verifies_its_own_links() -> None:
    link = _link()
    verified = LocalPayments().verify(link.url)
    assert verified is not None
    assert (verified.amount, verified.reference, verified.expires_at) == (
        58300,
        "C1-2026-11-c7",
        link.expires_at,
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [("amount=58300", "amount=1"), ("ref=C1-", "ref=C2-"), ("sig=", "sig=0")],
)
def test_it_rejects_tampered_links(old: str, new: str) -> None:
    assert LocalPayments().verify(_link().url.replace(old, new)) is None


def test_it_rejects_expired_links_and_garbage() -> None:
    with freeze_time("2026-11-26 03:00:00"):
        url = _link().url
    with freeze_time("2026-11-27 02:59:00"):
        assert LocalPayments().verify(url) is not None
    with freeze_time("2026-11-27 03:00:01"):
        assert LocalPayments().verify(url) is None
    assert LocalPayments().verify("https://aicc.example/pay/demo/?ref=x") is None


def test_it_refuses_non_positive_amounts() -> None:
    with pytest.raises(ValueError, match="positive"):
        _link(amount=0)


def test_get_payments_returns_the_local_adapter() -> None:
    assert isinstance(get_payments(), LocalPayments)


def test_an_integration_error_survives_pickling():
    import pickle

    from apps.integrations.aws.errors import IntegrationError

    error = pickle.loads(  # noqa: S301  our own bytes, made one line above
        pickle.dumps(IntegrationError("throttled", retryable=True, code="T"))
    )

    assert (error.message, error.retryable, error.code) == ("throttled", True, "T")


def test_the_demo_payment_page_shows_a_signed_link_and_refuses_a_tampered_one(client, db):
    from apps.integrations.payments import LocalPayments

    link = LocalPayments().create_link(amount=58300, reference="PAY-1", description="11월 요금")
    path = link.url.split("://", 1)[1].split("/", 1)[1]

    good = client.get("/" + path)
    bad = client.get("/" + path.replace("58300", "100"))

    assert good.status_code == 200 and "58,300원" in good.content.decode()
    assert bad.status_code == 400
