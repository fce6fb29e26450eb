from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.agents.models import Agent, AgentState, Queue
from apps.core.text import validate_no_control_characters

DISPOSITIONS = [
    ("resolved", _("해결")),
    ("info", _("안내 완료")),
    ("follow_up", _("후속 조치 필요")),
    ("complaint", _("불만 접수")),
    ("other", _("기타")),
]


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("상태"), choices=AgentState.choices)


class WrapupForm(forms.Form):
    disposition = forms.ChoiceField(label=_("처리 결과"), choices=DISPOSITIONS)
    note = forms.CharField(
        label=_("상담 메모"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_no_control_characters],
    )


class TransferForm(forms.Form):
    queue = forms.ModelChoiceField(
        label=_("큐"), queryset=Queue.objects.filter(is_active=True), required=False
    )
    agent = forms.ModelChoiceField(
        label=_("상담원"), required=False, queryset=Agent.objects.exclude(state=AgentState.OFFLINE)
    )
    note = forms.CharField(
        label=_("이관 메모"), max_length=500, validators=[validate_no_control_characters]
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if bool(data.get("queue")) == bool(data.get("agent")):
            raise forms.ValidationError(_("큐나 상담원 중 하나만 고르세요."))
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("열람 사유"), min_length=2, max_length=250)


class WhisperForm(forms.Form):
    text = forms.CharField(
        label=_("귓속말"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
