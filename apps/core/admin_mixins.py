from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse


def require_numeric_ids(*ids: str) -> None:
    """Http404 unless every URL id is a plain number (isdigit alone would let "²" through)."""
    if not all(unquote(value).isascii() and unquote(value).isdigit() for value in ids):
        raise Http404


class NumericHistoryIdsMixin:
    """404 for non-numeric ids in simple-history's pages; list it before SimpleHistoryAdmin.

    Its views hand the raw URL ids to queries on integer keys, which raise ValueError (a 500)
    for "abc". An admin overriding a history view itself calls require_numeric_ids first.
    """

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        require_numeric_ids(object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        require_numeric_ids(object_id, version_id)
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )
