"""Helpers for the audit tests: a few events, and tampering as a DBA would."""

import pytest
from django.db import connections

from audit import record, triggers


def tamper(sql: str, params=(), *, using: str = "default") -> None:
    """Run raw SQL on audit_event with the append-only triggers lifted (DBA rights)."""
    connection = connections[using]
    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def swap(first: int, second: int, *, using: str = "default") -> None:
    """Exchange two events' positions in the chain (their sequence numbers)."""
    tamper("UPDATE audit_event SET sequence = 999999999 WHERE sequence = %s", [first], using=using)
    tamper("UPDATE audit_event SET sequence = %s WHERE sequence = %s", [first, second],
           using=using)
    tamper("UPDATE audit_event SET sequence = %s WHERE sequence = 999999999", [second], using=using)


@pytest.fixture
def ten_events(content, alice_asset):
    """Ten events approving and syncing alice's asset, sequences 1..10."""
    for n in range(10):
        action = "asset.approved" if n % 2 else "asset.synced"
        actor = content if n % 2 else "cloudinary-sync"
        record(action, actor=actor, target=alice_asset, payload={"n": n})
