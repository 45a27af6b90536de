"""The launch-kit API: partners list their kits and confirm, staff read readiness; every
answer matches the OpenAPI schema, and other communities' partners get 404."""

import pytest
from rest_framework.test import APIClient

from audit.models import Event
from launches.models import KitConfirmation, LaunchKit
from tests import factories as f
from tests.api.openapi import assert_matches_schema
from tests.launches.conftest import cell

KITS = "/api/v1/launch-kits/"


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client
    return as_user


def _call(client, method, url, status=200):
    response = getattr(client, method)(url)
    assert response.status_code == status, response.content
    assert_matches_schema(response)
    return response.json()


@pytest.fixture
def unpublished(kit, spring, germany):
    other = LaunchKit.objects.create(name="Draft kit", campaign=spring, go_live_at=kit.go_live_at)
    other.markets.set([germany])
    other.communities.set(kit.communities.all())
    return other


def test_bob_lists_and_reads_the_kits_of_his_communities(api, ready_kit, unpublished,
                                                         square_slot, germany, bob):
    # when
    listed = _call(api(bob), "get", KITS)
    detail = _call(api(bob), "get", f"{KITS}{ready_kit.pk}/")
    # then only the published kit of EU Retailers, without the brand's readiness figure
    assert [k["id"] for k in listed["results"]] == [ready_kit.pk]
    assert listed["results"][0]["readiness"] is None
    assert detail["markets"] == [{"slug": "de", "name": "Germany"}]
    asset = cell(ready_kit, square_slot, germany).asset
    assert detail["contents"] == [{"slot": square_slot.pk, "slot_name": "Main product image",
                                   "required": True, "market": "de", "asset": asset.pk,
                                   "ready": True}]
    assert detail["confirmation"] is None
    # and the draft is "no such kit"
    _call(api(bob), "get", f"{KITS}{unpublished.pk}/", status=404)


def test_alice_confirms_through_the_api_for_alpine(api, ready_kit, alice, bob, alpine,
                                                   on_commit):
    # when
    with on_commit():
        body = _call(api(alice), "post", f"{KITS}{ready_kit.pk}/confirm/")
    # then the organisation's confirmation is recorded and audited, and bob sees it
    assert body["partner"] == "Alpine Outfitters GmbH" and body["stale"] is False
    confirmation = KitConfirmation.objects.get(kit=ready_kit, partner=alpine)
    assert confirmation.confirmed_by == alice
    assert Event.objects.filter(action="kit.confirmed", actor_user_id=alice.pk).count() == 1
    seen = _call(api(bob), "get", f"{KITS}{ready_kit.pk}/")["confirmation"]
    assert seen["confirmed_by"] == str(alice) and seen["stale"] is False
    # when alice confirms again, it is still one confirmation
    _call(api(alice), "post", f"{KITS}{ready_kit.pk}/confirm/")
    assert KitConfirmation.objects.filter(kit=ready_kit).count() == 1


def test_charlie_gets_404_on_every_kit_operation(api, ready_kit, charlie):
    client = api(charlie)
    assert _call(client, "get", KITS)["results"] == []
    for method, url in (("get", f"{KITS}{ready_kit.pk}/"),
                        ("post", f"{KITS}{ready_kit.pk}/confirm/"),
                        ("get", f"{KITS}{ready_kit.pk}/readiness/")):
        _call(client, method, url, status=404)
    assert not KitConfirmation.objects.exists()


def test_partners_cannot_read_readiness(api, ready_kit, bob):
    _call(api(bob), "get", f"{KITS}{ready_kit.pk}/readiness/", status=404)


def test_staff_read_the_stored_readiness_matrix(api, ready_kit, square_slot, germany, content,
                                                alice, on_commit, django_assert_max_num_queries):
    # given a second, empty slot and alice's confirmation
    from launches.models import Slot
    from launches.readiness import kit_recompute

    Slot.objects.create(kit=ready_kit, name="Spec sheet PDF", resource_type="raw",
                        formats=["pdf"], position=5)
    kit_recompute(ready_kit.pk)
    with on_commit():
        _call(api(alice), "post", f"{KITS}{ready_kit.pk}/confirm/")
    ready_kit.refresh_from_db()
    # when
    with django_assert_max_num_queries(12):
        body = _call(api(content), "get", f"{KITS}{ready_kit.pk}/readiness/")
    listed = _call(api(content), "get", KITS)
    # then
    assert body["readiness"] == ready_kit.readiness == 50
    assert [(c["slot_name"], c["market"], c["state"]) for c in body["cells"]] == [
        ("Main product image", "de", "ready"), ("Spec sheet PDF", "de", "missing")]
    assert body["cells"][1]["reasons"] == ["nothing fills this slot yet"]
    assert body["acknowledgements"] == [
        {"community": "EU Retailers", "partner": "Alpine Outfitters GmbH",
         "status": "confirmed", "confirmed_at": body["acknowledgements"][0]["confirmed_at"]}]
    assert body["acknowledgements"][0]["confirmed_at"]
    assert [p["readiness"] for p in body["history"]][-1] == 50
    assert listed["results"][0]["readiness"] == 50
    # staff confirm nothing: they are in no community of the kit
    _call(api(content), "post", f"{KITS}{ready_kit.pk}/confirm/", status=404)


def test_the_list_puts_the_least_ready_kit_first_for_staff(api, ready_kit, spring, germany,
                                                           support):
    late = LaunchKit.objects.create(name="Behind kit", campaign=spring, readiness=10,
                                    go_live_at=ready_kit.go_live_at)
    late.markets.set([germany])
    f.UserFactory()  # unrelated
    ids = [k["id"] for k in _call(api(support), "get", KITS)["results"]]
    assert ids.index(late.pk) < ids.index(ready_kit.pk)
