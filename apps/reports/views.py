"""Supervisor pages: KPIs with drill-down links, and row-level exports built by Celery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.roles import is_supervisor
from apps.reports import drilldown, kpis, rollups, services
from apps.reports.forms import ExportForm, KpiFilterForm
from apps.reports.kpis import Kpis
from apps.reports.models import ConversationExport, RunStatus

View = Callable[..., HttpResponseBase]  # FileResponse is not an HttpResponse


def supervisor_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_supervisor(request.user):
            return HttpResponseForbidden(_("관리자(수퍼바이저) 권한이 필요합니다."))
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    # Every view here is behind supervisor_required (login_required), so never anonymous.
    return cast(User, request.user)


def _row(
    links: drilldown.Links,
    label: str,
    k: Kpis,
    first: date,
    last: date,
    group: str = "",
    value: Any = None,
) -> dict[str, Any]:
    urls = links.row(first, last, group, value)
    cells = [
        {"text": drilldown.display(meta, getattr(k, meta.key)), "url": urls[meta.key]}
        for meta in drilldown.KPIS
    ]
    value_text = value.isoformat() if isinstance(value, date) else ("" if value is None else value)
    return {"label": label, "cells": cells, "value": value_text}


@require_GET
@supervisor_required
def kpi_board(request: HttpRequest) -> HttpResponse:
    form = KpiFilterForm(request.GET or KpiFilterForm.default_data())
    if not form.is_valid():
        return render(request, "reports/kpis.html", {"form": form}, status=400)
    first, last, group = form.period()
    grouped, total = rollups.compute_report(first, last, group)
    labels = kpis.group_labels(group, [value for value, _k in grouped])
    links = drilldown.Links()
    context = {
        "form": form,
        "metas": drilldown.KPIS,
        "total": _row(links, _("전체"), total, first, last),
        "rows": [_row(links, labels[v], k, first, last, group, v) for v, k in grouped],
        "first": first,
        "last": last,
        "group": group,
    }
    return render(request, "reports/kpis.html", context)


@require_POST
@supervisor_required
def export_create(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "exports": _exports_of(request)}
        return render(request, "reports/exports.html", context, status=400)
    services.export_request(
        user=_user(request), params=form.params(), reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("내보내기를 요청했습니다. 준비되면 목록에서 받을 수 있습니다."))
    return redirect("reports:exports")


def _exports_of(request: HttpRequest) -> Any:
    return ConversationExport.objects.filter(requested_by=_user(request))[:50]


@require_GET
@supervisor_required
def export_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/exports.html", {"exports": _exports_of(request)})


@require_GET
@supervisor_required
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    # Only the requester gets the file: someone else's export is a 404, not a 403.
    export = get_object_or_404(
        ConversationExport, pk=pk, requested_by=_user(request), status=RunStatus.SUCCESS
    )
    assert export.file.name is not None  # a SUCCESS export always has its file
    filename = export.file.name.rsplit("/", 1)[-1]
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=filename)
