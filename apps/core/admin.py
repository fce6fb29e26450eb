from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from axes import admin as axes_admin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results import admin as results_admin
from django_celery_results.models import GroupResult, TaskResult

from apps.core import roles
from apps.core.admin_mixins import HardenedAdminMixin
from apps.core.models import AuditLog

if TYPE_CHECKING:  # django-stubs-ext is a dev requirement
    from django_stubs_ext import StrOrPromise

# ContentVersion is not registered: its stamps are machine state, bumped by the services.


@admin.register(AuditLog)
class AuditLogAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Read-only; only the admin role may read who looked at personal data."""

    list_display = ("created_at", "user", "action", "target", "customer", "fields", "reason")
    # Both filters are columns of the row itself: no join, no DISTINCT (issue 7 targets).
    list_filter = ("action", "created_at")
    list_select_related = ("user", "customer")
    search_fields = ("^user__username", "target")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.has_role(request.user, roles.ADMIN) and super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    """django-celery-beat's form, with the checks whose absence gave supervisors a 500.

    Its clean() reads cleaned_data["task"], missing when the field failed (a NUL, too long):
    KeyError. It never checks headers, and the model turns "" into NULL: IntegrityError.
    """

    def clean(self) -> dict[str, Any]:
        if "task" not in self.cleaned_data:  # the field's own error is already shown
            return self.cleaned_data
        return super().clean()

    def clean_args(self) -> str:
        return _json_of(self.cleaned_data["args"], list, _("JSON 배열이어야 합니다. 예: []"))

    def clean_kwargs(self) -> str:
        return _json_of(self.cleaned_data["kwargs"], dict, _("JSON 객체여야 합니다. 예: {}"))

    def clean_headers(self) -> str:
        return _json_of(self.cleaned_data["headers"], dict, _("JSON 객체여야 합니다. 예: {}"))


def _json_of(value: str, kind: type, message: StrOrPromise) -> str:
    """value if it is JSON of the given kind; an empty field means an empty one."""
    if not value.strip():
        return json.dumps(kind())
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, kind):
        raise forms.ValidationError(message)
    return value


# Supervisors schedule reports here; re-registered for the form above and the mixin.
admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(HardenedAdminMixin, beat_admin.PeriodicTaskAdmin):
    form = PeriodicTaskForm


# The schedules those tasks run on are edited by supervisors too: the same guards there.
admin.site.unregister([ClockedSchedule, CrontabSchedule, IntervalSchedule, SolarSchedule])


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(HardenedAdminMixin, beat_admin.ClockedScheduleAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(HardenedAdminMixin, beat_admin.CrontabScheduleAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(HardenedAdminMixin, beat_admin.IntervalScheduleAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(HardenedAdminMixin, beat_admin.SolarScheduleAdmin):
    pass


# The worker writes task results; a hand-made one is meaningless, and an empty add form hit the
# unique task_id with an IntegrityError (a 500).
admin.site.unregister([TaskResult, GroupResult])


@admin.register(TaskResult)
class TaskResultAdmin(HardenedAdminMixin, results_admin.TaskResultAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(GroupResult)
class GroupResultAdmin(HardenedAdminMixin, results_admin.GroupResultAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(HardenedAdminMixin, axes_admin.AccessAttemptAdmin):
    @admin.action(description=_("만료된 로그인 시도 정리"))
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet) -> None:
        # axes counts the cool-off back from the attempt time its login middleware puts on the
        # request; an admin request has none (AttributeError, a 500): count back from now.
        request.axes_attempt_time = None  # type: ignore[attr-defined]
        super().cleanup_expired_attempts(request, queryset)
