"""Supervisor live board (issue 7): the floor at a glance, a silent view, whisper, take over.

Shares the desk's access checks (apps/desk/views.py); live figures come from apps/reports/live.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.agents.models import AgentState
from apps.core.exceptions import ApplicationError
from apps.desk import board as live_board
from apps.desk import selectors, services
from apps.desk.forms import WhisperForm
from apps.desk.views import _back, _get_conversation_for_viewer, supervisor_required
from apps.reports import live


def _board_back(pk: int) -> HttpResponse:
    return redirect(reverse("desk:board_watch", args=[pk]))


def _board_lists_context() -> dict[str, Any]:
    labels = dict(AgentState.choices)
    agents = [
        {**row, "state_label": labels.get(row["state"], row["state"])} for row in live.agent_rows()
    ]
    return {"live_chats": live_board.live_chats(), "agents": agents}


@require_GET
@supervisor_required
def board(request: HttpRequest) -> HttpResponse:
    snapshot = live.board_snapshot()
    by_state = snapshot["agents_by_state"]
    chart_labels = {
        "states": {state: str(label) for state, label in AgentState.choices},
        "waiting": _("대기"),
        "at_risk": _("SLA 위험"),
        "active": _("상담 중"),
        "seconds_ago": _("%(s)s초 전"),
        "not_synced": _("동기화 전"),
    }
    return render(
        request,
        "desk/board.html",
        {
            "viewer": request.viewer,  # type: ignore[attr-defined]
            "snapshot": snapshot,
            "agent_states": [(s, label, by_state.get(s, 0)) for s, label in AgentState.choices],
            "chart_labels": chart_labels,
            **_board_lists_context(),
        },
    )


@require_GET
@supervisor_required
def board_snapshot(request: HttpRequest) -> JsonResponse:
    """The same snapshot the websocket pushes; board.js polls it as a fallback."""
    return JsonResponse(live.board_snapshot())


@require_GET
@supervisor_required
def board_lists(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/snippets/_board_lists.html", _board_lists_context())


@require_GET
@supervisor_required
def board_watch(request: HttpRequest, pk: int) -> HttpResponse:
    """Silent view: the live transcript, read-only; nothing is sent to the customer or agent."""
    conv = _get_conversation_for_viewer(request, pk)
    viewer = request.viewer  # type: ignore[attr-defined]
    return render(
        request,
        "desk/watch.html",
        {
            "viewer": viewer,
            "conversation": conv,
            "transcript": selectors.transcript(conv),
            "whisper_form": WhisperForm(),
            "can_take_over": viewer.agent is not None,
            "is_mine": bool(viewer.agent and conv.agent_id == viewer.agent.pk),
        },
    )


@require_POST
@supervisor_required
def board_whisper(request: HttpRequest, pk: int) -> HttpResponse:
    _get_conversation_for_viewer(request, pk)
    form = WhisperForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("귓속말 내용을 입력해 주세요."))
        return _board_back(pk)
    try:
        services.conversation_whisper(
            user=request.user,  # type: ignore[arg-type]
            conversation_id=pk,
            text=form.cleaned_data["text"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("상담원에게만 보이는 귓속말을 남겼습니다."))
    return _board_back(pk)


@require_POST
@supervisor_required
def board_take_over(request: HttpRequest, pk: int) -> HttpResponse:
    _get_conversation_for_viewer(request, pk)
    try:
        services.conversation_take_over(user=request.user, conversation_id=pk)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _board_back(pk)
    messages.success(request, _("상담을 가져왔습니다. 이제 직접 응대할 수 있습니다."))
    return _back(pk)
