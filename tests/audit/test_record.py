from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from audit import record, record_many
from audit.chain import GENESIS_HASH, compute_hash
from audit.models import Event
from audit.verify import verify_chain
from portal.middleware import RequestIdMiddleware
from tests import factories as f


def test_it_numbers_and_chains_events_from_the_genesis_hash(content, alice_asset):
    # when
    first = record("asset.approved", actor=content, target=alice_asset)
    second = record("asset.published", actor=content, target=alice_asset)
    # then
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    stored = Event.objects.values().get(sequence=2)
    assert compute_hash(first.hash, stored) == second.hash == stored["hash"]


def test_it_keeps_the_users_id_and_email_as_actor(content, alice_asset):
    event = record("asset.approved", actor=content, target=alice_asset)
    event = Event.objects.get(pk=event.pk)
    assert (event.actor_user_id, event.actor_label, event.actor_system) == (
        content.pk, "content@brand.example", "")


def test_an_asset_target_fills_in_the_asset_and_the_version_instance_its_number(
        alice, alpine, eu_retailers, alice_asset):
    # when
    event = record("asset.downloaded", actor=alice, target=alice_asset,
                   asset_version=alice_asset.current_version, community=eu_retailers,
                   partner=alpine, payload={"preset": "web"})
    # then
    event = Event.objects.get(pk=event.pk)
    assert event.target_type == "assets.asset"
    assert event.target_id == str(alice_asset.pk)
    assert event.target_label == "Trailblazer 2 front view"
    assert event.asset_id == alice_asset.pk
    assert event.asset_version == alice_asset.current_version.version
    assert (event.community_id, event.community_label) == (eu_retailers.pk, "EU Retailers")
    assert (event.partner_id, event.partner_label) == (alpine.pk, "Alpine Outfitters GmbH")
    assert event.payload == {"preset": "web"}


def test_an_asset_version_target_fills_in_its_asset_and_number(content, alice_asset):
    version = alice_asset.current_version
    event = record("asset.version_added", actor="cloudinary-sync", target=version)
    assert (event.asset_id, event.asset_version) == (alice_asset.pk, version.version)


def test_a_case_target_takes_its_asset_from_the_version(alice, alice_asset):
    case = f.CaseFactory(asset=alice_asset, opener=alice)
    event = record("case.opened", actor=alice, target=case, asset_version=case.asset_version)
    assert event.target_type == "cases.case"
    assert (event.asset_id, event.asset_version) == (alice_asset.pk, case.asset_version.version)


def test_it_refuses_a_version_of_another_asset(content, alice_asset, charlie_asset):
    with pytest.raises(ValueError, match="does not match"):
        record("asset.approved", actor=content, target=alice_asset,
               asset_version=charlie_asset.current_version)


def test_it_rejects_an_action_outside_the_vocabulary(content, alice_asset):
    with pytest.raises(ValueError, match="Unknown audit action 'asset.aproved'"):
        record("asset.aproved", actor=content, target=alice_asset)
    assert not Event.objects.exists()


@pytest.mark.parametrize("actor", [None, "Cloudinary Sync", ""])
def test_it_rejects_an_actor_that_is_neither_a_user_nor_a_system_name(actor, alice_asset):
    with pytest.raises(ValueError):
        record("asset.synced", actor=actor, target=alice_asset)


def test_it_rejects_an_unsaved_target(content):
    with pytest.raises(ValueError, match="saved model instance"):
        record("asset.synced", actor="cloudinary-sync", target=f.AssetFactory.build())


def test_a_system_actor_outside_a_request_has_no_request_id_or_ip(alice_asset):
    event = record("asset.synced", actor="cloudinary-sync", target=alice_asset)
    event = Event.objects.get(pk=event.pk)
    assert (event.actor_system, event.actor_label, event.actor_user_id) == (
        "cloudinary-sync", "cloudinary-sync", None)
    assert (event.request_id, event.client_ip) == ("", "")


def test_inside_a_request_it_records_the_request_id_and_client_ip(alice, alice_asset):
    # given: a view that records, behind the real middleware
    def view(request):
        record("asset.downloaded", actor=alice, target=alice_asset)
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-42", REMOTE_ADDR="203.0.113.9")
    # when
    response = RequestIdMiddleware(view)(request)
    # then
    event = Event.objects.get()
    assert (event.request_id, event.client_ip) == ("req-42", "203.0.113.9")
    assert response["X-Request-Id"] == "req-42"


def test_an_event_exists_only_if_its_transaction_commits(content, alice_asset):
    # given
    with pytest.raises(RuntimeError), transaction.atomic():
        record("asset.approved", actor=content, target=alice_asset)
        raise RuntimeError("the service failed after recording")
    # when
    event = record("asset.rejected", actor=content, target=alice_asset)
    # then: no trace of the rolled-back event, and no gap
    assert list(Event.objects.values_list("sequence", "action")) == [(1, "asset.rejected")]
    assert event.prev_hash == GENESIS_HASH


def test_payload_values_are_stored_as_the_json_the_hash_covers(content, alice_asset):
    # given
    payload = {"when": datetime(2026, 11, 26, 9, 30, tzinfo=UTC), "price": Decimal("9.90"),
               "nested": {"b": 1, "a": [1.5, None, "ü"]}}
    # when
    record("asset.approved", actor=content, target=alice_asset, payload=payload)
    # then
    event = Event.objects.get()
    assert event.payload == {"when": "2026-11-26T09:30:00Z", "price": "9.90",
                             "nested": {"b": 1, "a": [1.5, None, "ü"]}}
    assert verify_chain().ok


def test_record_many_appends_a_batch_as_one_chain(content, alice_asset, charlie_asset):
    # given
    record("sync.completed", actor="cloudinary-sync", target=alice_asset)
    # when
    events = record_many([
        {"action": "asset.synced", "actor": "cloudinary-sync", "target": asset}
        for asset in (alice_asset, charlie_asset) * 3
    ])
    # then
    assert [e.sequence for e in events] == [2, 3, 4, 5, 6, 7]
    assert Event.objects.count() == 7
    assert verify_chain().ok


def test_the_event_label_survives_the_target_changing(content, alice_asset):
    record("asset.retired", actor=content, target=alice_asset)
    alice_asset.title = "Renamed"
    alice_asset.save()
    alice_asset.delete()
    assert Event.objects.get().target_label == "Trailblazer 2 front view"
