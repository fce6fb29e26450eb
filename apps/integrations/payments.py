"""Payment links the bot sends for unpaid bills.

No gateway is contracted yet, so `get_payments()` always returns `LocalPayments`: a signed demo
URL under `{SITE_URL}/pay/demo/` that `verify()` checks (HMAC over ref, amount and expiry with the
project SECRET_KEY). A real gateway implements `PaymentAdapter` and is picked here by setting,
so the scenario engine never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

DEMO_PATH = "/pay/demo/"
LINK_TTL = timedelta(hours=24)  # the bill_payment scenario tells customers "24시간 동안 유효"
_SALT = "apps.integrations.payments.link"


@dataclass(frozen=True)
class PaymentLink:
    url: str
    expires_at: datetime
    reference: str
    amount: int


class PaymentAdapter(Protocol):
    def create_link(self, *, amount: int, reference: str, description: str) -> PaymentLink: ...

    def verify(self, url: str) -> PaymentLink | None: ...


def _signature(reference: str, amount: int, expires: int) -> str:
    return salted_hmac(_SALT, f"{reference}|{amount}|{expires}", algorithm="sha256").hexdigest()


class LocalPayments:
    def create_link(self, *, amount: int, reference: str, description: str) -> PaymentLink:
        if amount <= 0:
            raise ValueError("payment amount must be positive")
        expires_at = (timezone.now() + LINK_TTL).replace(microsecond=0)
        exp = int(expires_at.timestamp())
        query = urlencode(
            {
                "ref": reference,
                "amount": amount,
                "exp": exp,
                "sig": _signature(reference, amount, exp),
            }
        )
        url = f"{settings.SITE_URL.rstrip('/')}{DEMO_PATH}?{query}"
        return PaymentLink(url=url, expires_at=expires_at, reference=reference, amount=amount)

    def verify(self, url: str) -> PaymentLink | None:
        """The link if it is ours, untampered and unexpired; otherwise None."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        try:
            reference, amount, exp = params["ref"], int(params["amount"]), int(params["exp"])
        except (KeyError, ValueError):
            return None
        if not constant_time_compare(params.get("sig", ""), _signature(reference, amount, exp)):
            return None
        expires_at = datetime.fromtimestamp(exp, tz=UTC)
        if expires_at <= timezone.now():
            return None
        return PaymentLink(url=url, expires_at=expires_at, reference=reference, amount=amount)


def get_payments() -> PaymentAdapter:
    return LocalPayments()
