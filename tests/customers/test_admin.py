from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(
        crm_id="C-77", name="김민지", phone="010-1234-5678", email="minji@example.com"
    )


def test_it_masks_contact_details_in_the_list_and_the_page(customer, client_as_supervisor):
    listing = client_as_supervisor.get(reverse("admin:customers_customer_changelist"))
    page = client_as_supervisor.get(reverse("admin:customers_customer_change", args=[customer.pk]))

    for response in (listing, page):
        content = response.content.decode()
        assert response.status_code == 200
        assert "1234-5678" not in content and "010-1234-5678" not in content
        assert "minji@example.com" not in content
        assert customer.masked_phone in content


@pytest.mark.parametrize("term", ["C-77", "김민지", "010-1234-5678", "01012345678"])
def test_it_finds_customers_by_crm_id_name_and_exact_phone(term, customer, client_as_supervisor):
    CustomerFactory(name="이서준")
    response = client_as_supervisor.get(reverse("admin:customers_customer_changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [customer]


def test_it_does_not_match_partial_phone_numbers(customer, client_as_supervisor):
    response = client_as_supervisor.get(
        reverse("admin:customers_customer_changelist"), {"q": "1234-5678"}
    )

    assert list(response.context["cl"].result_list) == []


def _post_tags(client, customer, tags: str):
    data = {"crm_id": customer.crm_id, "name": customer.name, "tags": tags, "notes": ""}
    return client.post(reverse("admin:customers_customer_change", args=[customer.pk]), data)


@pytest.mark.parametrize("tags", ['{"a": 1}', '"vip"', "5", "[1, 2]", '[""]'])
def test_it_refuses_tags_that_are_not_a_list_of_strings(tags, client_as_supervisor) -> None:
    customer = CustomerFactory(tags=["vip"])

    response = _post_tags(client_as_supervisor, customer, tags)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tags"]
    customer.refresh_from_db()
    assert customer.tags == ["vip"]


@pytest.mark.parametrize(
    ("tags", "saved"), [("", []), ("null", []), ('["vip", "해지"]', ["vip", "해지"])]
)
def test_it_saves_a_tag_list_and_an_emptied_box_as_no_tags(
    tags, saved, client_as_supervisor
) -> None:
    customer = CustomerFactory(tags=["vip"])

    assert _post_tags(client_as_supervisor, customer, tags).status_code == 302

    customer.refresh_from_db()
    assert customer.tags == saved
