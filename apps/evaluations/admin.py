"""QA admin. Django has no nested inlines, so a form's sections are edited on the form page and
each section's questions on the section page; both pages check that an active form's weights
total 100 with the rows being saved, before anything is written."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin_mixins import HardenedAdminMixin
from apps.core.exceptions import ApplicationError
from apps.evaluations import calibration, recordings, sampling, services
from apps.evaluations.models import (
    BannedPhrase,
    CalibrationSession,
    CallRecording,
    Evaluation,
    EvaluationAnswer,
    EvaluationAssignment,
    EvaluationForm,
    FormQuestion,
    FormSection,
    MandatoryNotice,
    SamplingRule,
)


def _kept(formset: forms.BaseInlineFormSet) -> list[forms.BaseForm]:
    return [
        f
        for f in formset.forms
        if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
    ]


def _check(is_active: bool, total: int) -> None:
    try:
        services.form_check_weights(is_active=is_active, total=total)
    except ApplicationError as e:
        raise ValidationError(e.message) from e


class SectionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        removed = {
            f.instance.pk
            for f in self.forms
            if f.instance.pk and getattr(f, "cleaned_data", {}).get("DELETE")
        }
        form = self.instance  # already holds the posted is_active
        total = services.form_weight_total(form=form, exclude_section_ids=removed) if form.pk else 0
        _check(form.is_active, total)


class QuestionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        section = self.instance
        if section.form_id is None:
            return
        others = services.form_weight_total(
            form=section.form, exclude_section_ids={section.pk} if section.pk else set()
        )
        here = sum(f.cleaned_data.get("weight") or 0 for f in _kept(self))
        _check(section.form.is_active, others + here)


class _FrozenAware:
    """Inlines of a form used by a submitted evaluation are read-only (use "new version")."""

    def _editable(self, obj: Any) -> bool:
        form = getattr(obj, "form", obj)
        return not (form is not None and form.pk and form.is_frozen)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._editable(obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._editable(obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._editable(obj)  # type: ignore[misc]


class FormSectionInline(_FrozenAware, admin.TabularInline):
    model = FormSection
    formset = SectionFormSet
    fields = ("title", "order", "questions_link")
    readonly_fields = ("questions_link",)
    extra = 0

    @admin.display(description="평가 항목")
    def questions_link(self, section: FormSection) -> str:
        if not section.pk:
            return "저장 후 편집"
        url = reverse("admin:evaluations_formsection_change", args=[section.pk])
        return format_html('<a href="{}">항목 편집</a>', url)


@admin.register(EvaluationForm)
class EvaluationFormAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "version", "is_active", "weight_total", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("weight_total",)
    inlines = (FormSectionInline,)
    actions = ("new_version",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvaluationForm]:
        qs = super().get_queryset(request)
        return qs.annotate(_weight_total=Sum("sections__questions__weight"))

    @admin.display(description="배점 합계")
    def weight_total(self, form: EvaluationForm) -> str:
        total = getattr(form, "_weight_total", None)
        total = (total or 0) if form.pk else 0
        return f"{total} / {services.REQUIRED_TOTAL_WEIGHT}"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_frozen:
            return ("frozen_note", "name", "version", "description", "weight_total")
        return self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name", "version", "is_active", "description", "weight_total"]
        if obj is not None and obj.is_frozen:
            fields.insert(0, "frozen_note")
        return fields

    @admin.display(description="수정 불가")
    def frozen_note(self, form: EvaluationForm) -> str:
        return (
            "제출된 평가가 사용한 평가표라 고칠 수 없습니다. "
            "목록에서 '새 버전 만들기'로 복사해 고치세요."
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # A new form has no questions yet, so it cannot be active; it is switched on later.
        return {"is_active": False, **super().get_changeform_initial_data(request)}

    @admin.action(description="새 버전 만들기", permissions=["add"])
    def new_version(self, request: HttpRequest, queryset: QuerySet[EvaluationForm]) -> None:
        for form in queryset:
            copy = services.form_new_version(form=form)
            url = reverse("admin:evaluations_evaluationform_change", args=[copy.pk])
            link = format_html('<a href="{}">{}</a>', url, str(copy))
            note = format_html("{}을(를) 만들었습니다. 검토 후 '사용'을 켜세요.", link)
            self.message_user(request, note)


class FormQuestionInline(_FrozenAware, admin.TabularInline):
    model = FormQuestion
    formset = QuestionFormSet
    fields = ("order", "text", "weight", "allow_na", "guidance")
    extra = 1


@admin.register(FormSection)
class FormSectionAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "form", "order", "weight_subtotal")
    list_filter = ("form",)
    list_select_related = ("form",)
    search_fields = ("title", "form__name")
    inlines = (FormQuestionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FormSection]:
        return super().get_queryset(request).annotate(_subtotal=Sum("questions__weight"))

    @admin.display(description="배점")
    def weight_subtotal(self, section: FormSection) -> int:
        return getattr(section, "_subtotal", None) or 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("form",) if obj is not None else ()


class EvaluationAnswerInline(admin.TabularInline):
    model = EvaluationAnswer
    fields = ("question", "score", "is_na", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvaluationAnswer]:
        return super().get_queryset(request).select_related("question__section")


@admin.register(Evaluation)
class EvaluationAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Read-mostly: evaluations are scored in the QA screens; here supervisors and QA staff
    look them up and mark calibration sessions."""

    list_display = (
        "agent",
        "conversation_id",
        "form",
        "evaluator",
        "status",
        "score",
        "submitted_at",
    )
    list_filter = ("status", "is_calibration")
    list_select_related = ("agent", "form", "evaluator")
    search_fields = ("agent__display_name", "=conversation__id")
    date_hierarchy = "created_at"
    fields = (
        "form",
        "conversation",
        "agent",
        "evaluator",
        "status",
        "score",
        "comment",
        "is_calibration",
        "submitted_at",
        "acknowledged_at",
        "dispute_comment",
        "resolution_comment",
        "resolved_by",
    )
    readonly_fields = tuple(f for f in fields if f != "is_calibration")
    inlines = (EvaluationAnswerInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Sampling, calibration, recordings and auto-QA lists ------------------------------------


@admin.register(SamplingRule)
class SamplingRuleAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "per_agent", "csat_max", "form", "is_active", "order")
    list_filter = ("kind", "is_active")
    list_editable = ("per_agent", "is_active", "order")
    list_select_related = ("form",)
    search_fields = ("name",)
    actions = ("sample_previous_week",)

    @admin.action(description="지난주 표본 추출 지금 실행", permissions=["change"])
    def sample_previous_week(self, request: HttpRequest, queryset: QuerySet[SamplingRule]) -> None:
        # Runs every active rule (sampling is per week, not per rule); idempotent like the task.
        result = sampling.sample_week(week=sampling.previous_week())
        self.message_user(request, f"{result.week:%Y-%m-%d} 주: {result.created}건을 배정했습니다.")


@admin.register(EvaluationAssignment)
class EvaluationAssignmentAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = (
        "conversation_id",
        "evaluator",
        "form",
        "rule",
        "week",
        "calibration",
        "status",
        "created_at",
    )
    list_filter = ("status", "rule", "week")
    list_select_related = ("evaluator", "form", "rule", "calibration")
    search_fields = ("=conversation__id", "evaluator__username")
    raw_id_fields = ("conversation", "evaluation", "calibration")
    show_full_result_count = False


class CalibrationSessionForm(forms.ModelForm):
    evaluators = forms.ModelMultipleChoiceField(
        label="평가자",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CalibrationSession
        fields = ("title", "conversation", "form")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluators"].queryset = get_user_model().objects.filter(  # type: ignore[attr-defined]
            pk__in=[u.pk for u in calibration.calibration_evaluators()]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("conversation") and data.get("form"):
            try:
                calibration.calibration_check(
                    conversation=data["conversation"],
                    form=data["form"],
                    evaluators=list(data.get("evaluators") or []),
                )
            except ApplicationError as e:
                raise ValidationError(e.message) from e
        return data


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(HardenedAdminMixin, admin.ModelAdmin):
    form = CalibrationSessionForm
    list_display = ("title", "conversation_id", "form", "created_by", "created_at", "report_link")
    list_select_related = ("form", "created_by")
    search_fields = ("title", "=conversation__id")
    raw_id_fields = ("conversation",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("title", "conversation", "form", "evaluators")
        return ("title", "conversation", "form", "created_by", "report_link")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else ("conversation", "form", "created_by", "report_link")

    @admin.display(description="결과")
    def report_link(self, session: CalibrationSession) -> str:
        url = reverse("evaluations:calibration", args=[session.pk])
        return format_html('<a href="{}">점수 편차 보기</a>', url)

    def save_model(
        self, request: HttpRequest, obj: CalibrationSession, form: Any, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        session = calibration.calibration_create(
            title=obj.title,
            conversation=obj.conversation,
            form=obj.form,
            evaluators=list(form.cleaned_data["evaluators"]),
            created_by=request.user,  # type: ignore[arg-type]  # admin users are logged in
        )
        obj.pk, obj.created_by, obj.created_at = session.pk, session.created_by, session.created_at


class CallRecordingForm(forms.ModelForm):
    class Meta:
        model = CallRecording
        fields = ("conversation", "storage_key", "content_type", "duration_seconds")

    def clean_conversation(self) -> Any:
        conversation = self.cleaned_data["conversation"]
        if not recordings.is_connect_voice(conversation):
            raise ValidationError(
                "Connect 음성 상담(채널 voice, Connect 컨택 ID 있음)만 연결할 수 있습니다."
            )
        return conversation


@admin.register(CallRecording)
class CallRecordingAdmin(HardenedAdminMixin, admin.ModelAdmin):
    form = CallRecordingForm
    list_display = (
        "conversation_id",
        "storage_key",
        "content_type",
        "duration_seconds",
        "created_at",
    )
    search_fields = ("=conversation__id", "storage_key", "conversation__connect_contact_id")
    raw_id_fields = ("conversation",)
    show_full_result_count = False


@admin.register(BannedPhrase)
class BannedPhraseAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("phrase", "suggestion", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("phrase", "suggestion")


@admin.register(MandatoryNotice)
class MandatoryNoticeAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "keywords", "pattern", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "keywords")
