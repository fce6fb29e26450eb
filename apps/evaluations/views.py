"""QA pages: evaluators' work list and scoring page, the agent's own evaluations (acknowledge or
dispute), supervisors' disputes and calibration sessions, and recording playback.

Who sees what: evaluators and supervisors use the evaluator pages (agents get 403); an evaluator
opens only evaluations they write, supervisors read any; an agent sees only their own submitted,
non-calibration evaluations (anything else is 404).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.agents.models import Agent
from apps.core import roles
from apps.core.exceptions import ApplicationError
from apps.core.forms import form_errors_text
from apps.evaluations import calibration, hints, recordings, services
from apps.evaluations.forms import CalibrationForm, CommentForm, ScoreForm
from apps.evaluations.models import (
    AssignmentStatus,
    CalibrationSession,
    Evaluation,
    EvaluationAssignment,
    EvaluationStatus,
    FormQuestion,
)

View = Callable[..., HttpResponse]


def _role_required(check: Callable[[Any], bool], message: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                return HttpResponseForbidden(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


evaluator_required = _role_required(
    lambda u: roles.has_role(u, roles.QA_EVALUATOR, roles.SUPERVISOR, roles.ADMIN),
    "QA 평가자 또는 슈퍼바이저 권한이 필요합니다.",
)
supervisor_required = _role_required(roles.is_supervisor, "슈퍼바이저 권한이 필요합니다.")
agent_required = _role_required(
    lambda u: Agent.objects.filter(user=u).exists(), "상담원 계정으로만 볼 수 있습니다."
)


def _user(request: HttpRequest) -> User:
    # Every view here is behind login_required, so the user is never anonymous.
    return cast(User, request.user)


def _get_evaluation_for_reader(request: HttpRequest, pk: int) -> Evaluation:
    """Its evaluator, or any supervisor; 404 for other evaluators."""
    qs = Evaluation.objects.select_related("form", "agent", "conversation", "evaluator")
    if not roles.is_supervisor(_user(request)):
        qs = qs.filter(evaluator=_user(request))
    return get_object_or_404(qs, pk=pk)


def _agent_evaluations(request: HttpRequest) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(agent__user=_user(request), is_calibration=False)
        .exclude(status=EvaluationStatus.DRAFT)
        .select_related("form", "evaluator")
    )


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    user = _user(request)
    context |= {
        "nav_evaluator": roles.has_role(user, roles.QA_EVALUATOR, roles.SUPERVISOR, roles.ADMIN),
        "nav_supervisor": roles.is_supervisor(user),
        "nav_agent": Agent.objects.filter(user=user).exists(),
    }
    return render(request, template, context, status=status)


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.code == "not_found":
        raise Http404(exc.message)
    messages.error(request, exc.message)


def _posted_comment(request: HttpRequest) -> str | None:
    """The cleaned comment, or None after flashing why it was refused (these pages have no
    room for field errors, so they report the way they report a refused transition)."""
    form = CommentForm(request.POST)
    if form.is_valid():
        return cast(str, form.cleaned_data["comment"])
    messages.error(request, form_errors_text(form))
    return None


# --- Evaluators ---------------------------------------------------------------------------


@require_GET
@evaluator_required
def worklist(request: HttpRequest) -> HttpResponse:
    mine = EvaluationAssignment.objects.filter(evaluator=_user(request)).select_related(
        "conversation__agent", "form", "rule", "calibration", "evaluation"
    )
    return _render(
        request,
        "evaluations/worklist.html",
        {
            "open": mine.filter(status=AssignmentStatus.OPEN),
            "done": mine.filter(status=AssignmentStatus.DONE)[:20],
        },
    )


@require_POST
@evaluator_required
def assignment_open(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(EvaluationAssignment, pk=pk, evaluator=_user(request))
    try:
        evaluation = services.evaluation_start(assignment=assignment, user=_user(request))
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("evaluations:worklist")
    return redirect("evaluations:evaluation", pk=evaluation.pk)


@require_http_methods(["GET", "POST"])
@evaluator_required
def evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _get_evaluation_for_reader(request, pk)
    editable = (
        evaluation.status == EvaluationStatus.DRAFT and evaluation.evaluator_id == _user(request).pk
    )
    questions = list(
        FormQuestion.objects.filter(section__form=evaluation.form)
        .select_related("section")
        .order_by("section__order", "section_id", "order", "id")
    )
    answers = {a.question_id: a for a in evaluation.answers.all()}
    form = ScoreForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        answers=answers,
        initial={"comment": evaluation.comment},
    )
    if request.method == "POST":
        if not editable:
            return HttpResponse(_("제출된 평가는 고칠 수 없습니다."), status=409)
        if form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                services.evaluation_save(
                    evaluation=evaluation,
                    user=_user(request),
                    answers=form.answers(),
                    comment=form.cleaned_data["comment"],
                    submit=submit,
                )
            except ApplicationError as exc:
                for field, message in exc.extra.get("fields", {}).items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("제출했습니다.") if submit else _("임시 저장했습니다."))
                return redirect("evaluations:evaluation", pk=evaluation.pk)
    # Suggestions only while scoring; they are computed, shown and never stored or submitted.
    found = hints.conversation_hints(evaluation.conversation) if editable else []
    return _render(
        request,
        "evaluations/evaluation.html",
        {
            "evaluation": evaluation,
            "form": form,
            "editable": editable,
            "answers": answers,
            "transcript": evaluation.conversation.messages.order_by("seq").select_related("agent"),
            "hints": found,
            "hint_seqs": {h.seq for h in found if h.seq},
            "recording": recordings.recording_for(evaluation.conversation),
            "can_resolve": (
                evaluation.status == EvaluationStatus.DISPUTED
                and roles.is_supervisor(_user(request))
            ),
            "resolve_form": CommentForm(),
        },
        status=400 if form.errors else 200,
    )


@require_GET
@evaluator_required
def recording_play(request: HttpRequest, pk: int) -> HttpResponse:
    """Hands out the short-lived recording URL (audit-logged) as a redirect the player follows."""
    evaluation = _get_evaluation_for_reader(request, pk)
    recording = recordings.recording_for(evaluation.conversation)
    if recording is None:
        raise Http404(_("녹취가 없습니다."))
    url = recordings.recording_playback_url(
        recording=recording, user=_user(request), reason=_("QA 평가 #%s 녹취 청취") % evaluation.pk
    )
    response = redirect(url)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@evaluator_required
def recording_file(request: HttpRequest) -> HttpResponse:
    """Offline twin of S3: serves a local recording for a valid, unexpired signed token."""
    found = recordings.recording_local_file(token=request.GET.get("token", ""))
    if found is None:
        return HttpResponseForbidden(_("재생 링크가 만료되었거나 올바르지 않습니다."))
    content, content_type = found
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


# --- Agents -------------------------------------------------------------------------------


@require_GET
@agent_required
def my_evaluations(request: HttpRequest) -> HttpResponse:
    context = {"evaluations": _agent_evaluations(request)}
    return _render(request, "evaluations/my_list.html", context)


@require_GET
@agent_required
def my_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(_agent_evaluations(request), pk=pk)
    return _render(
        request,
        "evaluations/my_detail.html",
        {
            "evaluation": evaluation,
            "answers": evaluation.answers.select_related("question__section"),
            "dispute_form": CommentForm(),
        },
    )


@require_POST
@agent_required
def my_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(_agent_evaluations(request), pk=pk)
    try:
        services.evaluation_acknowledge(evaluation=evaluation, agent=_user(request).agent)
        messages.success(request, _("평가를 확인했습니다."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:my_evaluation", pk=pk)


@require_POST
@agent_required
def my_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(_agent_evaluations(request), pk=pk)
    comment = _posted_comment(request)
    if comment is None:
        return redirect("evaluations:my_evaluation", pk=pk)
    try:
        services.evaluation_dispute(
            evaluation=evaluation, agent=_user(request).agent, comment=comment
        )
        messages.success(request, _("이의를 제기했습니다."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:my_evaluation", pk=pk)


# --- Supervisors --------------------------------------------------------------------------


@require_GET
@supervisor_required
def disputes(request: HttpRequest) -> HttpResponse:
    rows = (
        Evaluation.objects.filter(status=EvaluationStatus.DISPUTED)
        .select_related("agent", "evaluator", "form")
        .order_by("updated_at")
    )
    return _render(request, "evaluations/disputes.html", {"evaluations": rows})


@require_POST
@supervisor_required
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(Evaluation, pk=pk)
    comment = _posted_comment(request)
    if comment is None:
        return redirect("evaluations:evaluation", pk=pk)
    try:
        services.evaluation_resolve(evaluation=evaluation, user=_user(request), comment=comment)
        messages.success(request, _("이의를 처리했습니다."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:evaluation", pk=pk)


@require_http_methods(["GET", "POST"])
@supervisor_required
def calibration_list(request: HttpRequest) -> HttpResponse:
    form = CalibrationForm(request.POST or None, evaluators=calibration.calibration_evaluators())
    if request.method == "POST" and form.is_valid():
        try:
            session = calibration.calibration_create(created_by=_user(request), **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("evaluations:calibration", pk=session.pk)
    sessions = CalibrationSession.objects.select_related("form", "created_by")[:50]
    return _render(
        request,
        "evaluations/calibrations.html",
        {"form": form, "sessions": sessions},
        status=400 if form.errors else 200,
    )


@require_GET
@supervisor_required
def calibration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(CalibrationSession.objects.select_related("form"), pk=pk)
    return _render(
        request,
        "evaluations/calibration.html",
        {"session": session, "report": calibration.calibration_report(session=session)},
    )
