from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.agents.models import Agent, Queue, Team
from apps.core.admin_mixins import HardenedAdminMixin


@admin.register(Team)
class TeamAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "agent_count", "updated_at")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(_agent_count=Count("agents"))

    @admin.display(description="상담원 수", ordering="_agent_count")
    def agent_count(self, team: Team) -> int:
        return getattr(team, "_agent_count", 0)


@admin.register(Queue)
class QueueAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "priority", "sla_seconds", "is_active", "connect_queue_id")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    # Owned by the Connect sync; editing them here would be overwritten on the next run.
    readonly_fields = ("connect_queue_id", "connect_arn")


@admin.register(Agent)
class AgentAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("display_name", "user", "team", "state", "capacity", "state_changed_at")
    # Team is a plain FK on the agent row; a queues (M2M) filter would need DISTINCT.
    list_filter = ("state", "team")
    search_fields = ("display_name", "user__username")
    list_select_related = ("user", "team")
    filter_horizontal = ("queues",)
    # State changes come from the desk and Connect (Agent.set_state keeps the history).
    readonly_fields = ("state", "state_changed_at", "last_assigned_at", "connect_user_id")
    fields = (
        "user",
        "display_name",
        "team",
        "queues",
        "skills",
        "capacity",
        "state",
        "state_changed_at",
        "last_assigned_at",
        "connect_user_id",
    )
