"""Every page, as every role, with hostile input: never a 500.

A crawl of all server-rendered routes and admin pages with garbage query strings, forged ids
and garbage forms found 15 distinct 500s (session 6, fixed one by one). This keeps the crawl:
each route and admin gets bad ids, a garbage query and a garbage POST as anonymous, agent,
supervisor, QA evaluator and admin, on the demo content. The JSON API is fuzzed by schemathesis
in .ci/run instead (scripts/fuzz_api.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.chat.models import Conversation
from apps.core import roles
from apps.evaluations.models import CalibrationSession, Evaluation, EvaluationAssignment
from apps.reports.models import ConversationExport

HUGE = "9" * 20
GARBAGE_QUERY = (
    "?page=abc&p=-1&q=%00%3Cscript%3E&o=zz&sort=%27--&state=%FF&status=x&queue="
    + HUGE
    + "&after_seq=abc&from=9999-99-99&to=0001-01-01&date=x&period=x&days=-5&agent=abc&next=//evil"
)
GARBAGE_FORM = {
    "text": "\x00",
    "body": "가" * 5000,
    "note": "x" * 5000,
    "comment": "\x00",
    "reason": "",
    "state": "zz",
    "queue": HUGE,
    # One id, the only one: an "abc" beside it is refused before any query runs.
    "queues": HUGE,
    "team": HUGE,
    "skills": '{"a": 1}',
    "agent": "abc",
    "score": "NaN",
    "date_from": "0001-01-01",
    "date_to": "9999-12-31",
    "group_by": "²",
    "format": "exe",
    "next": "//evil.example",
}
# Which model an <int:pk> of a route names, by the route's start, and how to find one of the
# user's own (an agent's conversation, an evaluator's evaluation), so the page renders in full.
PK_MODELS: list[tuple[str, type[models.Model], str]] = [
    ("desk/board/", Conversation, ""),
    ("desk/", Conversation, "agent__user"),
    ("qa/assignments/", EvaluationAssignment, "evaluator"),
    ("qa/calibrations/", CalibrationSession, ""),
    ("qa/my/", Evaluation, "agent__user"),
    ("qa/", Evaluation, "evaluator"),
    ("reports/exports/", ConversationExport, "requested_by"),
]
ROLES = (None, roles.AGENT, roles.SUPERVISOR, roles.QA_EVALUATOR, roles.ADMIN)


def _routes(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


# The JSON API is schemathesis' (with its own auth); the admin is covered model by model below.
ROUTES = sorted(
    route
    for route in _routes(get_resolver().url_patterns)
    if not route.startswith(("admin/", "api/", "^", "static/", "media/")) and "(?P" not in route
)


def _existing_pk(route: str, user: User | None) -> str:
    for start, model, owner in PK_MODELS:
        if route.startswith(start):
            rows = model._default_manager.order_by("pk")
            own = rows.filter(**{owner: user}) if owner and user else rows.none()
            pk = (
                own.values_list("pk", flat=True).first()
                or rows.values_list("pk", flat=True).first()
            )
            return str(pk or 1)
    return "1"


def _paths(route: str, user: User | None) -> list[str]:
    """The route with the user's own, a missing and an out-of-range id for its converters."""
    if "<int:" not in route:
        return ["/" + route]
    return [
        "/" + re.sub(r"<int:\w+>", value, route) for value in (_existing_pk(route, user), "0", HUGE)
    ]


def _user(role: str | None) -> User | None:
    if role is None:
        return None
    user = User.objects.filter(groups__name=role).order_by("pk").first()
    assert user is not None, f"the demo content has no {role}"
    return user


def _client(user: User | None) -> Client:
    # A 500 comes back as a response, as a browser would see it.
    client = Client(raise_request_exception=False)
    if user:
        client.force_login(user)
    return client


def _server_errors(client: Client, path: str, post: bool = True) -> list[str]:
    """A plain GET, a GET with a garbage query and (unless post=False) a garbage POST."""
    responses = [("GET", client.get(path)), ("GET", client.get(path + GARBAGE_QUERY))]
    if post:
        responses.append(("POST", client.post(path + GARBAGE_QUERY, GARBAGE_FORM)))
    return [
        f"{method} {path} -> {response.status_code}"
        for method, response in responses
        if response.status_code >= 500
    ]


@pytest.fixture(scope="module")
def crawl_data(demo_content, django_db_blocker):
    """Past conversations, and a conversation, evaluation, assignment, calibration and export
    of the demo agent, QA evaluator and supervisor: their pages render in full, not as a 404."""
    from apps.agents.models import Agent
    from apps.core.demo.content import demo_channel_key
    from apps.core.demo.history import load_history
    from apps.evaluations.models import EvaluationForm
    from tests import factories as f

    with django_db_blocker.unblock():
        load_history(demo_channel_key(), target=30)
        agent = Agent.objects.get(user=_user(roles.AGENT))
        qa, supervisor = _user(roles.QA_EVALUATOR), _user(roles.SUPERVISOR)
        conversation = Conversation.objects.order_by("pk").first()
        assert conversation is not None
        Conversation.objects.filter(pk=conversation.pk).update(agent=agent)
        form = EvaluationForm.objects.order_by("pk").first()
        f.EvaluationFactory(form=form, conversation=conversation, agent=agent, evaluator=qa)
        EvaluationAssignment.objects.create(conversation=conversation, evaluator=qa, form=form)
        CalibrationSession.objects.create(
            title="보정", conversation=conversation, form=form, created_by=supervisor
        )
        ConversationExport.objects.create(requested_by=supervisor, reason="감사")


def test_the_crawl_covers_the_portals_pages() -> None:
    # Guards the crawl against silently losing routes (a changed prefix, a filter too wide).
    for route in ("desk/", "desk/c/<int:pk>/wrapup/", "qa/e/<int:pk>/", "reports/kpis/"):
        assert route in ROUTES
    assert len(ROUTES) >= 40


@pytest.mark.parametrize("route", ROUTES)
def test_no_page_answers_a_hostile_request_with_a_server_error(crawl_data, db, route) -> None:
    errors = []
    for role in ROLES:
        user = _user(role)
        client = _client(user)
        for path in _paths(route, user):
            errors += [f"{role or 'anonymous'}: {error}" for error in _server_errors(client, path)]
    assert errors == []


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda model: model._meta.label_lower), ids=str
)
def test_no_admin_page_answers_a_hostile_request_with_a_server_error(crawl_data, db, model) -> None:
    info = (model._meta.app_label, model._meta.model_name)
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    paths = [
        reverse(f"admin:{info[0]}_{info[1]}_changelist"),
        reverse(f"admin:{info[0]}_{info[1]}_add"),
    ]
    for value in (pk, "abc", HUGE):
        if value is not None:
            for view in ("change", "history", "delete"):
                paths.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[value]))
    errors = []
    for role in (roles.SUPERVISOR, roles.ADMIN):
        client = _client(_user(role))
        for path in paths:
            # Not the POST of delete: a garbage form there still confirms the deletion.
            post = not path.endswith("/delete/")
            errors += [f"{role}: {error}" for error in _server_errors(client, path, post)]
    assert errors == []
