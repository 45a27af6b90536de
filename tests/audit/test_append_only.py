import pytest
from django.core.management import call_command
from django.db import DatabaseError, connections, transaction

from audit import record, triggers
from audit.models import AppendOnlyError, Event
from tests.services import need_postgres

BOTH = ["default", "sqlite"]


def test_the_model_refuses_to_save_an_existing_event(ten_events):
    event = Event.objects.get(sequence=3)
    event.payload = {"n": 99}
    with pytest.raises(AppendOnlyError):
        event.save()
    assert Event.objects.get(sequence=3).payload == {"n": 2}


def test_the_model_refuses_to_delete_an_event(ten_events):
    with pytest.raises(AppendOnlyError):
        Event.objects.get(sequence=3).delete()
    assert Event.objects.count() == 10


@pytest.mark.parametrize("operation", [
    lambda qs: qs.update(action="asset.rejected"),
    lambda qs: qs.delete(),
    lambda qs: qs.bulk_update(list(qs), ["action"]),
])
def test_querysets_refuse_bulk_changes(ten_events, operation):
    with pytest.raises(AppendOnlyError):
        operation(Event.objects.filter(sequence__lte=5))
    assert Event.objects.filter(action="asset.rejected").count() == 0


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("alias", BOTH)
@pytest.mark.parametrize("sql", [
    "UPDATE audit_event SET payload = '{}' WHERE sequence = 1",
    "DELETE FROM audit_event WHERE sequence = 1",
    "DELETE FROM audit_event",
])
def test_raw_sql_updates_and_deletes_fail_in_the_database(alias, sql, content, alice_asset):
    # given
    record("asset.approved", actor=content, target=alice_asset, payload={"n": 1}, using=alias)
    connection = connections[alias]
    # when
    with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(using=alias),
          connection.cursor() as cursor):
        cursor.execute(sql)
    # then
    assert Event.objects.using(alias).get().payload == {"n": 1}


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize("alias", BOTH)
def test_the_triggers_are_installed_by_the_migrations(alias):
    assert triggers.installed(connections[alias])


def test_truncate_fails_on_postgresql(ten_events):
    need_postgres()
    with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
          connections["default"].cursor() as cursor):
        cursor.execute("TRUNCATE audit_event")
    assert Event.objects.count() == 10


@pytest.mark.django_db(databases=BOTH, transaction=True)
@pytest.mark.parametrize("alias", BOTH)
def test_flush_still_empties_the_database_and_keeps_the_triggers(alias, content, alice_asset):
    # given
    record("asset.approved", actor=content, target=alice_asset, using=alias)
    # when
    call_command("flush", database=alias, interactive=False, verbosity=0,
                 inhibit_post_migrate=True)
    # then
    assert not Event.objects.using(alias).exists()
    assert triggers.installed(connections[alias])


def test_an_event_cannot_be_saved_around_record(content):
    with pytest.raises(ValueError, match=r"audit\.record\(\)"):
        Event(sequence=1, action="asset.approved", actor_label="x").save()
    assert not Event.objects.exists()
