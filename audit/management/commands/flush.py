"""Django's `flush`, able to empty the append-only audit table too.

`flush` (and every transactional test, which flushes after itself) erases the
whole database; the append-only triggers would stop it. This lifts them inside
the flush's own transaction, which restores them when it ends.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from audit import triggers


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
        if triggers.TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        with triggers.suspended(connection):
            return super().handle(**options)
