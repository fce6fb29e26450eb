from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from apps.core.admin_mixins import HardenedAdminMixin
from apps.customers.models import Customer

_PHONE_LIKE = re.compile(r"^\+?[\d\- ]{9,}$")


def _phone_variants(term: str) -> set[str]:
    """The term as typed, digits only, and 010-1234-5678 style, for an exact phone match."""
    digits = re.sub(r"\D", "", term)
    variants = {term, digits}
    if len(digits) in (10, 11):
        variants.add(f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}")
    return variants


@admin.register(Customer)
class CustomerAdmin(HardenedAdminMixin, admin.ModelAdmin):
    # Lists show masked values only; the raw values are revealed (and audit-logged) on the desk.
    list_display = ("name", "crm_id", "masked_phone", "masked_email", "updated_at")
    search_fields = ("=crm_id", "name")
    readonly_fields = ("masked_phone", "masked_email", "created_at", "updated_at")

    @admin.display(description="전화번호")
    def masked_phone(self, customer: Customer) -> str:
        return customer.masked_phone

    @admin.display(description="이메일")
    def masked_email(self, customer: Customer) -> str:
        return customer.masked_email

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Contact details can be typed in for a new customer; afterwards they come from the CRM
        # and are never rendered raw here.
        if obj is None:
            return ("crm_id", "name", "phone", "email", "tags", "notes")
        return (
            "crm_id",
            "name",
            "masked_phone",
            "masked_email",
            "tags",
            "notes",
            "created_at",
            "updated_at",
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        qs, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if _PHONE_LIKE.match(term):
            # Exact match only: a partial phone search would let staff enumerate numbers.
            qs |= queryset.filter(Q(phone__in=_phone_variants(term)))
        return qs, may_have_duplicates
