"""Revoke the old DRF authtoken keys: they were stored in plain text.

`rest_framework.authtoken` is no longer installed; its table may still exist (and hold
usable keys) on databases migrated before. The rows are deleted, so anyone holding an
old key must create a new, expiring token on the "API tokens" page. The empty table is
left in place: dropping another app's table would confuse its migration history.
"""

from django.db import migrations


def delete_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):

    dependencies = [("accounts", "0003_api_tokens")]

    operations = [migrations.RunPython(delete_plaintext_tokens, migrations.RunPython.noop)]
