"""CRM adapter: customers, orders and bills behind one Protocol (DESIGN.md §2, §5 of STYLE).

`get_crm()` returns `RestCrm` when `settings.CRM_BASE_URL` is set, otherwise `LocalCrm`, the
deterministic twin seeded from `apps/core/demo/organisation.json` plus the `Customer` table.
Callers never branch on the backend. A CRM that cannot answer raises `CrmUnavailable`; "not
found" is always `None`, never an exception.

REST contract (JSON, same field names as the demo file):
    GET {base}/customers?phone=010-1234-5678     → customer or [customer] (empty list: none)
    GET {base}/customers/{crm_id}                → customer
    GET {base}/orders/{order_no}                 → order (with crm_id)
    GET {base}/customers/{crm_id}/orders         → [order]
    GET {base}/customers/{crm_id}/bills          → [bill]
    GET {base}/customers/{crm_id}/bills/{YYYY-MM} → bill
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from django.conf import settings

from apps.core.pii import mask_pii
from apps.customers.models import Customer

logger = logging.getLogger(__name__)

DEMO_FILE = Path(settings.BASE_DIR) / "apps" / "core" / "demo" / "organisation.json"
REST_TIMEOUT_SECONDS = 2.0
T = TypeVar("T")


class _MaskPii(logging.Filter):
    """httpx logs every request URL at INFO, and ours carry `?phone=`; mask before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_pii(record.getMessage()), None
        return True


logging.getLogger("httpx").addFilter(_MaskPii())


class CrmUnavailable(Exception):
    """The CRM did not answer (timeout, 5xx, bad JSON); the bot hands over to an agent."""


@dataclass(frozen=True)
class CrmCustomer:
    crm_id: str
    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class CrmOrder:
    order_no: str
    status: str
    carrier: str = ""
    tracking_no: str = ""
    eta: str = ""
    crm_id: str = ""


@dataclass(frozen=True)
class CrmBill:
    crm_id: str
    month: str  # "YYYY-MM"
    amount: int
    due_date: str = ""
    paid: bool = False


class CrmAdapter(Protocol):
    def find_customer_by_phone(self, phone: str) -> CrmCustomer | None: ...

    def get_customer(self, crm_id: str) -> CrmCustomer | None: ...

    def lookup_order(self, order_no: str, crm_id: str | None) -> CrmOrder | None: ...

    def lookup_bill(self, crm_id: str, month: str) -> CrmBill | None: ...

    def recent_orders(self, crm_id: str) -> list[CrmOrder]: ...

    def recent_bills(self, crm_id: str) -> list[CrmBill]: ...


def phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return "0" + digits[2:] if digits.startswith("82") else digits


def _customer(data: dict[str, Any]) -> CrmCustomer:
    return CrmCustomer(
        crm_id=str(data["crm_id"]),
        name=str(data.get("name", "")),
        phone=str(data.get("phone", "")),
        email=str(data.get("email", "")),
    )


def _order(data: dict[str, Any], crm_id: str = "") -> CrmOrder:
    return CrmOrder(
        order_no=str(data["order_no"]),
        status=str(data.get("status", "")),
        carrier=str(data.get("carrier", "")),
        tracking_no=str(data.get("tracking_no", "")),
        eta=str(data.get("eta", "")),
        crm_id=str(data.get("crm_id", crm_id)),
    )


def _bill(data: dict[str, Any], crm_id: str = "") -> CrmBill:
    return CrmBill(
        crm_id=str(data.get("crm_id", crm_id)),
        month=str(data["month"]),
        amount=int(data.get("amount", 0)),
        due_date=str(data.get("due_date", "")),
        paid=bool(data.get("paid", False)),
    )


# --- local twin -----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _load_seed(path: str, mtime: float) -> tuple[dict[str, Any], ...]:
    # mtime is part of the cache key so an edited demo file is picked up without a restart.
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    customers = data.get("customers", []) if isinstance(data, dict) else data
    return tuple(customers)


def _demo_customers(path: Path = DEMO_FILE) -> list[dict[str, Any]]:
    try:
        return list(_load_seed(str(path), path.stat().st_mtime))
    except (OSError, ValueError) as exc:
        logger.warning("local CRM seed unreadable (%s); using the Customer table only", exc)
        return []


class LocalCrm:
    """Deterministic CRM twin: orders and bills from the seed, profiles also from `Customer`."""

    def __init__(self, customers: list[dict[str, Any]] | None = None) -> None:
        self._records = {
            str(c["crm_id"]): c for c in (_demo_customers() if customers is None else customers)
        }

    def find_customer_by_phone(self, phone: str) -> CrmCustomer | None:
        digits = phone_digits(phone)
        if not digits:
            return None
        for record in self._records.values():
            if phone_digits(str(record.get("phone", ""))) == digits:
                return self._with_profile(_customer(record))
        formatted = {phone, digits, _dashed(digits)}
        row = Customer.objects.filter(phone__in=formatted).order_by("id").first()
        return _customer_from_row(row) if row else None

    def get_customer(self, crm_id: str) -> CrmCustomer | None:
        row = Customer.objects.filter(crm_id=crm_id).first()
        if row:
            return _customer_from_row(row)
        record = self._records.get(crm_id)
        return _customer(record) if record else None

    def lookup_order(self, order_no: str, crm_id: str | None) -> CrmOrder | None:
        # With a known customer, only their own orders: an order number is not proof of identity.
        if crm_id is None:
            records = list(self._records.values())
        else:
            records = [self._records[crm_id]] if crm_id in self._records else []
        for record in records:
            for order in record.get("orders", []):
                if str(order.get("order_no", "")).upper() == order_no.upper():
                    return _order(order, str(record["crm_id"]))
        return None

    def lookup_bill(self, crm_id: str, month: str) -> CrmBill | None:
        return next((b for b in self.recent_bills(crm_id) if b.month == month), None)

    def recent_orders(self, crm_id: str) -> list[CrmOrder]:
        record = self._records.get(crm_id, {})
        return [_order(o, crm_id) for o in record.get("orders", [])]

    def recent_bills(self, crm_id: str) -> list[CrmBill]:
        record = self._records.get(crm_id, {})
        bills = [_bill(b, crm_id) for b in record.get("bills", [])]
        return sorted(bills, key=lambda b: b.month, reverse=True)

    def _with_profile(self, found: CrmCustomer) -> CrmCustomer:
        row = Customer.objects.filter(crm_id=found.crm_id).first()
        return _customer_from_row(row) if row else found


def _dashed(digits: str) -> str:
    if digits.startswith("02"):
        return f"02-{digits[2:-4]}-{digits[-4:]}"
    return f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}"


def _customer_from_row(row: Customer) -> CrmCustomer:
    return CrmCustomer(crm_id=row.crm_id, name=row.name, phone=row.phone, email=row.email)


# --- REST -----------------------------------------------------------------------------------


class RestCrm:
    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=REST_TIMEOUT_SECONDS,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def _get(self, path: str, **params: str) -> Any:
        try:
            response = self._client.get(path, params=params or None)
        except httpx.HTTPError as exc:
            raise CrmUnavailable(f"CRM request failed: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise CrmUnavailable(f"CRM answered {response.status_code} for {path}")
        try:
            return response.json()
        except ValueError as exc:
            raise CrmUnavailable(f"CRM sent invalid JSON for {path}") from exc

    def find_customer_by_phone(self, phone: str) -> CrmCustomer | None:
        data = self._get("/customers", phone=phone)
        if isinstance(data, list):
            data = data[0] if data else None
        return _mapped(_customer, data) if data else None

    def get_customer(self, crm_id: str) -> CrmCustomer | None:
        data = self._get(f"/customers/{_seg(crm_id)}")
        return _mapped(_customer, data) if data else None

    def lookup_order(self, order_no: str, crm_id: str | None) -> CrmOrder | None:
        data = self._get(f"/orders/{_seg(order_no)}")
        if not data:
            return None
        order = _mapped(_order, data)
        # Same rule as the twin: a known customer only sees their own orders.
        return None if crm_id and order.crm_id and order.crm_id != crm_id else order

    def lookup_bill(self, crm_id: str, month: str) -> CrmBill | None:
        data = self._get(f"/customers/{_seg(crm_id)}/bills/{_seg(month)}")
        return _mapped(_bill, data, crm_id) if data else None

    def recent_orders(self, crm_id: str) -> list[CrmOrder]:
        data = self._get(f"/customers/{_seg(crm_id)}/orders") or []
        return [_mapped(_order, o, crm_id) for o in data]

    def recent_bills(self, crm_id: str) -> list[CrmBill]:
        data = self._get(f"/customers/{_seg(crm_id)}/bills") or []
        bills = [_mapped(_bill, b, crm_id) for b in data]
        return sorted(bills, key=lambda b: b.month, reverse=True)


def _seg(value: str) -> str:
    return quote(value, safe="")


def _mapped(mapper: Callable[..., T], data: Any, *args: str) -> T:
    """A payload of the wrong shape is the CRM's fault, not "not found"."""
    try:
        return mapper(data, *args)
    except (KeyError, TypeError, ValueError) as exc:
        raise CrmUnavailable(f"CRM payload not understood: {type(exc).__name__}") from exc


@lru_cache(maxsize=2)
def _rest_crm(base_url: str) -> RestCrm:
    return RestCrm(base_url)  # one pooled client per process


def get_crm() -> CrmAdapter:
    base_url = getattr(settings, "CRM_BASE_URL", "")
    return _rest_crm(base_url) if base_url else LocalCrm()
