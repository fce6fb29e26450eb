"""Indexes the 1 M-conversation bench asked for (bench/reports.py): the FCR look-ahead, the admin
state filter and the message sender filter.

On PostgreSQL they are built CONCURRENTLY, outside a transaction, so a live portal keeps writing
messages while a 10 M-row index builds; other databases build them the ordinary way.
"""

from django.db import migrations, models


class AddIndexOnline(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)


class RemoveIndexOnline(migrations.RemoveIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = from_state.models[app_label, self.model_name.lower()].get_index_by_name(self.name)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, index, concurrently=True)
        else:
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("chat", "0003_message_client_id_index"),
    ]

    operations = [
        AddIndexOnline(
            model_name="conversation",
            index=models.Index(
                fields=["channel_key", "user_id", "started_at"],
                name="chat_conver_channel_0eb6da_idx",
            ),
        ),
        RemoveIndexOnline(model_name="conversation", name="chat_conver_channel_f3eef8_idx"),
        AddIndexOnline(
            model_name="conversation",
            index=models.Index(fields=["state", "started_at"], name="chat_conver_state_46d348_idx"),
        ),
        AddIndexOnline(
            model_name="message",
            index=models.Index(fields=["sender", "created_at"], name="chat_messag_sender_6551f2_idx"),
        ),
    ]
