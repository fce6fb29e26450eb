"""No foreign key keeps an index of its own where a composite index already leads with it.

The composite serves every lookup the lone index would. The lone one costs a write per row
and misled PostgreSQL: a prepared statement planned while the tables were small cached a plan
on `chat_conversation.channel_key_id` alone, so the chat API's replay check scanned every
conversation of the channel key, and 200 turns/s went from 13 ms to seconds within four minutes
(bench/chat_load.py --rate 200).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


def _leading_columns(model: type[models.Model]) -> set[str]:
    """First columns of the model's full (not partial) composite indexes and unique keys."""
    meta = model._meta
    leads = {
        _column(model, i.fields[0].lstrip("-"))
        for i in meta.indexes
        if i.fields and not i.condition
    }
    leads |= {
        _column(model, c.fields[0])
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and not c.condition
    }
    leads |= {_column(model, fields[0]) for fields in meta.unique_together}
    return leads


def _covered_foreign_keys() -> list[tuple[type[models.Model], models.ForeignKey]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
        for field in model._meta.local_fields
        if isinstance(field, models.ForeignKey) and field.column in _leading_columns(model)
    ]


def test_the_project_has_foreign_keys_that_composite_indexes_cover():
    # Guards the two tests below against passing on an empty list.
    labels = {f"{model._meta.label}.{field.name}" for model, field in _covered_foreign_keys()}
    assert {"chat.Conversation.channel_key", "chat.Message.conversation"} <= labels


def test_a_foreign_key_led_by_a_composite_index_declares_no_index_of_its_own():
    redundant = [
        f"{model._meta.label}.{field.name}"
        for model, field in _covered_foreign_keys()
        if field.db_index
    ]
    assert redundant == []


@pytest.mark.django_db
def test_the_database_holds_no_single_column_index_on_a_covered_foreign_key():
    found = []
    with connection.cursor() as cursor:
        for model, field in _covered_foreign_keys():
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            found += [
                name
                for name, info in constraints.items()
                if info["index"] and not info["unique"] and info["columns"] == [field.column]
            ]
    assert found == []
