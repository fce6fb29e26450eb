"""Chat admin: channel keys, and read-only conversations and messages.

Conversations and messages grow to millions of rows: no full result counts (an estimate from
pg_class when the list is unfiltered, a count capped at COUNT_CAP rows, shown as "10,000+", when
it is filtered), no filters on foreign keys or free-text columns (their
DISTINCT/join queries), exact-match searches only. Period, queue, team and agent come in as
query parameters from the KPI drill-down links (apps/reports/drilldown.py).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator

from apps.chat.models import ChannelKey, Conversation, Message
from apps.core.admin_mixins import HardenedAdminMixin


class ChannelKeyStateFilter(admin.SimpleListFilter):
    title = "상태"
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "사용 중"), ("no", "폐기됨")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ChannelKey]
    ) -> QuerySet[ChannelKey]:
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ChannelKey)
class ChannelKeyAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ("prefix", "name", "channel", "is_active", "last_used_at", "created_at")
    list_filter = (ChannelKeyStateFilter, "channel")
    search_fields = ("name", "=prefix")
    readonly_fields = ("prefix", "revoked_at", "last_used_at", "created_at")
    actions = ("revoke",)

    @admin.display(description="사용", boolean=True)
    def is_active(self, key: ChannelKey) -> bool:
        return key.is_active

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("name", "channel")
        return ("name", "channel", "prefix", "revoked_at", "last_used_at", "created_at")

    def save_model(self, request: HttpRequest, obj: ChannelKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = ChannelKey.issue(name=obj.name, channel=obj.channel)
        # The admin goes on with `obj` (log entry, redirect), so it becomes the issued row.
        for field in key._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        messages.success(
            request,
            format_html(
                "새 채널 키입니다. 지금 한 번만 보여 드리니 안전한 곳에 복사해 두세요: "
                "<code>{}</code>",
                raw,
            ),
        )

    @admin.action(description="선택한 키 폐기", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ChannelKey]) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            key.revoke()
        self.message_user(request, f"채널 키 {len(keys)}개를 폐기했습니다. 더 이상 쓸 수 없습니다.")


# Below this many rows an exact COUNT is cheap and the estimate would only be less accurate.
EXACT_COUNT_BELOW = 10_000
# Filtered lists count at most this many rows (+1 to know there are more): on the 10 M-message
# bench an exact COUNT of sender=agent (1 M rows) took ~0.8 s of every page view.
COUNT_CAP = 10_000


class CappedCount(int):
    """A count that stopped at COUNT_CAP + 1: pages work on the number, the page shows "N+"."""

    def __str__(self) -> str:
        return f"{COUNT_CAP:,}+"


def estimated_count(qs: QuerySet[Any]) -> int | None:
    """Planner's row estimate for an unfiltered queryset on PostgreSQL, else None (count it)."""
    conn = connections[qs.db]
    if conn.vendor != "postgresql" or qs.query.where:
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [qs.model._meta.db_table],
        )
        row = cursor.fetchone()
    # -1 means never vacuumed/analysed (PostgreSQL 14+): no estimate yet.
    return int(row[0]) if row and row[0] >= EXACT_COUNT_BELOW else None


def capped_count(qs: QuerySet[Any]) -> int:
    """COUNT over at most COUNT_CAP + 1 rows (a LIMITed subquery): exact below the cap."""
    # Unordered: a LIMIT keeps the ORDER BY in the subquery, which would make PostgreSQL walk
    # the list's sort index (or join conversations for messages) instead of the filter's.
    counted = qs.order_by()[: COUNT_CAP + 1].count()
    return CappedCount(counted) if counted > COUNT_CAP else counted


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        # The admin's changelists always paginate a QuerySet (the stubs allow any sequence).
        queryset = cast(QuerySet[Any], self.object_list)
        estimate = estimated_count(queryset)
        return estimate if estimate is not None else capped_count(queryset)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(_ReadOnly, admin.TabularInline):
    model = Message
    fields = ("seq", "sender", "text", "intent", "confidence", "is_internal", "agent", "created_at")
    # Read-only fields are rendered escaped, which is what customer text needs.
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("agent")


@admin.register(Conversation)
class ConversationAdmin(HardenedAdminMixin, _ReadOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "user_id",
        "channel",
        "state",
        "customer",
        "queue",
        "agent",
        "started_at",
        "csat_score",
    )
    # "channel" is free text: its filter would run SELECT DISTINCT over the whole table.
    list_filter = ("state",)
    list_select_related = ("customer", "queue", "agent")
    search_fields = ("=session_id", "=user_id", "=customer__crm_id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Rendering, not SQL, is most of a page (1,000 cells at 100 rows, ~1 ms each under load).
    list_per_page = 50
    inlines = (MessageInline,)
    exclude = ("last_seq",)
    # Team drill-down crosses two relations, which the admin only allows for declared filters.
    drilldown_lookups = ("agent__team__id__exact", "agent__team__isnull")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup in self.drilldown_lookups or super().lookup_allowed(lookup, value, request)


@admin.register(Message)
class MessageAdmin(HardenedAdminMixin, _ReadOnly, admin.ModelAdmin):
    list_display = (
        "conversation_id",
        "seq",
        "sender",
        "short_text",
        "intent",
        "confidence",
        "created_at",
    )
    list_filter = ("sender",)
    list_select_related = False  # nothing shown needs a join: conversation_id is the column
    # Newest first on the message's own created_at (+ id): the model's ordering by conversation
    # joins chat_conversation to sort by its started_at, which a sender filter cannot use.
    # With an index on (sender, created_at) every page, filtered or not, is an index range.
    ordering = ("-created_at", "-id")
    search_fields = ("=intent", "=conversation__session_id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50  # as for conversations: rendering dominates
    # Every FK as a plain id: no select widgets listing millions of rows on the detail page.
    raw_id_fields = ("conversation", "reply_to", "agent", "faq")

    @admin.display(description="내용")
    def short_text(self, message: Message) -> str:
        return Truncator(message.text).chars(60)
