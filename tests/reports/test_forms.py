"""Bad report filters and export requests answer 400 naming the field, and store nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.reports.models import ConversationExport

pytestmark = pytest.mark.django_db
DAY = {"date_from": "2026-03-02", "date_to": "2026-03-02"}
OUT_OF_RANGE = [
    {"date_from": "9999-12-01", "date_to": "9999-12-31"},
    {"date_from": "0001-01-01", "date_to": "0001-01-31"},
]


def post_export(client, data, capture):
    # Run the on-commit build as production would, so a request that slips through crashes here.
    with capture(execute=True):
        return client.post(reverse("reports:export_create"), {"reason": "점검", **data})


@pytest.mark.parametrize("period", OUT_OF_RANGE)
@pytest.mark.parametrize("group", ["day", "queue", "team", "agent"])
def test_kpis_refuse_a_period_outside_the_supported_years(client_as_supervisor, period, group):
    response = client_as_supervisor.get(reverse("reports:kpis"), {**period, "group": group})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "date_from" in errors and "date_to" in errors
    assert "사이의 날짜여야 합니다" in response.content.decode()


def test_kpis_accept_a_period_ending_within_a_year_from_today(client_as_supervisor):
    today = timezone.localdate()
    period = {"date_from": today.isoformat(), "date_to": (today + timedelta(days=300)).isoformat()}

    response = client_as_supervisor.get(reverse("reports:kpis"), {**period, "group": "day"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        *OUT_OF_RANGE,
        {"date_from": "9999-12-01", "date_to": "9999-12-31", "group": "day", "value": "9999-12-31"},
    ],
)
def test_export_refuses_a_period_outside_the_supported_years(
    client_as_supervisor, django_capture_on_commit_callbacks, data
):
    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "date_from" in response.context["form"].errors
    assert not ConversationExport.objects.exists()


@pytest.mark.parametrize("value", ["", "None", "2026-03-01", "2026-03-03", "3월 2일"])
def test_export_of_a_day_needs_a_date_inside_the_period(
    client_as_supervisor, django_capture_on_commit_callbacks, value
):
    data = {**DAY, "group": "day", "value": value}

    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "value" in response.context["form"].errors
    assert not ConversationExport.objects.exists()


@pytest.mark.parametrize("group", ["queue", "team", "agent"])
@pytest.mark.parametrize("value", ["²", "٣", "-1", "0", "99999999999999999999", "12x"])
def test_export_of_a_group_needs_a_plain_numeric_id(
    client_as_supervisor, django_capture_on_commit_callbacks, group, value
):
    data = {**DAY, "group": group, "value": value}

    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "value" in response.context["form"].errors
    assert not ConversationExport.objects.exists()


@pytest.mark.parametrize("group", ["queue", "team", "agent"])
def test_export_of_a_group_needs_an_existing_object(
    client_as_supervisor, django_capture_on_commit_callbacks, group
):
    data = {**DAY, "group": group, "value": "424242"}

    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "value" in response.context["form"].errors
    assert not ConversationExport.objects.exists()


def test_export_of_the_unassigned_row_keeps_an_empty_value(
    client_as_supervisor, django_capture_on_commit_callbacks, kpi_day
):
    # The KPI page posts value="" for its "미배정" row: the conversations without a queue.
    data = {**DAY, "group": "queue", "value": ""}

    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    export = ConversationExport.objects.get()
    assert export.params["value"] is None
    assert export.row_count == 3  # u1, u2 and u8 never reached a queue


def test_export_of_one_day_stores_that_day(
    client_as_supervisor, django_capture_on_commit_callbacks, kpi_day
):
    week = {"date_from": "2026-03-01", "date_to": "2026-03-07"}
    data = {**week, "group": "day", "value": "2026-03-03"}

    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    export = ConversationExport.objects.get()
    assert (export.params["value"], export.row_count) == ("2026-03-03", 1)  # u9 at 00:10


def test_export_without_a_group_ignores_the_value(
    client_as_supervisor, django_capture_on_commit_callbacks, kpi_day
):
    data = {**DAY, "group": "", "value": "123"}

    response = post_export(client_as_supervisor, data, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    export = ConversationExport.objects.get()
    assert (export.params["group"], export.params["value"], export.row_count) == ("", None, 8)
