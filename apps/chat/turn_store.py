"""A chat turn's writes in one round trip on PostgreSQL (the hot path of POST /api/chatbot/chat).

A bot turn stores the customer's message, the bot's reply (which points at it) and the
conversation's seq counter and dialog memory. Through the ORM that is two INSERTs and an
UPDATE, each compiled anew per call: about a quarter of a turn's CPU in py-spy, plus two more
round trips. On PostgreSQL they go as one statement of data-modifying CTEs, which all run to
completion (the reply's foreign key to the customer's message is checked at commit, as Django
declares it deferrable). The SQL is built from the models' fields, the way the ORM's insert
compiler builds it, so a field added to Message later is written here too.

Other databases (SQLite for development and the embedded default) take the ORM path, which
the test suite covers on both backends.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import connection

from apps.chat.models import Conversation, Message

if TYPE_CHECKING:
    from django.db.models import Field


@cache
def _insert_fields() -> tuple[Field[Any, Any], ...]:
    meta = Message._meta
    return tuple(
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not getattr(field, "generated", False)
    )


def _params(message: Message, *, skip: str = "") -> list[Any]:
    return [
        field.get_db_prep_save(field.pre_save(message, True), connection)
        for field in _insert_fields()
        if field.attname != skip
    ]


@cache
def _conversation_fields(names: tuple[str, ...]) -> tuple[Field[Any, Any], ...]:
    return tuple(Conversation._meta.get_field(name) for name in names)  # type: ignore[misc] # concrete fields


@cache
def _sql(with_reply: bool, update_fields: tuple[str, ...]) -> str:
    """The statement for one shape of turn; table and column names come from the models."""
    qn = connection.ops.quote_name
    fields = _insert_fields()
    columns = ", ".join(qn(field.column) for field in fields)  # type: ignore[arg-type] # concrete
    plain = ", ".join("%s" for _ in fields)
    # The reply points at the customer's message inserted by the first CTE.
    linked = ", ".join(
        "(SELECT id FROM c)" if field.attname == "reply_to_id" else "%s" for field in fields
    )
    message, conversation = qn(Message._meta.db_table), qn(Conversation._meta.db_table)
    sets = ", ".join(
        f"{qn(field.column)} = %s"  # type: ignore[arg-type] # concrete
        for field in _conversation_fields(update_fields)
    )
    insert = f"INSERT INTO {message} ({columns}) VALUES"  # noqa: S608 - names, no values
    parts = [f"c AS ({insert} ({plain}) RETURNING id)"]
    if with_reply:
        parts.append(f"r AS ({insert} ({linked}) RETURNING id)")
    parts.append(f"u AS (UPDATE {conversation} SET {sets} WHERE id = %s)")  # noqa: S608  # nosec B608 - names from the models
    returned = "(SELECT id FROM r)" if with_reply else "NULL"
    return f"WITH {', '.join(parts)} SELECT (SELECT id FROM c), {returned}"  # noqa: S608  # nosec B608


def _saved(message: Message, pk: int) -> None:
    message.pk = pk
    message._state.adding = False
    message._state.db = connection.alias


def store_turn(
    conversation: Conversation,
    customer: Message,
    reply: Message | None,
    update_fields: list[str],
) -> None:
    """Insert the customer's message (and the reply to it) and save `update_fields`."""
    if connection.vendor != "postgresql":
        customer.save(force_insert=True)
        if reply is not None:
            reply.save(force_insert=True)  # reply_to_id is taken from the now saved customer
        conversation.save(update_fields=update_fields)
        return
    params = _params(customer)
    if reply is not None:
        params += _params(reply, skip="reply_to_id")
    for field in _conversation_fields(tuple(update_fields)):
        value = field.pre_save(conversation, False)
        params.append(field.get_db_prep_save(value, connection))
    params.append(conversation.pk)
    with connection.cursor() as cursor:
        cursor.execute(_sql(reply is not None, tuple(update_fields)), params)
        customer_pk, reply_pk = cursor.fetchone()
    _saved(customer, customer_pk)
    if reply is not None:
        _saved(reply, reply_pk)
        reply.reply_to_id = customer_pk


@cache
def _lock_plan() -> tuple[str, list[str], list[tuple[int, Any, list[Any]]]]:
    """SELECT ... FOR UPDATE of a conversation by its owner, and the ORM's value converters."""
    meta = Conversation._meta
    qn = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    columns = ", ".join(qn(field.column) for field in fields)  # type: ignore[arg-type] # concrete
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {columns} FROM {qn(meta.db_table)}"  # noqa: S608  # nosec B608 - model names
        f" WHERE {qn('session_id')} = %s AND {qn('channel_key_id')} = %s"
        f" AND {qn('user_id')} = %s{lock}"
    )
    converters = []
    for index, field in enumerate(fields):
        col = field.get_col(meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((index, col, found))
    return sql, [field.attname for field in fields], converters


def lock_conversation(session_id: str, channel_key_id: int, user_id: str) -> Conversation | None:
    """The customer's conversation, locked until commit; None if it is not theirs.

    What `select_for_update().get(...)` does, for a fraction of its CPU (it compiles the query
    anew on every turn): values go through the same converters the ORM applies.
    """
    sql, names, converters = _lock_plan()
    field = Conversation._meta.get_field("session_id")
    session = field.get_db_prep_value(session_id, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, [session, channel_key_id, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, col, functions in converters:
        for convert in functions:
            values[index] = convert(values[index], col, connection)
    return Conversation.from_db(connection.alias, names, values)
