"""Forged or hand-edited admin requests get a redirect, a form error or a 404, never a 500."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.core import roles
from apps.core.admin_mixins import HardenedAdminMixin
from tests import factories as f

pytestmark = pytest.mark.django_db

HUGE = "9" * 20


@pytest.fixture
def client_as_admin() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(f.UserFactory(username="admin1", roles=[roles.ADMIN]))
    return client


@pytest.fixture
def supervisor_client(supervisor) -> Client:
    # A 500 comes back as a response, as a browser would see it.
    client = Client(raise_request_exception=False)
    client.force_login(supervisor)
    return client


def test_it_hardens_every_admin_on_the_site() -> None:
    unguarded = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, HardenedAdminMixin)
    ]
    assert unguarded == []


def test_project_admins_list_the_mixin_themselves() -> None:
    # The site-wide wrap is for the libraries' admins; ours say it where they are written.
    wrapped = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if (model.__module__.startswith("apps.") or model._meta.app_label == "django_celery_beat")
        and getattr(model_admin, "hardened_by_site", False)
    ]
    assert wrapped == []


@pytest.mark.parametrize("selected", ["abc", HUGE])
def test_it_refuses_bad_action_ids_on_library_admins_too(client_as_admin, selected) -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="상담팀")
    url = reverse("admin:auth_group_changelist")

    response = client_as_admin.post(
        url,
        {"action": "delete_selected", "index": "0", "_selected_action": [selected]},
        follow=True,
    )

    assert response.status_code == 200
    assert "선택한 항목을 찾을 수 없습니다" in response.content.decode()
    assert Group.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("selected", ["abc", HUGE, "-" + HUGE, ""])
def test_it_refuses_an_action_on_ids_that_cannot_be_a_key(supervisor_client, selected) -> None:
    faq = f.FaqFactory()
    status = faq.status
    url = reverse("admin:faqs_faq_changelist")

    response = supervisor_client.post(
        url, {"action": "archive", "index": "0", "_selected_action": [str(faq.pk), selected]}
    )

    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.status == status


def test_it_refuses_a_bad_id_on_the_delete_confirmation_too(supervisor_client) -> None:
    key = f.ChannelKeyFactory()

    response = supervisor_client.post(
        reverse("admin:chat_channelkey_changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": [HUGE]},
    )

    assert response.status_code == 302
    assert type(key).objects.filter(pk=key.pk).exists()


def test_it_still_runs_actions_on_good_ids(supervisor_client) -> None:
    key = f.ChannelKeyFactory()

    response = supervisor_client.post(
        reverse("admin:chat_channelkey_changelist"),
        {"action": "revoke", "index": "0", "_selected_action": [str(key.pk)]},
    )

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


@pytest.mark.parametrize(
    "params",
    [
        {"created_at__year": HUGE},
        {"created_at__year": "2024", "created_at__month": HUGE},
        {"created_at__year": "2024", "created_at__month": "1", "created_at__day": HUGE},
    ],
)
def test_it_sends_out_of_range_dates_to_the_error_flag(supervisor_client, params) -> None:
    f.EvaluationFactory()
    url = reverse("admin:evaluations_evaluation_changelist")

    response = supervisor_client.get(url, params)

    assert response.status_code == 302
    assert response["Location"] == url + "?e=1"


@pytest.mark.parametrize(
    "name",
    [
        "reports_reportrun",
        "reports_kpirollupday",
        "integrations_historicalmetric",
        "monitoring_alertlog",
    ],
)
def test_it_handles_a_huge_year_on_each_date_hierarchy(supervisor_client, name) -> None:
    url = reverse(f"admin:{name}_changelist")
    field = admin.site._registry[
        next(m for m in admin.site._registry if m._meta.label_lower == name.replace("_", ".", 1))
    ].date_hierarchy

    response = supervisor_client.get(url, {f"{field}__year": HUGE})

    assert response.status_code == 302


def test_it_handles_a_huge_year_on_the_audit_log(client_as_admin) -> None:
    response = client_as_admin.get(
        reverse("admin:core_auditlog_changelist"), {"created_at__year": HUGE}
    )

    assert response.status_code == 302


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_it_takes_the_ends_of_the_calendar_in_a_date_filter(supervisor_client, day) -> None:
    url = reverse("admin:evaluations_evaluation_changelist")

    response = supervisor_client.get(url, {"created_at__gte": day})

    # SQLite cannot store 0001-01-01 KST in UTC (OverflowError): that one goes to ?e=1.
    assert response.status_code in (200, 302)
    assert response.status_code == 200 or response["Location"] == url + "?e=1"


def test_it_finds_nothing_for_a_search_term_with_a_nul(supervisor_client) -> None:
    f.FaqFactory()
    params = {
        "app_label": "faqs",
        "model_name": "faq",
        "field_name": "category",
        "term": "a\x00b",
    }

    response = supervisor_client.get(reverse("admin:autocomplete"), params)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_it_refuses_a_forged_import_confirmation(supervisor_client) -> None:
    url = reverse("admin:faqs_faq_process_import")

    bogus_name = supervisor_client.post(
        url, {"import_file_name": "../../etc/passwd", "original_file_name": "x.csv", "format": "0"}
    )
    bogus_format = supervisor_client.post(
        url, {"import_file_name": "abc", "original_file_name": "x.csv", "format": "abc"}
    )

    assert bogus_name.status_code < 500
    assert bogus_format.status_code < 500


@pytest.mark.parametrize("fmt", ["zzz", "99", HUGE])
def test_it_refuses_an_unknown_export_format(supervisor_client, fmt) -> None:
    response = supervisor_client.get(reverse("admin:faqs_faq_export"), {"format": fmt})

    assert response.status_code < 500


def _periodic_task_form(**overrides: str) -> dict[str, str]:
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    data = {
        "name": "nightly",
        "regtask": "",
        "task": "apps.reports.tasks.run",
        "enabled": "on",
        "interval": str(interval.pk),
        "args": "[]",
        "kwargs": "{}",
        "headers": "{}",
        "priority": "",
        "expire_seconds": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("task", ""),
        ("task", "a\x00b"),
        ("task", "a" * 201),
        ("headers", "null"),
        ("headers", "[1"),
        ("args", "{}"),
    ],
)
def test_it_shows_a_form_error_for_a_bad_periodic_task(supervisor_client, field, value) -> None:
    response = supervisor_client.post(
        reverse("admin:django_celery_beat_periodictask_add"), _periodic_task_form(**{field: value})
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not PeriodicTask.objects.filter(name="nightly").exists()


def test_it_saves_empty_periodic_task_headers_as_an_empty_object(supervisor_client) -> None:
    response = supervisor_client.post(
        reverse("admin:django_celery_beat_periodictask_add"), _periodic_task_form(headers="")
    )

    assert response.status_code == 302
    assert PeriodicTask.objects.get(name="nightly").headers == "{}"


@pytest.mark.parametrize("selected", ["abc", HUGE])
def test_it_refuses_bad_action_ids_on_the_beat_schedules(supervisor_client, selected) -> None:
    schedule = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    url = reverse("admin:django_celery_beat_intervalschedule_changelist")

    response = supervisor_client.post(
        url,
        {"action": "delete_selected", "index": "0", "_selected_action": [selected]},
        follow=True,
    )

    assert response.status_code == 200
    assert "선택한 항목을 찾을 수 없습니다" in response.content.decode()
    assert IntervalSchedule.objects.filter(pk=schedule.pk).exists()


def test_task_and_group_results_cannot_be_added_by_hand() -> None:
    from django_celery_results.models import TaskResult

    client = Client(raise_request_exception=False)
    # The demo admin is a superuser: it held the add permission the library offered.
    client.force_login(f.UserFactory(username="root", roles=[roles.ADMIN], is_superuser=True))
    for name in ("taskresult", "groupresult"):
        url = reverse(f"admin:django_celery_results_{name}_add")
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    assert not TaskResult.objects.exists()


def test_the_admin_cleans_up_only_expired_login_attempts(client_as_admin) -> None:
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    def attempt(username: str, minutes_ago: int) -> AccessAttempt:
        row = AccessAttempt.objects.create(
            username=username, ip_address="10.0.0.1", user_agent="test", failures_since_start=3
        )
        # attempt_time is auto_now_add: backdate it in SQL.
        when = timezone.now() - timedelta(minutes=minutes_ago)
        AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=when)
        return row

    expired, recent = attempt("old", 60), attempt("new", 1)  # cool-off is 15 minutes
    response = client_as_admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "cleanup_expired_attempts", "_selected_action": [expired.pk, recent.pk]},
    )
    assert response.status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new"]
