"""Agent desk: server-rendered pages, htmx partials and POST-redirect-GET actions.

Live updates come over the desk websocket (apps/chat/consumers/desk.py); static/js/desk.js turns
its events into htmx refreshes of the partials below and appends chat messages as text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.agents.routing import routing_pick
from apps.agents.services import agent_set_state
from apps.chat.events import message_data
from apps.chat.models import Conversation
from apps.core.exceptions import ApplicationError
from apps.core.forms import form_errors_text
from apps.core.pii import mask_pii
from apps.customers.crm import CrmUnavailable
from apps.desk import selectors, services
from apps.desk.forms import RevealForm, StateForm, TransferForm, WrapupForm

View = Callable[..., HttpResponse]


def desk_required(view: View) -> View:
    """Logged in (else to login) and an agent or supervisor (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = selectors.desk_viewer(request.user)
        if viewer is None:
            return HttpResponseForbidden(_("상담원 권한이 필요합니다."))
        request.viewer = viewer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view: View) -> View:
    """Logged in (else to login) and a supervisor (else 403): the board and its interventions."""

    @desk_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.viewer.is_supervisor:  # type: ignore[attr-defined]
            return HttpResponseForbidden(_("감독자 권한이 필요합니다."))
        return view(request, *args, **kwargs)

    return wrapper


def _get_conversation_for_viewer(request: HttpRequest, pk: int) -> Conversation:
    """404 for conversations of other agents and of queues that are not the viewer's."""
    viewer = request.viewer  # type: ignore[attr-defined]
    return get_object_or_404(selectors.visible_conversations(viewer), pk=pk)


def _agent_or_403(request: HttpRequest) -> Any:
    agent = request.viewer.agent  # type: ignore[attr-defined]
    if agent is None:
        raise ApplicationError(_("상담원 계정으로만 할 수 있습니다."), code="forbidden")
    return agent


def _back(pk: int | None = None) -> HttpResponse:
    return redirect(reverse("desk:conversation", args=[pk]) if pk else reverse("desk:home"))


@require_GET
@desk_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/desk.html", _page_context(request, None))


@require_GET
@desk_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    conv = _get_conversation_for_viewer(request, pk)
    return render(request, "desk/desk.html", _page_context(request, conv))


def _page_context(request: HttpRequest, conv: Conversation | None) -> dict[str, Any]:
    viewer = request.viewer  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "viewer": viewer,
        "conversation": conv,
        "state_form": StateForm(initial={"state": viewer.agent.state if viewer.agent else ""}),
        "waiting": selectors.waiting_list(viewer),
        "mine": selectors.my_chats(viewer),
    }
    if conv is None:
        return context
    profile, crm_error = None, False
    try:
        profile = services.crm_profile(conv)
    except CrmUnavailable:
        crm_error = True
    agent_name = viewer.agent.display_name if viewer.agent else request.user.get_username()
    context.update(
        transcript=selectors.transcript(conv),
        profile=profile,
        crm_error=crm_error,
        masked_phone=mask_pii(profile.phone) if profile else "",
        masked_email=mask_pii(profile.email) if profile else "",
        previous=selectors.previous_conversations(conv),
        suggestions=selectors.suggested_faqs(conv),
        canned=selectors.canned_responses(
            customer_name=profile.name if profile else _("고객"), agent_name=agent_name
        ),
        can_send=bool(
            viewer.agent and conv.agent_id == viewer.agent.pk and conv.state == "ASSIGNED"
        ),
        wrapup_form=WrapupForm(
            initial={"disposition": conv.disposition or "resolved", "note": conv.wrapup_note}
        ),
        transfer_form=TransferForm(),
        reveal_form=RevealForm(),
    )
    return context


@require_GET
@desk_required
def queue_panel(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    return render(
        request,
        "desk/snippets/_queue.html",
        {"waiting": selectors.waiting_list(viewer), "viewer": viewer},
    )


@require_GET
@desk_required
def mine_panel(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    current = request.GET.get("current", "")
    return render(
        request,
        "desk/snippets/_mine.html",
        {"mine": selectors.my_chats(viewer), "current_id": current},
    )


@require_GET
@desk_required
def messages_after(request: HttpRequest, pk: int) -> JsonResponse:
    """Resync after a dropped socket: everything after the last seq the desk has shown."""
    conv = _get_conversation_for_viewer(request, pk)
    try:
        after = max(int(request.GET.get("after_seq", "0")), 0)
    except ValueError:
        after = 0
    rows = conv.messages.select_related("agent").filter(seq__gt=after).order_by("seq")[:500]
    return JsonResponse({"state": conv.state, "messages": [message_data(m) for m in rows]})


@require_GET
@desk_required
def suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    conv = _get_conversation_for_viewer(request, pk)
    return render(
        request, "desk/snippets/_suggestions.html", {"suggestions": selectors.suggested_faqs(conv)}
    )


@require_POST
@desk_required
def state_change(request: HttpRequest) -> HttpResponse:
    form = StateForm(request.POST)
    agent = request.viewer.agent  # type: ignore[attr-defined]
    if not form.is_valid():
        messages.error(request, _("상태를 다시 골라 주세요."))
    elif agent is not None:
        agent_set_state(agent=agent, state=form.cleaned_data["state"])
    return HttpResponseRedirect(_safe_next(request) or reverse("desk:home"))


def _safe_next(request: HttpRequest) -> str | None:
    """The form's `next` when it is a path on this site; anything else is ignored.

    Only a path: redirect() would treat a bare word as a URL name (NoReverseMatch, a 500).
    """
    target = request.POST.get("next", "")
    is_path = target.startswith("/") and not target.startswith("//")
    allowed = is_path and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else None


def _action(request: HttpRequest, pk: int, run: Callable[[Any], Any], done: str) -> HttpResponse:
    """Shared body of the POST actions: run a service for the agent, flash, go back."""
    _get_conversation_for_viewer(request, pk)
    try:
        run(_agent_or_403(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(pk)


@require_POST
@desk_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, lambda a: routing_pick(agent=a, conversation_id=pk), _("상담을 시작했습니다.")
    )


@require_POST
@desk_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda a: services.conversation_close(agent=a, conversation_id=pk),
        _("상담을 종료했습니다. 후처리를 입력해 주세요."),
    )


@require_POST
@desk_required
def wrapup(request: HttpRequest, pk: int) -> HttpResponse:
    form = WrapupForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form) or _("처리 결과를 골라 주세요."))
        return _back(pk)
    return _action(
        request,
        pk,
        lambda a: services.conversation_wrapup(agent=a, conversation_id=pk, **form.cleaned_data),
        _("후처리를 저장했습니다."),
    )


@require_POST
@desk_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form) or _("이관 정보를 확인해 주세요."))
        return _back(pk)
    data = form.cleaned_data
    _action(
        request,
        pk,
        lambda a: services.conversation_transfer(
            agent=a,
            conversation_id=pk,
            note=data["note"],
            queue=data["queue"],
            to_agent=data["agent"],
        ),
        _("이관했습니다."),
    )
    return _back()


@require_POST
@desk_required
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the unmasked contact block, after an audit row with the agent's reason."""
    conv = _get_conversation_for_viewer(request, pk)
    form = RevealForm(request.POST)
    profile = services.crm_profile(conv) if form.is_valid() else None
    if profile is None:
        return render(
            request,
            "desk/snippets/_reveal.html",
            {"conversation": conv, "reveal_form": form, "error": True},
            status=400,
        )
    # desk_required let only signed-in agents through.
    services.customer_reveal(
        user=cast(User, request.user),
        conversation=conv,
        crm_customer=profile,
        reason=form.cleaned_data["reason"],
    )
    return render(request, "desk/snippets/_revealed.html", {"profile": profile})
