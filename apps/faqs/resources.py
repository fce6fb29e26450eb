"""CSV/XLSX import and export of FAQs (django-import-export).

Columns: id, category (by name), question, answer, alternatives (one cell: lines or " | "),
status, channels. Rows are matched by id when the cell is filled, otherwise by exact question,
so exporting and importing the same file changes nothing and hand-written files without ids
can be imported twice without duplicates.

A file imports all or nothing: the admin runs with use_transactions and rolls back on any
validation error, and row numbers are the file's line numbers (header = line 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.results import Result

from apps.core.spreadsheet import csv_cell, csv_uncell
from apps.faqs import services
from apps.faqs.models import ALL_CHANNELS, Category, Faq, FaqStatus

_ALT_SPLIT = re.compile(r"\s*(?:\r?\n|\s\|\s)\s*")
_LIST_SPLIT = re.compile(r"[\s,|]+")


class FileLineResult(Result):
    """Numbers failed rows as a spreadsheet shows them: the header is line 1, data starts at 2."""

    def append_error_row(self, number: int, row: Any, errors: Any) -> None:
        super().append_error_row(number + 1, row, errors)

    def append_invalid_row(self, number: int, row: Any, validation_error: Any) -> None:
        super().append_invalid_row(number + 1, row, validation_error)

    def row_errors(self) -> list[tuple[int, Any]]:
        # The stock version counts only the rows it kept, which shifts numbers after a skip.
        return [(row.number, row.errors) for row in self.error_rows]


class CategoryByNameWidget(widgets.ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(Category, field="name")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Category | None:
        name = str(value or "").strip()
        if not name:
            raise ValueError("카테고리를 입력하세요.")
        category = Category.objects.filter(name=name).first()
        if category is None:
            raise ValueError(f"카테고리 '{name}'이(가) 없습니다. 먼저 카테고리를 만드세요.")
        return category


class StatusWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        # Codes ("review") or the Korean labels the admin shows ("검토 중") are both accepted.
        text = str(value or "").strip() or FaqStatus.DRAFT
        by_text = {str(label): code for code, label in FaqStatus.choices}
        by_text.update({code: code for code in FaqStatus.values})
        if text not in by_text:
            raise ValueError(f"상태 '{text}'을(를) 알 수 없습니다 ({', '.join(FaqStatus.values)}).")
        return by_text[text]


class ChannelsWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        codes = [c for c in _LIST_SPLIT.split(str(value or "").strip()) if c]
        unknown = [c for c in codes if c not in ALL_CHANNELS]
        if unknown:
            raise ValueError(f"알 수 없는 채널: {', '.join(unknown)} ({', '.join(ALL_CHANNELS)})")
        return codes or list(ALL_CHANNELS)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ", ".join(value or [])


def split_alternatives(cell: Any) -> list[str]:
    return [t for t in _ALT_SPLIT.split(str(cell or "").strip()) if t]


@dataclass
class _RowState:
    """What one row's hooks share: the stored FAQ before the row, and the row's alternatives."""

    before: tuple[tuple[Any, ...], str] | None
    alternatives: list[str] = field(default_factory=list)


def _state(faq: Faq) -> _RowState:
    return faq._import_state  # type: ignore[attr-defined,no-any-return]


class FaqResource(resources.ModelResource):
    # Exported for round trips, never written: ids come from the database sequence.
    id = fields.Field(attribute="id", column_name="id", readonly=True)
    category = fields.Field(
        attribute="category", column_name="category", widget=CategoryByNameWidget()
    )
    status = fields.Field(attribute="status", column_name="status", widget=StatusWidget())
    channels = fields.Field(attribute="channels", column_name="channels", widget=ChannelsWidget())
    # No model attribute: read in import_instance and written by the service after save.
    alternatives = fields.Field(
        column_name="alternatives", dehydrate_method="dehydrate_alternatives"
    )

    class Meta:
        model = Faq
        fields = ("id", "category", "question", "answer", "alternatives", "status", "channels")
        export_order = fields
        # A list on purpose: import-export only lets a file without an id column through for ["id"].
        import_id_fields = ["id"]
        use_transactions = True
        # Big files: no per-row HTML diff; unchanged rows are detected in skip_row instead.
        skip_diff = True
        clean_model_instances = True

    def get_result_class(self) -> type[Result]:
        return FileLineResult

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Faq.objects.select_related("category").prefetch_related("alternatives")

    def export_field(self, field: fields.Field, instance: Faq, **kwargs: Any) -> Any:
        # FAQ text can come from customers (mined candidates): never a live formula in Excel.
        return csv_cell(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        # A file we exported comes back with the apostrophes export_field added: take them off.
        for column in list(row.keys()):
            row[column] = csv_uncell(row[column])

    def dehydrate_alternatives(self, faq: Faq) -> str:
        return "\n".join(alt.text for alt in faq.alternatives.all())

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Faq | None:
        # By id, else by exact question (a file from another system, or written by hand).
        raw_id = str(row.get("id") or "").strip()
        faq = self.get_queryset().filter(pk=raw_id).first() if raw_id.isdigit() else None
        question = str(row.get("question") or "").strip()
        if faq is None and question:
            faq = self.get_queryset().filter(question=question).first()
        return faq

    def after_init_instance(self, instance: Faq, new: bool, row: Any, **kwargs: Any) -> None:
        instance._import_state = _RowState(before=None if new else _snapshot(instance))  # type: ignore[attr-defined]

    def import_instance(self, instance: Faq, row: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        state = _state(instance)
        state.alternatives = split_alternatives(row.get("alternatives"))
        too_long = [t for t in state.alternatives if len(t) > 300]
        if too_long:
            errors["alternatives"] = [f"대체 질문은 300자 이하여야 합니다: {too_long[0][:30]}…"]
        if "status" not in errors and self._publishes(instance):
            errors["status"] = [
                "가져오기로 게시할 수 없습니다. 'review'로 올린 뒤 다른 관리자가 게시하세요."
            ]
        if errors:
            raise ValidationError(errors)

    def _publishes(self, instance: Faq) -> bool:
        # Keeping a published FAQ published is fine (a changed one goes back to review in
        # faq_save); turning a new or unpublished row into a published one skips the checker.
        before = _state(instance).before
        was_published = before is not None and before[1] == FaqStatus.PUBLISHED
        return instance.status == FaqStatus.PUBLISHED and not was_published

    def skip_row(
        self, instance: Faq, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        state = _state(instance)
        if import_validation_errors or state.before is None:
            return False
        return state.before == _snapshot(instance, state.alternatives)

    def before_save_instance(self, instance: Faq, row: Any, **kwargs: Any) -> None:
        # import_data(user=...) reaches the row hooks, not do_instance_save.
        self._user: User = kwargs["user"]  # every import has a maker; the admin passes it

    def do_instance_save(self, instance: Faq, is_create: bool) -> None:
        state = _state(instance)
        # A row that only moves the status (e.g. to archived) is not a content change.
        content = _snapshot(instance, state.alternatives)[0]
        changed = state.before is None or state.before[0] != content
        services.faq_save(
            faq=instance, user=self._user, alternatives=state.alternatives, content_changed=changed
        )


def _snapshot(faq: Faq, alternatives: list[str] | None = None) -> tuple[tuple[Any, ...], str]:
    """(content including alternatives, status): what decides skip, edited_by and publishing."""
    if alternatives is None:
        alternatives = [alt.text for alt in faq.alternatives.all()]
    content = tuple(getattr(faq, f) for f in services.CONTENT_FIELDS)
    return (*content, tuple(alternatives)), faq.status
