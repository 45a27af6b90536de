"""Escalation: daily reminders until acknowledged; overdue organisations; blocking a kind's
superseded versions and opening one case."""

from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

from django.core import mail

from assets import releases
from assets.cloudinary import client
from cases.models import Case
from compliance import selectors, services
from compliance.models import Acknowledgement
from notifications.models import Notice


def _public_id(link):
    return parse_qs(urlsplit(link).query)["public_id"][0]


def _overdue(ack):
    return ack.due_at + timedelta(hours=1)


def test_reminders_go_out_daily_until_acknowledged(bob, alice, packaging, presets, download,
                                                   release, django_capture_on_commit_callbacks):
    # given
    download(bob, packaging)
    release(packaging)
    ack = Acknowledgement.objects.get()
    mail.outbox.clear()
    day1 = (ack.requested_at + timedelta(days=1)).replace(hour=8)  # 08:00 UTC, bob's zone
    # requested early on day 0, so day 1's 08:00 run is a full day later whatever the clock
    # says when the suite runs (reminders wait 23 hours after the request)
    Acknowledgement.objects.filter(pk=ack.pk).update(requested_at=day1 - timedelta(hours=26))
    # when: the hourly run, twice the same day, then the next day
    with django_capture_on_commit_callbacks(execute=True):
        first = services.remind(at=day1)
        again = services.remind(at=day1 + timedelta(hours=2))
        nextday = services.remind(at=day1 + timedelta(days=1))
    # then: one reminder per member per day
    assert (first, again, nextday) == (2, 0, 2)
    assert len(mail.outbox) == 4
    assert Notice.objects.filter(key__startswith="ack-reminder:").count() == 4
    # when: acknowledged, nothing more
    services.acknowledge(user=bob, asset=packaging)
    assert services.remind(at=day1 + timedelta(days=2)) == 0


def test_past_the_due_date_the_report_says_overdue(bob, alpine, packaging, presets, download,
                                                   release):
    # given
    download(bob, packaging)
    release(packaging)
    ack = Acknowledgement.objects.get()
    Acknowledgement.objects.filter(pk=ack.pk).update(due_at=ack.requested_at - timedelta(days=1))
    # when
    [row] = selectors.currency(packaging)
    # then
    assert row["status"] == "on v1, overdue" and row["overdue"]


def test_overdue_with_blocking_revokes_superseded_links_offers_the_current_and_opens_one_case(
        bob, alice, alpine, packaging, presets, download, release, settings, client_for,
        django_capture_on_commit_callbacks):
    # given: blocking on for packaging; bob holds a link to version 1
    settings.COMPLIANCE_BLOCK_KINDS = ["packaging"]
    old_link = download(bob, packaging)["Location"]
    v1 = packaging.versions.get(number=1)
    assert _public_id(old_link) == v1.delivery_public_id
    v2 = release(packaging)
    ack = Acknowledgement.objects.get()
    # when: the daily run past the due date, twice (and Cloudinary renames the copy)
    with mock.patch.object(client, "rename_delivery", autospec=True) as rename, \
            mock.patch.object(client, "restrict_master", autospec=True), \
            django_capture_on_commit_callbacks(execute=True):
        services.remind(at=_overdue(ack))
        services.escalate(at=_overdue(ack))
        services.remind(at=_overdue(ack) + timedelta(days=1))
        services.escalate(at=_overdue(ack) + timedelta(days=1))
    # then: version 1's copy moved to a new id, so bob's old link is dead at the CDN
    rename.assert_called_once_with(from_public_id=v1.delivery_public_id,
                                   to_public_id=mock.ANY, resource_type="image")
    v1.refresh_from_db()
    assert v1.delivery_public_id != _public_id(old_link)
    # and the portal's download offers the current version
    current = client_for(bob).get(f"/assets/{packaging.pk}/download/original/")["Location"]
    assert _public_id(current) == v2.delivery_public_id
    # and one case was opened for Alpine, not one per reminder
    [case] = Case.objects.all()
    assert case.partner == alpine and case.opener == alice
    assert "Opened automatically by the portal" in case.messages.get().body
    assert Acknowledgement.objects.get().escalated_case == case


def test_the_portals_overdue_case_says_who_opened_it_and_closes_when_alice_acknowledges(
        bob, alice, alpine, packaging, presets, download, release, settings,
        client_for, django_capture_on_commit_callbacks):
    # given: Alpine is overdue on a blocking kind and the portal opened its case
    settings.COMPLIANCE_BLOCK_KINDS = ["packaging"]
    download(bob, packaging)
    v2 = release(packaging)
    ack = Acknowledgement.objects.get()
    with mock.patch.object(client, "rename_delivery", autospec=True), \
            mock.patch.object(client, "restrict_master", autospec=True), \
            django_capture_on_commit_callbacks(execute=True):
        services.escalate(at=_overdue(ack))
    case = Case.objects.get()
    # then: the case is the portal's, with alice as Alpine's contact, not its author
    assert case.opened_by_portal and case.messages.get().author is None
    page = client_for(alice).get(f"/cases/{case.reference}/").content.decode()
    assert "The portal, automatically, for Alpine Outfitters GmbH" in page
    assert "The portal (automatic)" in client_for(alice).get("/cases/").content.decode()
    assert client_for(alice).get(f"/api/v1/cases/{case.pk}/").json()["opened_by_portal"]
    # when: alice confirms version 2
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge(user=alice, asset=packaging, number=v2.number)
    # then: the case has done its job and is closed, saying why
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert "confirmed it works from Version 2" in case.messages.latest("pk").body


def test_without_blocking_an_overdue_organisation_keeps_its_links_and_gets_no_case(
        bob, packaging, presets, download, release):
    # given
    download(bob, packaging)
    release(packaging)
    ack = Acknowledgement.objects.get()
    # when
    with mock.patch.object(releases, "schedule_revocation") as revoke:
        services.escalate(at=_overdue(ack))
    # then
    revoke.assert_not_called()
    assert not Case.objects.exists()


def test_a_reminder_goes_out_at_seven_in_each_members_own_time_zone(
        bob, alice, packaging, presets, download, release):
    # given: bob lives in Tokyo, alice has no setting (UTC)
    from notifications.services import set_preferences

    set_preferences(bob, {}, tz="Asia/Tokyo")
    download(bob, packaging)
    release(packaging)
    ack = Acknowledgement.objects.get()
    evening = (ack.requested_at + timedelta(days=1)).replace(hour=21, minute=30)
    Acknowledgement.objects.filter(pk=ack.pk).update(requested_at=evening - timedelta(hours=26))
    # when: 21:30 UTC is 06:30 in Tokyo; 22:00 UTC is 07:00 there
    first = services.remind(at=evening)
    later = services.remind(at=evening + timedelta(minutes=30))
    # then: alice at her morning's run, bob only once it is seven in Tokyo
    keys = dict(Notice.objects.filter(key__startswith="ack-reminder:")
                .values_list("user__email", "key"))
    assert (first, later) == (1, 1)
    tokyo_day = (evening + timedelta(hours=9, minutes=30)).date()
    assert keys == {alice.email: f"ack-reminder:{ack.pk}:{evening:%Y-%m-%d}",
                    bob.email: f"ack-reminder:{ack.pk}:{tokyo_day:%Y-%m-%d}"}


def test_the_admin_decides_which_kinds_are_controlled_and_block(
        bob, packaging, alice_asset, presets, download, release):
    # given: the content team switches packaging off and alice_asset's kind on, blocking
    from compliance.models import KindPolicy
    from tests import factories as f

    alice_asset.kind = f.AssetKindFactory(slug="banner", name="Banner")
    alice_asset.save(update_fields=["kind"])
    KindPolicy.objects.create(kind=packaging.kind, controlled=False)
    KindPolicy.objects.create(kind=alice_asset.kind, controlled=True, block_when_overdue=True)
    download(bob, packaging)
    download(bob, alice_asset)
    # when
    release(packaging)
    release(alice_asset)
    # then: only alice_asset's kind asks for an acknowledgement, and it blocks when overdue
    assert list(Acknowledgement.objects.values_list("asset_id", flat=True)) == [alice_asset.pk]
    assert services.blocks_when_overdue(alice_asset)
    assert not services.needs_acknowledgement(packaging)
