"""Preferences per kind: immediately, daily digest (the next morning, in the user's time zone)
or off; acknowledgement requests cannot be switched off."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from notifications import services
from notifications.models import Notice

TOKYO = ZoneInfo("Asia/Tokyo")


def _tell(user, key, kind=Notice.Kind.NEW_VERSION, at=None):
    services.notify([user.pk], kind=kind, key=key, title=f"Title {key}", body=f"Body {key}",
                    url=f"/assets/{key}/")
    if at is not None:
        Notice.objects.filter(key=key).update(created_at=at)


def test_a_digest_user_gets_no_immediate_email_and_one_digest_next_morning_in_tokyo(
        bob, django_capture_on_commit_callbacks):
    # given: bob wants new versions as a digest, in Tokyo
    services.set_preferences(bob, {"new_version": "digest"}, tz="Asia/Tokyo")
    evening = datetime(2026, 12, 1, 20, 0, tzinfo=TOKYO)
    with django_capture_on_commit_callbacks(execute=True):
        _tell(bob, "one", at=evening)
        _tell(bob, "two", at=evening + timedelta(hours=1))
    # then: nothing at once, nor during the night
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests(at=datetime(2026, 12, 2, 6, 30, tzinfo=TOKYO)) == 0
    assert mail.outbox == []
    # when: it is 07:00 in Tokyo (22:00 UTC the day before), and the hourly run repeats
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests(at=datetime(2026, 12, 2, 7, 5, tzinfo=TOKYO)) == 1
        assert services.send_digests(at=datetime(2026, 12, 2, 8, 5, tzinfo=TOKYO)) == 0
    # then: one digest with both items
    [digest] = mail.outbox
    assert digest.to == [bob.email] and "2 updates" in digest.subject
    assert "Title one" in digest.body and "Title two" in digest.body
    assert "/assets/two/" in digest.alternatives[0][0]


def test_off_means_nothing_but_acknowledgement_requests_still_come(
        bob, django_capture_on_commit_callbacks):
    # given
    services.set_preferences(bob, {"new_version": "off", "new_asset": "off"})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _tell(bob, "quiet")
        _tell(bob, "ack", kind=Notice.Kind.ACK_DUE)
    # then
    assert list(Notice.objects.values_list("key", flat=True)) == ["ack"]
    [email] = mail.outbox
    assert "Title ack" in email.subject


def test_acknowledgement_requests_cannot_be_switched_off(bob, client_for):
    # when
    with pytest.raises(ValueError, match="cannot be switched off"):
        services.set_preferences(bob, {"ack_due": "off"})
    response = client_for(bob).post("/notifications/preferences/",
                                    {"kind-ack_due": "off", "kind-new_version": "digest"})
    # then
    assert response.status_code == 400
    assert not bob.notice_preferences.exists()


def test_the_preferences_page_saves_choices_and_the_time_zone(bob, client_for):
    # when
    client = client_for(bob)
    response = client.post("/notifications/preferences/", {
        "kind-new_version": "digest", "kind-ack_due": "immediate", "kind-case_reply": "off",
        "kind-new_asset": "immediate", "timezone": "Europe/Berlin"})
    # then
    assert response.status_code == 302
    assert dict(bob.notice_preferences.values_list("kind", "delivery"))["new_version"] == "digest"
    assert bob.digest_schedule.timezone == "Europe/Berlin"
    page = client.get("/notifications/preferences/").content.decode()
    assert '<option value="digest" selected>' in page


def test_an_unknown_time_zone_is_a_400(bob, client_for):
    response = client_for(bob).post("/notifications/preferences/", {
        "kind-new_version": "digest", "kind-ack_due": "immediate", "kind-case_reply": "off",
        "kind-new_asset": "immediate", "timezone": "Mars/Olympus"})
    assert response.status_code == 400


def test_a_digest_goes_out_in_the_morning_of_the_users_market_when_no_zone_was_chosen(
        charlie, jp_resellers, django_capture_on_commit_callbacks):
    from tests import factories as f

    # given: charlie's community is in Japan; he chose a digest but never a time zone
    jp_resellers.markets.add(f.MarketFactory(slug="jp", name="Japan", country="JP"))
    services.set_preferences(charlie, {"new_version": "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        _tell(charlie, "one", at=datetime(2026, 12, 1, 20, 0, tzinfo=TOKYO))
    # then: 07:00 UTC is 16:00 in Tokyo, too late for "the next morning" but not yet his
    # morning of the 3rd; his digest went at 07:05 Tokyo time on the 2nd
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_digests(at=datetime(2026, 12, 2, 6, 30, tzinfo=TOKYO)) == 0
        assert services.send_digests(at=datetime(2026, 12, 2, 7, 5, tzinfo=TOKYO)) == 1
    [digest] = mail.outbox
    assert digest.to == [charlie.email]


def test_reminders_come_in_the_morning_of_the_users_market(charlie, jp_resellers):
    from portal.timezones import user_zones
    from tests import factories as f

    # given
    jp_resellers.markets.add(f.MarketFactory(slug="jp", name="Japan", country="JP"))
    # when: 07:05 in Tokyo is 22:05 UTC the day before
    days = services.local_mornings([charlie.pk], datetime(2026, 12, 2, 7, 5, tzinfo=TOKYO))
    # then: it is charlie's morning of the 2nd (in UTC it would still be the 1st, at night)
    assert days == {"2026-12-02": [charlie.pk]}
    assert user_zones([charlie.pk]) == {charlie.pk: "Asia/Tokyo"}


def test_the_zone_chosen_on_the_preferences_page_is_the_one_pages_and_digests_use(bob):
    from portal.timezones import user_time_zone, user_zones

    services.set_preferences(bob, {}, tz="America/Chicago")
    bob.refresh_from_db()
    assert user_time_zone(bob) == ("America/Chicago", "chosen")
    assert user_zones([bob.pk]) == {bob.pk: "America/Chicago"}


def test_a_zone_kept_only_on_the_digest_schedule_becomes_the_users_own(bob, alice):
    import importlib

    from django.apps import apps

    from notifications.models import DigestSchedule

    migration = importlib.import_module("notifications.migrations.0003_digest_zone_to_user")
    # given: bob's zone is only on his schedule; alice has chosen hers already
    DigestSchedule.objects.create(user=bob, timezone="Asia/Tokyo")
    DigestSchedule.objects.create(user=alice, timezone="Asia/Tokyo")
    type(alice).objects.filter(pk=alice.pk).update(time_zone="Europe/Berlin")
    # when
    migration.forwards(apps, None)
    # then
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert (bob.time_zone, alice.time_zone) == ("Asia/Tokyo", "Europe/Berlin")
