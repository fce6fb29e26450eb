"""Chat admin: channel keys, and read-only conversations and messages.

Conversations and messages grow to millions of rows: no full result counts, no filters on
foreign keys (their DISTINCT/join queries), exact-match searches only, date drill-down on the
indexed timestamps.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator

from apps.chat.models import ChannelKey, Conversation, Message


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
class ChannelKeyAdmin(admin.ModelAdmin):
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
class ConversationAdmin(_ReadOnly, admin.ModelAdmin):
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
    list_filter = ("state", "channel")
    list_select_related = ("customer", "queue", "agent")
    search_fields = ("=session_id", "=user_id", "=customer__crm_id")
    date_hierarchy = "started_at"
    show_full_result_count = False
    inlines = (MessageInline,)
    exclude = ("last_seq",)


@admin.register(Message)
class MessageAdmin(_ReadOnly, admin.ModelAdmin):
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
    search_fields = ("=intent", "=conversation__session_id")
    date_hierarchy = "created_at"
    show_full_result_count = False
    # Every FK as a plain id: no select widgets listing millions of rows on the detail page.
    raw_id_fields = ("conversation", "reply_to", "agent", "faq")

    @admin.display(description="내용")
    def short_text(self, message: Message) -> str:
        return Truncator(message.text).chars(60)
