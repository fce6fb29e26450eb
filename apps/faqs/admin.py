from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import (
    HardenedAdminMixin,
    ImportExportGuardMixin,
    NumericHistoryIdsMixin,
    require_numeric_ids,
)
from apps.core.audit import audit_record
from apps.core.exceptions import ApplicationError
from apps.core.models import AuditAction
from apps.faqs import mining, services
from apps.faqs.models import (
    CHANNEL_CHOICES,
    CannedResponse,
    Category,
    Faq,
    FaqAlternative,
    FaqCandidate,
    FaqCandidateStatus,
)
from apps.faqs.resources import FaqResource


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # admin_view has already required a staff login


@admin.register(Category)
class CategoryAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CannedResponse)
class CannedResponseAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("shortcut", "title", "category", "is_active", "updated_at")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("shortcut", "title", "body")


class FaqForm(forms.ModelForm):
    # Checkboxes instead of the JSON textarea the model field would get.
    channels = forms.MultipleChoiceField(
        label="채널",
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="하나도 고르지 않으면 어느 채널에도 답하지 않습니다.",
    )

    class Meta:
        model = Faq
        fields = ("category", "question", "answer", "channels", "valid_from", "valid_until")


class FaqAlternativeInline(admin.TabularInline):
    model = FaqAlternative
    extra = 1


@admin.register(Faq)
class FaqAdmin(
    HardenedAdminMixin,
    NumericHistoryIdsMixin,
    ImportExportGuardMixin,
    ImportExportModelAdmin,
    SimpleHistoryAdmin,
):
    form = FaqForm
    list_display = ("question", "category", "status", "updated_at", "author")
    # Both filters are columns of the FAQ row itself: no join, no DISTINCT.
    list_filter = ("status", "category")
    search_fields = ("question", "alternatives__text", "answer")
    list_select_related = ("category", "author")
    # Status and approval move only through the actions below (maker-checker).
    readonly_fields = (
        "status",
        "author",
        "edited_by",
        "published_by",
        "published_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("category", "question", "answer", "channels")}),
        ("게시 기간", {"fields": ("valid_from", "valid_until")}),
        ("승인", {"fields": readonly_fields}),
    )
    inlines = (FaqAlternativeInline,)
    actions = ("submit_for_review", "publish", "archive")
    history_list_display = ("status", "edited_by")
    resource_classes = (FaqResource,)
    formats = (base_formats.CSV, base_formats.XLSX)

    # -- saving through the service -----------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Faq, form: Any, change: bool) -> None:
        """Deferred to save_related, the first point that knows whether the inlines changed."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        changed = not change or form.has_changed() or any(fs.has_changed() for fs in formsets)
        if changed:  # an unchanged "save" must not write a history row or move the index
            services.faq_save(faq=form.instance, user=_user(request))
        # Alternatives are saved after the FAQ row, inside the same transaction; the index
        # version bump runs on commit, so it always sees them.
        super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Faq) -> None:
        services.faq_delete(faq=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        for faq in queryset:
            services.faq_delete(faq=faq)

    # -- workflow actions ---------------------------------------------------------------------

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("faqs.publish_faq")

    def _run(
        self, request: HttpRequest, queryset: QuerySet[Faq], service: Callable[..., Faq], done: str
    ) -> None:
        count = 0
        for faq in queryset:
            try:
                service(faq=faq, user=_user(request))
            except ApplicationError as e:
                self.message_user(request, e.message, messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"FAQ {count}건을 {done}.", messages.SUCCESS)

    @admin.action(description="검토 요청", permissions=["change"])
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        self._run(request, queryset, services.faq_submit_for_review, "검토 요청했습니다")

    @admin.action(description="게시 승인", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        self._run(request, queryset, services.faq_publish, "게시했습니다")

    @admin.action(description="보관", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        self._run(request, queryset, services.faq_archive, "보관했습니다")

    # -- revert ---------------------------------------------------------------------------------

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """simple-history's revert would copy every column back, status and approver included,
        and could put an unreviewed text live. A POST goes through faq_revert instead."""
        # This override runs before the mixin's check, and get_object_or_404 needs a number.
        require_numeric_ids(object_id, version_id)
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        faq = get_object_or_404(Faq, pk=unquote(object_id))
        if not self.has_change_permission(request, faq):
            raise PermissionDenied
        try:
            services.faq_revert(faq=faq, history_id=int(version_id), user=_user(request))
        except (ApplicationError, ValueError) as e:
            self.message_user(request, getattr(e, "message", str(e)), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:faqs_faq_history", args=[faq.pk]))
        self.message_user(
            request,
            "이전 버전의 내용으로 되돌렸습니다. 게시 중이던 FAQ는 검토 중으로 바뀌었으니 "
            "다른 관리자가 게시 승인해야 합니다.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:faqs_faq_change", args=[faq.pk]))

    # -- import / export ------------------------------------------------------------------------

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: QuerySet[Faq], **kwargs: Any
    ) -> Any:
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        # Every download is recorded (DESIGN §11), even one without personal data.
        audit_record(
            _user(request),
            AuditAction.EXPORT,
            f"faqs.faq ×{queryset.count()}",
            fields="id,category,question,answer,alternatives,status,channels",
            reason=f"관리자 FAQ 내보내기 ({file_format.get_title()})",
        )
        return data

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # All or nothing: a validation error in any row rolls the whole file back.
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        kwargs["use_transactions"] = True
        return kwargs

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        if isinstance(response, TemplateResponse) and result is not None:
            problems = _describe_problems(result)
            if problems:
                self.message_user(
                    request,
                    "아무것도 가져오지 않았습니다. 파일을 고쳐 다시 올리세요: "
                    + " / ".join(problems),
                    messages.ERROR,
                )
        return response

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        # The confirm step imports again for real; if the data changed meanwhile and a row
        # fails now, the file was rolled back and must not be reported as imported.
        if result.has_errors() or result.has_validation_errors():
            problems = " / ".join(_describe_problems(result))
            self.message_user(request, f"아무것도 가져오지 않았습니다: {problems}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:faqs_faq_import"))
        return super().process_result(result, request)


@admin.register(FaqCandidate)
class FaqCandidateAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Clusters of questions the bot missed, written by the weekly faqs.mine_candidates task."""

    list_display = ("label", "count", "example_list", "period", "status", "faq_link")
    list_filter = ("status",)
    search_fields = ("label", "signature")
    list_select_related = ("faq",)
    readonly_fields = (
        "label",
        "signature",
        "count",
        "example_list",
        "period_start",
        "period_end",
        "status",
        "faq_link",
    )
    exclude = ("examples", "faq")
    actions = ("create_draft", "dismiss")

    @admin.display(description="예시 질문")
    def example_list(self, obj: FaqCandidate) -> str:
        # Customer text: format_html_join escapes every item.
        return format_html_join("", "<div>{}</div>", ((t,) for t in obj.example_texts))

    @admin.display(description="집계 기간")
    def period(self, obj: FaqCandidate) -> str:
        return f"{obj.period_start:%Y-%m-%d} ~ {obj.period_end:%Y-%m-%d}"

    @admin.display(description="작성된 FAQ")
    def faq_link(self, obj: FaqCandidate) -> str:
        if obj.faq_id is None:
            return "-"
        url = reverse("admin:faqs_faq_change", args=[obj.faq_id])
        return format_html('<a href="{}">{}</a>', url, obj.faq)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only the actions change a candidate; the change page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_draft_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("faqs.add_faq")

    @admin.action(description="FAQ 초안 만들기", permissions=["draft"])
    def create_draft(self, request: HttpRequest, queryset: QuerySet[FaqCandidate]) -> None:
        created = 0
        for candidate in queryset:
            try:
                mining.faq_candidate_create_draft(candidate=candidate, user=_user(request))
            except ApplicationError as e:
                self.message_user(request, e.message, messages.ERROR)
            else:
                created += 1
        if created:
            self.message_user(
                request,
                f"FAQ 초안 {created}건을 만들었습니다. 답변을 작성한 뒤 검토 요청하세요.",
                messages.SUCCESS,
            )

    @admin.action(description="후보에서 제외", permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[FaqCandidate]) -> None:
        done = sum(
            mining.faq_candidate_dismiss(candidate=c)
            for c in queryset.filter(status=FaqCandidateStatus.NEW)
        )
        self.message_user(request, f"후보 {done}건을 제외했습니다.", messages.SUCCESS)


def _describe_problems(result: Any, limit: int = 10) -> list[str]:
    """ "3행 category: …" lines for the first problems, numbered as the file's lines."""
    lines = []
    for row in result.invalid_rows:
        for field, errors in row.error_dict.items():
            lines.append(f"{row.number}행 {field}: {' '.join(str(e) for e in errors)}")
    for number, errors in result.row_errors():
        lines += [f"{number}행: {error.error}" for error in errors]
    lines += [str(error.error) for error in result.base_errors]
    return lines[:limit]
