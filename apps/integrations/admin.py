from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import HardenedAdminMixin
from apps.integrations.models import (
    HistoricalMetric,
    LexIntent,
    NotificationLog,
    QueueMetricSnapshot,
    SyncRun,
    Webhook,
    WebhookDelivery,
)


class JobWrittenAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Rows written by background jobs: viewable, never added by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(JobWrittenAdmin):
    list_display = (
        "kind",
        "status",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "deleted",
        "unchanged",
        "error_code",
    )
    list_filter = ("kind", "status")
    search_fields = ("error_code", "error_message")
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    actions = ["sync_again"]

    @admin.action(description=_("선택한 종류를 지금 다시 동기화"))
    def sync_again(self, request: HttpRequest, queryset: QuerySet[SyncRun]) -> None:
        from apps.integrations import tasks

        by_kind = {
            "connect_queues": tasks.connect_sync_directory,
            "connect_agents": tasks.connect_sync_directory,
            "connect_history": tasks.connect_sync_historical,
            "connect_live": tasks.connect_sync_live_metrics,
            "lex": tasks.lex_sync_now,
        }
        for kind in set(queryset.values_list("kind", flat=True)):
            by_kind[kind].delay()
        self.message_user(request, _("동기화를 요청했습니다."), messages.SUCCESS)


@admin.register(QueueMetricSnapshot)
class QueueMetricSnapshotAdmin(JobWrittenAdmin):
    list_display = ("connect_queue_id", "queue", "data_snapshot_time", "updated_at")
    list_select_related = ("queue",)
    readonly_fields = ("connect_queue_id", "queue", "values", "data_snapshot_time", "updated_at")


@admin.register(HistoricalMetric)
class HistoricalMetricAdmin(JobWrittenAdmin):
    list_display = ("interval_start", "connect_queue_id", "queue", "metric", "value")
    list_filter = ("metric",)
    list_select_related = ("queue",)
    date_hierarchy = "interval_start"
    readonly_fields = (
        "connect_queue_id",
        "queue",
        "interval_start",
        "interval_end",
        "metric",
        "value",
    )


@admin.register(LexIntent)
class LexIntentAdmin(JobWrittenAdmin):
    list_display = ("name", "intent_id", "pushed_at")
    search_fields = ("name", "intent_id")
    readonly_fields = ("name", "intent_id", "digest", "pushed_at")


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    max_num = 0
    fields = ("event", "status", "attempts", "response_status", "created_at", "delivered_at")
    readonly_fields = fields
    ordering = ("-created_at",)


@admin.register(Webhook)
class WebhookAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    inlines = [WebhookDeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(JobWrittenAdmin):
    list_display = (
        "webhook",
        "event",
        "status",
        "attempts",
        "response_status",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event")
    list_select_related = ("webhook",)
    raw_id_fields = ("webhook",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]


@admin.register(NotificationLog)
class NotificationLogAdmin(JobWrittenAdmin):
    list_display = ("channel", "recipient", "subject", "status", "created_at", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("recipient", "provider_message_id")
    readonly_fields = [f.name for f in NotificationLog._meta.fields]
