import json

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from audit import record
from audit.models import ChainVerification
from audit.verify import verify_chain
from tests.audit.conftest import swap, tamper


def _exit_status(*argv) -> int:
    """Run a command as `manage.py` would, returning its exit status."""
    try:
        execute_from_command_line(["manage.py", *argv])
    except SystemExit as exit_:
        return exit_.code
    return 0


def test_an_untouched_chain_verifies(ten_events, capsys):
    # when
    result = verify_chain()
    status = _exit_status("verify_audit")
    # then
    assert (result.ok, result.checked, result.first_broken_sequence) == (True, 10, None)
    assert result.head_sequence == 10
    assert status == 0
    assert "intact: 10 events checked" in capsys.readouterr().out


def test_an_empty_chain_verifies(db):
    assert verify_chain().ok


def test_a_changed_payload_is_named_by_its_sequence(ten_events, capsys):
    # given
    tamper("UPDATE audit_event SET payload = %s WHERE sequence = 4", [json.dumps({"n": 99})])
    # when
    result = verify_chain()
    # then
    assert (result.ok, result.first_broken_sequence, result.checked) == (False, 4, 3)
    assert "event 4 was changed" in result.reason
    with pytest.raises(CommandError, match="BROKEN at sequence 4") as raised:
        call_command("verify_audit")
    assert raised.value.returncode == 1
    assert _exit_status("verify_audit") == 1
    assert "BROKEN at sequence 4" in capsys.readouterr().err


def test_a_changed_label_is_caught_even_without_touching_the_payload(ten_events):
    tamper("UPDATE audit_event SET actor_label = 'someone-else' WHERE sequence = 8")
    assert verify_chain().first_broken_sequence == 8


def test_a_deleted_event_is_named_by_its_sequence(ten_events):
    # given
    tamper("DELETE FROM audit_event WHERE sequence = 6")
    # when
    result = verify_chain()
    # then
    assert (result.ok, result.first_broken_sequence) == (False, 6)
    assert "event 6 is missing" in result.reason
    with pytest.raises(CommandError, match="BROKEN at sequence 6"):
        call_command("verify_audit")
    assert _exit_status("verify_audit") == 1


def test_a_deleted_first_event_is_caught(ten_events):
    tamper("DELETE FROM audit_event WHERE sequence = 1")
    assert verify_chain().first_broken_sequence == 1


def test_two_swapped_events_are_named_by_the_first_of_them(ten_events):
    # given
    swap(3, 7)
    # when
    result = verify_chain()
    # then
    assert (result.ok, result.first_broken_sequence) == (False, 3)
    with pytest.raises(CommandError, match="BROKEN at sequence 3"):
        call_command("verify_audit")
    assert _exit_status("verify_audit") == 1


def test_a_forged_event_with_a_recomputed_hash_breaks_the_next_link(ten_events):
    # given: the attacker rewrites event 5 and its hash, but not the rest of the chain
    tamper("UPDATE audit_event SET hash = %s WHERE sequence = 5", ["f" * 64])
    # then
    result = verify_chain()
    assert result.first_broken_sequence == 5


def test_appending_after_tampering_does_not_hide_it(ten_events, content, alice_asset):
    tamper("UPDATE audit_event SET payload = '{}' WHERE sequence = 2")
    record("asset.approved", actor=content, target=alice_asset)
    assert verify_chain().first_broken_sequence == 2


def test_verify_audit_keeps_its_outcome_for_the_admin(ten_events):
    call_command("verify_audit")
    tamper("DELETE FROM audit_event WHERE sequence = 10")
    tamper("DELETE FROM audit_event WHERE sequence = 9")
    call_command("verify_audit")
    latest = ChainVerification.objects.first()
    assert (latest.ok, latest.checked, latest.head_sequence) == (True, 8, 8)
    assert ChainVerification.objects.count() == 2


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_tampering_is_caught_on_the_embedded_sqlite_database_too(content, alice_asset):
    # given
    for n in range(5):
        record("asset.synced", actor="cloudinary-sync", target=alice_asset, payload={"n": n},
               using="sqlite")
    tamper("UPDATE audit_event SET payload = '{\"n\": 7}' WHERE sequence = 3", using="sqlite")
    # then
    assert verify_chain(using="sqlite").first_broken_sequence == 3
