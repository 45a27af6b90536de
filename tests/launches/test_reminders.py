"""Reminders N days before go-live: owners get a digest of incomplete kits, organisations that
have not confirmed get a reminder; once a day, through the notification centre."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from launches import services
from launches.models import KitConfirmation, LaunchKit
from launches.tasks import notify_launch_reminders
from notifications.models import Notice


@pytest.fixture
def soon(kit, square_slot, settings):
    """The Spring kit (nothing fills its slot: 0 % ready) goes live in 5 days; reminders
    start 7 days ahead."""
    settings.LAUNCH_REMINDER_DAYS = 7
    kit.go_live_at = timezone.now() + timedelta(days=5)
    kit.save()
    return kit


def _notices(user):
    return list(Notice.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def test_owners_and_unconfirmed_organisations_are_reminded_once_a_day(
        soon, content, alice, bob, charlie, jp_resellers, spring, germany):
    # given a second incomplete kit of the same owner, for Japan Resellers (charlie)
    other = LaunchKit.objects.create(name="Summer kit", campaign=spring, published=True,
                                     go_live_at=timezone.now() + timedelta(days=3))
    other.markets.set([germany])
    other.communities.set([jp_resellers])
    other.owners.set([content])
    now = timezone.now()
    # when the daily task runs
    sent = services.kit_reminders(at=now)
    # then the owner gets one digest naming both kits
    digest = Notice.objects.get(user=content)
    assert digest.title == "2 launch kits are not ready yet"
    assert "Spring launch kit: 0% ready" in digest.body and "Summer kit: 0% ready" in digest.body
    assert digest.url == "/staff/launches/"
    # and each organisation's members one reminder for their own kit
    assert _notices(alice) == _notices(bob) == [
        "Please confirm you have the launch kit: Spring launch kit (go-live in 5 days)"]
    assert _notices(charlie) == [
        "Please confirm you have the launch kit: Summer kit (go-live in 3 days)"]
    assert sent == 4
    # when the task runs again the same day (a retry, a second beat)
    assert services.kit_reminders(at=now + timedelta(hours=2)) == 0
    assert Notice.objects.count() == 4


def test_a_confirmed_organisation_is_not_reminded_the_next_day(soon, content, alice, alpine,
                                                               bob):
    now = timezone.now()
    services.kit_reminders(at=now)
    # when alice confirms for Alpine Outfitters
    KitConfirmation.objects.create(kit=soon, partner=alpine, confirmed_by=alice)
    # then the next day only the owner is told again (the kit is still incomplete)
    tomorrow = now + timedelta(days=1)
    assert services.kit_reminders(at=tomorrow) == 1
    assert len(_notices(content)) == 2
    assert len(_notices(alice)) == len(_notices(bob)) == 1
    # and once the confirmation goes stale (the kit changed), Alpine is asked again
    KitConfirmation.objects.filter(kit=soon).update(stale=True)
    assert services.kit_reminders(at=tomorrow + timedelta(days=1)) == 3


def test_no_reminder_outside_the_window_or_for_a_complete_unpublished_kit(soon, content, alice):
    # a kit further out than LAUNCH_REMINDER_DAYS, or past go-live: nothing
    soon.go_live_at = timezone.now() + timedelta(days=settings.LAUNCH_REMINDER_DAYS + 1)
    soon.save()
    assert services.kit_reminders() == 0
    soon.go_live_at = timezone.now() - timedelta(hours=1)
    soon.save()
    assert services.kit_reminders() == 0
    # a ready, unpublished kit in the window: nobody to tell
    LaunchKit.objects.filter(pk=soon.pk).update(go_live_at=timezone.now() + timedelta(days=2),
                                                readiness=100, published=False)
    assert services.kit_reminders() == 0
    assert not Notice.objects.exists()


def test_the_reminders_run_daily_from_the_beat_schedule(soon, content, alice):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "launches.tasks.notify_launch_reminders")
    assert entry["schedule"].hour == {6}
    assert notify_launch_reminders.run() == 2  # content's digest, alice's reminder
    assert notify_launch_reminders.run() == 0


def test_owners_can_switch_the_incomplete_kits_digest_off_on_its_own(soon, content, alice,
                                                                      client):
    from notifications.models import Preference

    # the owners' digest is a kind of its own, listed on the preferences page with "Off"
    client.force_login(content)
    page = client.get("/notifications/preferences/").content.decode()
    assert "kind-launch_digest" in page and "Incomplete launch kits going live soon" in page
    # when the owner switches it off (acknowledgements due stay required)
    Preference.objects.create(user=content, kind=Notice.Kind.LAUNCH_DIGEST, delivery="off")
    # then the reminders tell alice, not the owner
    assert services.kit_reminders() == 1
    assert not Notice.objects.filter(user=content).exists()
    assert Notice.objects.get(user=alice).kind == Notice.Kind.ACK_DUE
