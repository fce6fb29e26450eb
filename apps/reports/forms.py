from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.reports.drilldown import KPI_BY_KEY

MAX_DAYS = 366
GROUP_CHOICES = [
    ("day", _("일자")),
    ("queue", _("큐")),
    ("team", _("팀")),
    ("agent", _("상담원")),
]


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("시작일"))
    date_to = forms.DateField(label=_("종료일"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; its stub says it may be None
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if first > last:
                self.add_error("date_to", _("종료일은 시작일과 같거나 뒤여야 합니다."))
            elif (last - first).days >= MAX_DAYS:
                self.add_error("date_to", _("기간은 최대 366일입니다."))
        return data


class KpiFilterForm(PeriodForm):
    group = forms.ChoiceField(label=_("묶음 기준"), choices=GROUP_CHOICES)

    @classmethod
    def default_data(cls) -> dict[str, str]:
        today = timezone.localdate()
        return {
            "date_from": (today - timedelta(days=6)).isoformat(),
            "date_to": today.isoformat(),
            "group": "day",
        }

    def period(self) -> tuple[date, date, str]:
        data = self.cleaned_data
        return data["date_from"], data["date_to"], data["group"]


class ExportForm(PeriodForm):
    group = forms.ChoiceField(
        label=_("묶음 기준"), choices=[("", "-"), *GROUP_CHOICES], required=False
    )
    value = forms.CharField(label=_("묶음 값"), required=False, max_length=20)
    kpi = forms.ChoiceField(
        label=_("지표"), choices=[(key, key) for key in KPI_BY_KEY], required=False
    )
    reason = forms.CharField(label=_("내보내기 사유"), max_length=300)

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        if value in ("", "None"):
            return value
        if self.data.get("group") == "day":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise forms.ValidationError(_("날짜(YYYY-MM-DD)여야 합니다."))
        elif not value.isdigit():
            raise forms.ValidationError(_("숫자 ID여야 합니다."))
        return value

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "from": data["date_from"].isoformat(),
            "to": data["date_to"].isoformat(),
            "group": data["group"],
            "value": data["value"] or None,
            "kpi": data["kpi"] or "conversations",
        }
