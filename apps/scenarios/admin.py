"""Scenario admin: the row plus its utterances, slots and steps, validated together on save.

Django validates each inline formset on its own, so the cross-inline rules (step templates
may use only the slots in the slot inline; an active scenario needs an utterance) read the
sibling inline's posted rows with `_posted_values`.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import HardenedAdminMixin, NumericHistoryIdsMixin
from apps.scenarios import services
from apps.scenarios.models import Scenario, ScenarioSlot, ScenarioStep, ScenarioUtterance

SLOT_PREFIX = "slots"  # the default inline prefix: ScenarioSlot's related_name


def _posted_values(data: Any, prefix: str, field: str) -> list[str]:
    """Non-blank values of `field` in an inline's posted rows, leaving out rows marked DELETE."""
    total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    values = []
    for i in range(total):
        if data.get(f"{prefix}-{i}-DELETE"):
            continue
        value = str(data.get(f"{prefix}-{i}-{field}") or "").strip()
        if value:
            values.append(value)
    return values


def _slot_names(form: forms.BaseForm, scenario: Scenario | None) -> list[str]:
    """Slot names this save will leave: the posted slot inline, or the stored slots when the
    page has no slot inline (simple-history's revert form posts the scenario row only)."""
    if f"{SLOT_PREFIX}-TOTAL_FORMS" in form.data:
        return _posted_values(form.data, SLOT_PREFIX, "name")
    if scenario is None or scenario.pk is None:
        return []
    return list(scenario.slots.values_list("name", flat=True))


def _kept_forms(formset: forms.BaseInlineFormSet) -> list[forms.BaseForm]:
    return [
        f
        for f in formset.forms
        if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
    ]


class UtteranceFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        count = len([f for f in _kept_forms(self) if f.cleaned_data.get("text")])
        # The parent form has already copied its cleaned data onto self.instance.
        error = services.utterance_error(is_active=self.instance.is_active, utterance_count=count)
        if error:
            raise ValidationError(error)


class SlotForm(forms.ModelForm):
    choices = forms.CharField(
        label="선택지",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 20}),
        help_text="한 줄에 하나",
    )

    class Meta:
        model = ScenarioSlot
        fields = (
            "order",
            "name",
            "prompt",
            "retry_prompt",
            "validator",
            "choices",
            "pattern",
            "max_attempts",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices"] = "\n".join(self.instance.choices or [])

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        errors = services.slot_errors(
            validator=data.get("validator", ""),
            choices=data.get("choices") or [],
            pattern=data.get("pattern", ""),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class SlotFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        # Before super(): its unique check would name the field "name" instead of the slot.
        names = [f.cleaned_data["name"] for f in _kept_forms(self) if f.cleaned_data.get("name")]
        duplicates = services.duplicate_slot_names(names)
        if duplicates:
            raise ValidationError(f"슬롯 이름이 중복됩니다: {', '.join(duplicates)}")
        super().clean()


class StepForm(forms.ModelForm):
    class Meta:
        model = ScenarioStep
        fields = ("order", "action", "template", "params")

    def clean_template(self) -> str:
        template = self.cleaned_data["template"]
        # Steps are only ever posted together with the slot inline.
        slot_names = _slot_names(self, None)
        error = services.template_error(template=template, slot_names=slot_names)
        if error:
            raise ValidationError(error)
        return template


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ("code", "name", "description", "is_active", "confirm_template")

    def clean_confirm_template(self) -> str:
        template = self.cleaned_data["confirm_template"]
        slot_names = _slot_names(self, self.instance)
        error = services.template_error(template=template, slot_names=slot_names)
        if error:
            raise ValidationError(error)
        return template


class UtteranceInline(admin.TabularInline):
    model = ScenarioUtterance
    formset = UtteranceFormSet
    extra = 1


class SlotInline(admin.TabularInline):
    model = ScenarioSlot
    form = SlotForm
    formset = SlotFormSet
    extra = 0


class StepInline(admin.TabularInline):
    model = ScenarioStep
    form = StepForm
    extra = 0


@admin.register(Scenario)
class ScenarioAdmin(HardenedAdminMixin, NumericHistoryIdsMixin, SimpleHistoryAdmin):
    form = ScenarioForm
    list_display = ("name", "code", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "utterances__text")
    inlines = (UtteranceInline, SlotInline, StepInline)
    history_list_display = ("is_active",)

    def save_model(self, request: HttpRequest, obj: Scenario, form: Any, change: bool) -> None:
        # The version bump is scheduled on commit, so it follows the inlines saved next.
        services.scenario_save(scenario=obj, user=cast(User, request.user))

    def delete_model(self, request: HttpRequest, obj: Scenario) -> None:
        super().delete_model(request, obj)
        services.scenario_content_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        super().delete_queryset(request, queryset)
        services.scenario_content_changed()
