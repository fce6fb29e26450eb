"""The process-wide bot index, kept in step with published content.

Publishing, archiving or editing FAQs and scenarios bumps a `ContentVersion` row; every process
compares that stamp with the one its index was built from (at most every CHECK_SECONDS) and
rebuilds when it moved. FAQ validity windows are honoured too: the index also rebuilds when the
next `valid_from` / `valid_until` boundary passes, since no one publishes anything at that moment.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Min, Q
from django.utils import timezone

from apps.core.models import ContentVersion
from apps.faqs.models import Faq
from apps.nlu.ranker import Document, Index
from apps.scenarios.models import Scenario

CHECK_SECONDS = 2.0
CONTENT_KEYS = ("faqs", "scenarios")


class EmptyIndex:
    """Before any FAQ is published there is nothing to rank: every message falls back."""

    def __len__(self) -> int:
        return 0

    def rank(self, text: str, k: int = 3) -> list:
        return []


@dataclass
class BotIndex:
    index: Index | EmptyIndex
    stamp: tuple[int, ...]
    next_boundary: datetime | None
    # FAQ key -> channels it may be answered on; scenarios run on every channel.
    channels: dict[str, list[str]] = field(default_factory=dict)
    # key -> what a customer sees on a quick reply (Lex only knows intent names).
    labels: dict[str, str] = field(default_factory=dict)

    def allows(self, key: str, channel: str) -> bool:
        allowed = self.channels.get(key)
        return allowed is None or not allowed or channel in allowed


_lock = threading.Lock()
_current: BotIndex | None = None
_checked_at = 0.0


def content_stamp() -> tuple[int, ...]:
    rows = dict(ContentVersion.objects.filter(key__in=CONTENT_KEYS).values_list("key", "version"))
    return tuple(rows.get(key, 0) for key in CONTENT_KEYS)


def faq_documents() -> tuple[list[Document], dict[str, list[str]]]:
    docs, channels = [], {}
    for faq in Faq.objects.live().prefetch_related("alternatives"):
        key = f"faq:{faq.pk}"
        texts = [faq.question, *(alt.text for alt in faq.alternatives.all())]
        docs.append(Document(key=key, label=faq.question, texts=texts))
        channels[key] = list(faq.channels or [])
    return docs, channels


def scenario_documents() -> list[Document]:
    scenarios = Scenario.objects.filter(is_active=True).prefetch_related("utterances")
    return [
        Document(key=f"scenario:{s.code}", label=s.name, texts=[u.text for u in s.utterances.all()])
        for s in scenarios
        if s.utterances.all()
    ]


def _next_boundary() -> datetime | None:
    now = timezone.now()
    published = Faq.objects.published()
    starts = published.filter(valid_from__gt=now).aggregate(m=Min("valid_from"))["m"]
    ends = published.filter(Q(valid_until__gt=now)).aggregate(m=Min("valid_until"))["m"]
    candidates = [t for t in (starts, ends) if t is not None]
    return min(candidates) if candidates else None


def build_bot_index() -> BotIndex:
    stamp = content_stamp()
    faq_docs, channels = faq_documents()
    documents = faq_docs + scenario_documents()
    index = Index.build(documents) if documents else EmptyIndex()
    return BotIndex(
        index=index,
        stamp=stamp,
        next_boundary=_next_boundary(),
        channels=channels,
        labels={doc.key: doc.label for doc in documents},
    )


def _is_stale(current: BotIndex) -> bool:
    if current.next_boundary is not None and timezone.now() >= current.next_boundary:
        return True
    return content_stamp() != current.stamp


def get_bot_index(*, force_check: bool = False) -> BotIndex:
    """The current index; checks the content stamp at most every CHECK_SECONDS."""
    global _current, _checked_at
    now = time.monotonic()
    current = _current
    if current is not None and not force_check and now - _checked_at < CHECK_SECONDS:
        return current
    with _lock:
        if _current is None or _is_stale(_current):
            _current = build_bot_index()
        _checked_at = time.monotonic()
        return _current


def reset_bot_index() -> None:
    """Forget the index (tests, and `load_demo` after it rewrote the content)."""
    global _current, _checked_at
    with _lock:
        _current, _checked_at = None, 0.0
