"""POST /hooks/tradinggrid/: verified, stored once, applied by a task."""

import json
import time

import pytest
from django.conf import settings

from audit.models import Event
from communities.models import Membership, TradingGridEvent
from emulators.tradinggrid.webhooks import encode_event, sign
from tests import factories as f

URL = "/hooks/tradinggrid/"


def signed(event: dict, *, secret=None, at=None, body=None):
    """The body and headers Trading Grid sends for `event`."""
    body = body if body is not None else encode_event(event)
    timestamp = str(int(at if at is not None else time.time()))
    return body, {
        "HTTP_X_TG_EVENT_ID": event["id"], "HTTP_X_TG_TIMESTAMP": timestamp,
        "HTTP_X_TG_SIGNATURE": sign(secret or settings.TRADING_GRID_WEBHOOK_SECRET, timestamp,
                                    body)}


def deliver(client, event, **kwargs):
    body, headers = signed(event, **kwargs)
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.fixture
def bob_asset(synced):
    """An approved asset published to EU Retailers, after the demo directory sync."""
    from communities.models import Community

    asset = f.AssetFactory(title="Trailblazer 2 spec sheet")
    f.PublicationFactory(community=Community.objects.get(tg_id="COMM-EU-RETAIL"), asset=asset)
    return asset


def bob():
    from accounts.models import User

    return User.objects.get(email="bob@alpine-outfitters.example")


def test_member_removed_revokes_access_once_applied(client, synced, bob_asset,
                                                   django_capture_on_commit_callbacks):
    # given
    from assets.models import Asset

    assert list(Asset.objects.visible_to(bob())) == [bob_asset]
    synced.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, synced.events[-1])

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert list(Asset.objects.visible_to(bob())) == []
    row = TradingGridEvent.objects.get()
    assert (row.type, row.state) == ("member.removed", "applied")
    revoked = Event.objects.get(action="membership.revoked")
    assert revoked.actor_label == "tradinggrid-sync"


def test_a_redelivered_event_is_stored_and_applied_once(client, synced,
                                                        django_capture_on_commit_callbacks):
    # given
    synced.add_member("COMM-JP-RESELL", email="dana@sakura-trading.example", given_name="Dana",
                      family_name="Doi", company_id="TGC-2001", company_name="Sakura Trading KK")
    event = synced.events[-1]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(client, event)

    # then
    assert response.json()["status"] == "duplicate"
    assert callbacks == []
    assert TradingGridEvent.objects.count() == 1
    assert Event.objects.filter(action="membership.granted",
                                target_label__startswith="Dana Doi").count() == 1


def test_member_added_and_updated_events_upsert_the_membership(
        client, synced, django_capture_on_commit_callbacks):
    # given
    synced.add_member("COMM-EU-RETAIL", email="Erin@Alpine-Outfitters.example",
                      given_name="Erin", family_name="Ehrlich", company_id="TGC-1001",
                      company_name="Alpine Outfitters GmbH")
    synced.update_member("COMM-EU-RETAIL", "erin@alpine-outfitters.example", status="suspended")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        for event in synced.events[-2:]:
            assert deliver(client, event).status_code == 200

    # then
    membership = Membership.objects.get(user__email="erin@alpine-outfitters.example")
    assert membership.state == "suspended"
    assert not membership.user.has_usable_password()


def test_an_older_event_arriving_late_is_ignored(client, synced,
                                                 django_capture_on_commit_callbacks):
    # given: two changes to bob; the newer one arrives first
    synced.update_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example", status="suspended")
    older = synced.events[-1]
    time.sleep(1.1)  # Trading Grid stamps updated_at in whole seconds
    synced.update_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example", status="active")
    newer = synced.events[-1]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, newer)
        deliver(client, older)

    # then
    assert Membership.objects.get(user__email="bob@alpine-outfitters.example").state == "active"
    assert TradingGridEvent.objects.get(event_id=older["id"]).error == "membership stale"


def test_community_updated_renames_the_community(client, synced,
                                                 django_capture_on_commit_callbacks):
    # given
    synced.update_community("COMM-EU-RETAIL", name="European Retailers")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, synced.events[-1])

    # then
    from communities.models import Community

    assert Community.objects.get(tg_id="COMM-EU-RETAIL").name == "European Retailers"


def test_community_updated_mirrors_its_languages(client, synced,
                                                 django_capture_on_commit_callbacks):
    # given
    synced.update_community("COMM-JP-RESELL", languages="ja-JP, en-US")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, synced.events[-1])

    # then
    from communities.models import Community
    from communities.selectors import locale_preferences

    assert Community.objects.get(tg_id="COMM-JP-RESELL").tg_languages == ["ja-JP", "en-US"]
    charlie = Membership.objects.get(community__tg_id="COMM-JP-RESELL",
                                     user__email="charlie@sakura-trading.example").user
    assert locale_preferences(charlie).languages == ["ja-JP", "en-US"]


@pytest.mark.parametrize("tamper", ["secret", "body", "old", "future"])
def test_an_unverifiable_webhook_is_refused_and_not_stored(client, synced, tamper):
    # given
    synced.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")
    event = synced.events[-1]
    body, headers = signed(event, secret="wrong" if tamper == "secret" else None,
                           at={"old": time.time() - 3600,
                               "future": time.time() + 3600}.get(tamper))
    if tamper == "body":
        body = body.replace(b"member.removed", b"member.updated")

    # when
    response = client.post(URL, data=body, content_type="application/json", **headers)

    # then
    assert response.status_code == 401
    assert "error" in response.json()
    assert not TradingGridEvent.objects.exists()
    assert Membership.objects.filter(user__email="bob@alpine-outfitters.example").exists()


def test_a_signed_body_that_is_not_an_event_is_a_bad_request(client, db):
    body, headers = signed({"id": "evt_x"}, body=b'{"hello": "world"}')
    response = client.post(URL, data=body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert not TradingGridEvent.objects.exists()


def test_an_oversized_body_is_refused(client, db, settings):
    # given
    settings.TRADING_GRID_WEBHOOK_MAX_BYTES = 1024
    event = {"id": "evt_big", "type": "member.updated", "padding": "x" * 2048}

    # when
    response = deliver(client, event)

    # then
    assert response.status_code == 413
    assert not TradingGridEvent.objects.exists()


def test_only_post_is_allowed(client, db):
    assert client.get(URL).status_code == 405


def test_a_signed_event_that_cannot_be_applied_is_kept_as_failed(
        client, synced, django_capture_on_commit_callbacks):
    # given: a member without a company, which the portal cannot place
    synced.add_member("COMM-EU-RETAIL", email="frank@alpine-outfitters.example",
                      company_id="TGC-1001", company_name="Alpine Outfitters GmbH")
    event = json.loads(encode_event(synced.events[-1]))
    event["member"]["company"] = {}

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event)

    # then
    assert response.status_code == 200
    row = TradingGridEvent.objects.get()
    assert row.state == "failed"
    assert "company" in row.error
    assert not Membership.objects.filter(user__email="frank@alpine-outfitters.example").exists()
