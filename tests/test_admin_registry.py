"""Every registered admin, third-party ones included (auth, django-celery-beat/-results): the
role that should reach it gets its pages, an agent is sent to the login page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.models import GroupResult, TaskResult
from rest_framework.authtoken.models import Token

from apps.core import roles
from apps.faqs.models import CannedResponse
from tests import factories as f

pytestmark = pytest.mark.django_db


def _interval() -> IntervalSchedule:
    return IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)


def _token_user() -> Any:
    user = f.UserFactory(username="api-user")
    Token.objects.create(user=user)
    return user


MAKERS: dict[str, Callable[[], Any]] = {
    "auth.group": lambda: Group.objects.create(name="test-group"),
    "auth.user": f.UserFactory,
    "django_celery_beat.periodictask": lambda: PeriodicTask.objects.create(
        name="t", task="apps.reports.tasks.run", interval=_interval()
    ),
    "django_celery_beat.clockedschedule": lambda: ClockedSchedule.objects.create(
        clocked_time=timezone.now()
    ),
    "django_celery_beat.crontabschedule": CrontabSchedule.objects.create,
    "django_celery_beat.solarschedule": lambda: SolarSchedule.objects.create(
        event="sunrise", latitude=37.5, longitude=127.0
    ),
    "django_celery_beat.intervalschedule": _interval,
    "django_celery_results.taskresult": lambda: TaskResult.objects.create(task_id="t-1"),
    "django_celery_results.groupresult": lambda: GroupResult.objects.create(group_id="g-1"),
    "core.auditlog": f.AuditLogFactory,
    # DRF's token admin addresses a token by its user's id (TokenAdmin.get_object).
    "authtoken.tokenproxy": lambda: _token_user(),
    "agents.team": f.TeamFactory,
    "agents.queue": f.QueueFactory,
    "agents.agent": f.AgentFactory,
    "customers.customer": f.CustomerFactory,
    "faqs.category": f.CategoryFactory,
    "faqs.faq": lambda: f.FaqAlternativeFactory().faq,
    "faqs.cannedresponse": lambda: CannedResponse.objects.create(
        title="인사", shortcut="/hi", body="안녕하세요"
    ),
    "scenarios.scenario": lambda: f.ScenarioUtteranceFactory().scenario,
    "chat.channelkey": f.ChannelKeyFactory,
    "chat.conversation": lambda: f.MessageFactory().conversation,
    "chat.message": f.MessageFactory,
    "evaluations.evaluationform": lambda: f.FormQuestionFactory().section.form,
    "evaluations.formsection": lambda: f.FormQuestionFactory().section,
    "evaluations.evaluation": f.EvaluationFactory,
    "reports.reportdefinition": f.ReportDefinitionFactory,
    "reports.reportrun": f.ReportRunFactory,
}

# Models the supervisor role has no permission for: the admin role is the one that gets in.
ADMIN_ROLE_ONLY = {
    "auth.user",
    "auth.group",
    "core.auditlog",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.solarschedule",
    "django_celery_results.taskresult",
    "django_celery_results.groupresult",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "axes.accessattemptexpiration",
}
# No role holds these permissions (API tokens are issued by a command): superusers only.
SUPERUSER_ONLY = {"authtoken.tokenproxy"}
# Read-only admins: nobody may add, whatever their permissions say.
NO_ADD_PAGE = {
    "chat.conversation",
    "chat.message",
    "core.auditlog",
    "reports.reportrun",
    "faqs.faqcandidate",
    "monitoring.alertlog",
    "reports.conversationexport",
    "reports.kpirollupday",
    "evaluations.evaluation",
    "django_celery_results.taskresult",
    "django_celery_results.groupresult",
    # integrations: rows written by background jobs (apps/integrations/admin.py)
    "integrations.syncrun",
    "integrations.queuemetricsnapshot",
    "integrations.historicalmetric",
    "integrations.lexintent",
    "integrations.webhookdelivery",
    "integrations.notificationlog",
    # login attempts are written by django-axes, never by hand
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "axes.accessattemptexpiration",
}
# Customers come from the CRM; the supervisor role may view and edit, not create.
SUPERVISOR_CANNOT_ADD = {"customers.customer"}

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label_lower)


def _urls(model: type[models.Model], obj: models.Model) -> dict[str, str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return {
        "changelist": reverse(f"{info}_changelist"),
        "add": reverse(f"{info}_add"),
        "change": reverse(f"{info}_change", args=[obj.pk]),
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _autofill(model: type[models.Model]) -> models.Model:
    """One row with every required field filled, for admins registered without a maker
    (other apps add theirs as they go; a specific maker above wins)."""
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if (
            field.primary_key
            or field.null
            or field.has_default()
            or getattr(field, "auto_now", 0)
            or getattr(field, "auto_now_add", False)
        ):
            continue
        values[field.name] = _value_for(field)
    return model._default_manager.create(**values)


def _value_for(field: models.Field) -> Any:
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        return MAKERS.get(related._meta.label_lower, lambda: _autofill(related))()
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.URLField):
        return "https://example.com/hook"
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return 1
    return f"{field.name}-1"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label_lower)
def test_it_serves_each_admin_to_its_role_and_refuses_agents(model, supervisor, agent) -> None:
    label = model._meta.label_lower
    obj = MAKERS.get(label, lambda: _autofill(model))()
    urls = _urls(model, obj)
    admin_user = f.UserFactory(username="admin1", roles=[roles.ADMIN])
    role_user = admin_user if label in ADMIN_ROLE_ONLY else supervisor
    if label in SUPERUSER_ONLY:
        role_user = User.objects.create_superuser("root", "root@example.com", "pw-for-tests-1")
    client = _client(role_user)

    assert client.get(urls["changelist"]).status_code == 200
    assert client.get(urls["change"]).status_code == 200
    if label in NO_ADD_PAGE:
        # Deliberately checked with the admin role too: read-only means read-only for everyone.
        assert client.get(urls["add"]).status_code == 403
        assert _client(admin_user).get(urls["add"]).status_code == 403
    elif role_user is supervisor and label in SUPERVISOR_CANNOT_ADD:
        assert client.get(urls["add"]).status_code == 403
    else:
        assert client.get(urls["add"]).status_code == 200

    if label in ADMIN_ROLE_ONLY | SUPERUSER_ONLY:
        assert _client(supervisor).get(urls["changelist"]).status_code == 403

    agent_client = _client(agent.user)
    for url in urls.values():
        response = agent_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_it_shows_qa_evaluators_evaluations_but_not_faqs(qa_evaluator) -> None:
    f.EvaluationFactory()
    client = _client(qa_evaluator)

    assert client.get(reverse("admin:evaluations_evaluation_changelist")).status_code == 200
    assert client.get(reverse("admin:evaluations_evaluationform_changelist")).status_code == 200
    assert client.get(reverse("admin:faqs_faq_changelist")).status_code == 403


def test_it_hides_the_audit_log_from_supervisors_on_the_index(supervisor) -> None:
    response = _client(supervisor).get(reverse("admin:index"))

    assert response.status_code == 200
    assert reverse("admin:core_auditlog_changelist") not in response.content.decode()
