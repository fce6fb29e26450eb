from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.agents.models import Agent, Queue, Team
from apps.core.validators import is_primary_key
from apps.reports.drilldown import KPI_BY_KEY
from apps.reports.models import MAX_DAYS

# Reports cover the years the service can have data for, with a year ahead for periods picked
# forward (this month, this quarter). Days are turned into datetimes with a few days of margin
# (day_bounds adds one, the occupancy scan looks one back, FCR seven ahead), which overflow
# at years 1 and 9999; this window keeps every such sum far from those edges.
EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=366)
GROUP_MODELS: dict[str, type[models.Model]] = {"queue": Queue, "team": Team, "agent": Agent}
GROUP_CHOICES = [
    ("day", _("일자")),
    ("queue", _("큐")),
    ("team", _("팀")),
    ("agent", _("상담원")),
]


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("시작일"))
    date_to = forms.DateField(label=_("종료일"))

    def _in_range(self, day: date) -> date:
        latest = timezone.localdate() + AHEAD
        if not EARLIEST <= day <= latest:
            raise forms.ValidationError(
                _("%(earliest)s부터 %(latest)s 사이의 날짜여야 합니다."),
                params={"earliest": EARLIEST.isoformat(), "latest": latest.isoformat()},
            )
        return day

    def clean_date_from(self) -> date:
        return self._in_range(self.cleaned_data["date_from"])

    def clean_date_to(self) -> date:
        return self._in_range(self.cleaned_data["date_to"])

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

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "group" not in data or "value" not in data:
            return data  # their own field errors already say what is wrong
        group, value = data["group"], data["value"]
        if not group:
            data["value"] = ""  # a whole-period export: a stray value must not narrow it
        elif group == "day":
            self._clean_day(value)
        else:
            self._clean_id(group, value)
        return data

    def _clean_day(self, value: str) -> None:
        """A day row's value is that day, inside the period (the build filters on it alone)."""
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.add_error("value", _("날짜(YYYY-MM-DD)여야 합니다."))
            return
        first, last = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        if first and last and not first <= day <= last:
            self.add_error("value", _("묶음 값은 기간 안의 날짜여야 합니다."))
        else:
            self.cleaned_data["value"] = day.isoformat()

    def _clean_id(self, group: str, value: str) -> None:
        """An existing queue/team/agent id; empty (or "None") is the row of unassigned ones."""
        if value in ("", "None"):
            self.cleaned_data["value"] = ""
            return
        # isascii too: "²" and "٣" pass isdigit(), and int() refuses the first.
        model = GROUP_MODELS[group]
        if not (
            value.isascii() and value.isdigit() and int(value) > 0 and is_primary_key(model, value)
        ):
            self.add_error("value", _("숫자 ID여야 합니다."))
        elif not model._default_manager.filter(pk=int(value)).exists():
            self.add_error("value", _("해당 묶음 값이 없습니다."))
        else:
            self.cleaned_data["value"] = str(int(value))

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "from": data["date_from"].isoformat(),
            "to": data["date_to"].isoformat(),
            "group": data["group"],
            "value": data["value"] or None,
            "kpi": data["kpi"] or "conversations",
        }
