from __future__ import annotations

import httpx
import pytest

from apps.customers.crm import (
    CrmBill,
    CrmUnavailable,
    LocalCrm,
    RestCrm,
    get_crm,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SEED = [
    {
        "crm_id": "C1",
        "name": "김민지",
        "phone": "010-2345-6781",
        "email": "m@example.com",
        "orders": [
            {
                "order_no": "ORD-20261124-0003",
                "status": "배송중",
                "carrier": "CJ대한통운",
                "tracking_no": "5601",
                "eta": "2026-11-27",
            }
        ],
        "bills": [
            {"month": "2026-10", "amount": 69000, "due_date": "2026-10-25", "paid": True},
            {"month": "2026-11", "amount": 71200, "due_date": "2026-11-25", "paid": False},
        ],
    },
    {"crm_id": "C2", "name": "이준호", "phone": "02-345-6789", "orders": [], "bills": []},
]


@pytest.mark.parametrize("phone", ["010-2345-6781", "01023456781", "+82-10-2345-6781"])
def test_local_crm_finds_a_customer_by_any_phone_format(phone: str) -> None:
    customer = LocalCrm(SEED).find_customer_by_phone(phone)
    assert customer is not None and (customer.crm_id, customer.name) == ("C1", "김민지")


def test_local_crm_prefers_the_customer_table_for_profile_data() -> None:
    CustomerFactory(crm_id="C1", name="김민지(수정)", phone="010-2345-6781")
    assert LocalCrm(SEED).find_customer_by_phone("01023456781").name == "김민지(수정)"


def test_local_crm_falls_back_to_the_customer_table() -> None:
    CustomerFactory(crm_id="C77", phone="010-5555-0077")
    crm = LocalCrm(SEED)
    assert crm.find_customer_by_phone("01055550077").crm_id == "C77"
    assert crm.get_customer("C77").phone == "010-5555-0077"
    assert crm.find_customer_by_phone("010-0000-0000") is None


def test_local_crm_only_shows_a_known_customer_their_own_orders() -> None:
    crm = LocalCrm(SEED)
    assert crm.lookup_order("ord-20261124-0003", None).carrier == "CJ대한통운"
    assert crm.lookup_order("ORD-20261124-0003", "C1").crm_id == "C1"
    assert crm.lookup_order("ORD-20261124-0003", "C2") is None
    assert crm.lookup_order("ORD-20990101-0001", None) is None


def test_local_crm_bills_newest_first() -> None:
    crm = LocalCrm(SEED)
    assert [b.month for b in crm.recent_bills("C1")] == ["2026-11", "2026-10"]
    assert crm.lookup_bill("C1", "2026-10") == CrmBill("C1", "2026-10", 69000, "2026-10-25", True)
    assert crm.lookup_bill("C1", "2026-01") is None
    assert crm.recent_orders("C404") == []


def test_local_crm_reads_the_demo_seed_by_default() -> None:
    crm = LocalCrm()
    customers = list(crm._records.values())
    assert customers, "apps/core/demo/organisation.json has customers"
    first = customers[0]
    assert crm.find_customer_by_phone(first["phone"]).crm_id == first["crm_id"]


def _rest(handler) -> RestCrm:
    return RestCrm("https://crm.example/api/", transport=httpx.MockTransport(handler))


def test_rest_crm_maps_json_to_dataclasses() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/customers":
            assert request.url.params["phone"] == "010-2345-6781"
            return httpx.Response(200, json=[{"crm_id": "C1", "name": "김민지"}])
        if request.url.path == "/api/orders/ORD-20261124-0003":
            return httpx.Response(200, json={**SEED[0]["orders"][0], "crm_id": "C1"})
        if request.url.path == "/api/customers/C1/bills/2026-11":
            return httpx.Response(200, json=SEED[0]["bills"][1])
        return httpx.Response(404)

    crm = _rest(handler)
    assert crm.find_customer_by_phone("010-2345-6781").name == "김민지"
    assert crm.lookup_order("ORD-20261124-0003", "C1").status == "배송중"
    assert crm.lookup_order("ORD-20261124-0003", "C2") is None
    assert crm.lookup_bill("C1", "2026-11").amount == 71200
    assert crm.get_customer("C404") is None


@pytest.mark.parametrize(
    "handler",
    [
        lambda request: httpx.Response(503),
        lambda request: httpx.Response(200, text="<html>"),
        lambda request: httpx.Response(200, json={"unexpected": True}),
    ],
)
def test_rest_crm_failures_raise_crm_unavailable(handler) -> None:
    with pytest.raises(CrmUnavailable):
        _rest(handler).get_customer("C1")


def test_rest_crm_timeouts_raise_crm_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(CrmUnavailable):
        _rest(handler).lookup_order("ORD-20261124-0003", None)


def test_get_crm_picks_the_backend_by_setting(settings) -> None:
    settings.CRM_BASE_URL = ""
    assert isinstance(get_crm(), LocalCrm)
    settings.CRM_BASE_URL = "https://crm.example/api"
    assert isinstance(get_crm(), RestCrm)


def test_rest_crm_request_logs_never_show_the_phone(caplog) -> None:
    crm = _rest(lambda request: httpx.Response(200, json=[]))
    with caplog.at_level("INFO", logger="httpx"):
        assert crm.find_customer_by_phone("010-2345-6781") is None
    assert caplog.records and "010-****-6781" in caplog.text
    assert "2345" not in caplog.text
