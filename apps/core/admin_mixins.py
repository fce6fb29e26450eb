from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ManyToManyField, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.validators import is_primary_key


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


class KeyCheckedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids outside the key column's range before the IN query: SQLite raised
    OverflowError on a 20-digit id (a 500), PostgreSQL only answered an empty match."""

    def clean(self, value: Any) -> QuerySet[Any]:
        queryset = self.queryset
        if queryset is not None and self.to_field_name is None and isinstance(value, list | tuple):
            for pk in value:
                if not is_primary_key(queryset.model, str(pk)):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super().clean(value)


class HardenedAdminMixin:
    """Forged changelist requests get Django admin's usual answers instead of a 500.

    List it first on every ModelAdmin (tests/core/test_admin_hardening.py checks). Django
    only guards against ValueError: an id like "abc" or one past the key's range reaches the
    query (ValueError/OverflowError, in actions and many-to-many fields), a huge
    date_hierarchy year overflows datetime(), and PostgreSQL refuses a NUL in an autocomplete
    term.
    """

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(is_primary_key(queryset.model, value) for value in selected):
            # None makes changelist_view redirect back to the list, as for a failed action.
            self.message_user(  # type: ignore[attr-defined]
                request,
                _("선택한 항목을 찾을 수 없습니다. 아무것도 바뀌지 않았습니다."),
                messages.ERROR,
            )
            return None
        return super().response_action(request, queryset, *args, **kwargs)  # type: ignore[misc]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        # changelist_view answers IncorrectLookupParameters with a redirect to ?e=1.
        try:
            return super().get_changelist_instance(request)  # type: ignore[misc]
        except OverflowError as e:
            raise IncorrectLookupParameters(e) from e

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        kwargs.setdefault("form_class", KeyCheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # No stored text contains a NUL, so nothing matches. The changelist's search form
        # already refuses one; autocomplete passes its term here unchecked.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]


class ImportExportGuardMixin:
    """django-import-export's import confirmation and export page without their 500s.

    List it before ImportExportModelAdmin. The confirmation posts back a format index and the
    name of the uploaded file's temporary copy, used unchecked: "abc" raises ValueError and a
    file already imported (the page posted twice) or a made-up name raises
    FileNotFoundError. The export page filters by every GET parameter it does not know.
    """

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        index = request.POST.get("format", "")
        formats = self.get_import_formats()  # type: ignore[attr-defined]
        if not (index.isascii() and index.isdigit() and int(index) < len(formats)):
            return self._import_again(request)
        try:
            return super().process_import(request, **kwargs)  # type: ignore[misc]
        except FileNotFoundError:
            return self._import_again(request)

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().export_action(request)  # type: ignore[misc]
        except IncorrectLookupParameters:
            self.message_user(  # type: ignore[attr-defined]
                request,
                _("내보내기 조건이 올바르지 않습니다. 목록에서 다시 내보내세요."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse(self._admin_url("changelist")))

    def _import_again(self, request: HttpRequest) -> HttpResponse:
        self.message_user(  # type: ignore[attr-defined]
            request, _("가져올 파일을 찾을 수 없습니다. 파일을 다시 올리세요."), messages.ERROR
        )
        return HttpResponseRedirect(reverse(self._admin_url("import")))

    def _admin_url(self, name: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"admin:{opts.app_label}_{opts.model_name}_{name}"


def harden_admin_site(site: AdminSite) -> None:
    """Give every admin still without HardenedAdminMixin a subclass that has it.

    Project admins list the mixin themselves; the libraries' admins (auth, axes, celery-results,
    authtoken) cannot, and answered forged ids and years with a 500 too. Called from
    CoreConfig.ready(), after django.contrib.admin's autodiscover has registered them all.
    """
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, HardenedAdminMixin):
            continue
        base = type(model_admin)
        attrs = {"__module__": base.__module__, "hardened_by_site": True}
        hardened = type(base.__name__, (HardenedAdminMixin, base), attrs)
        site.unregister(model)
        site.register(model, hardened)
