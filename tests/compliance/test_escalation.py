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
    day1 = ack.requested_at + timedelta(days=1)
    # when: the daily run, run twice the same day, then the next day
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
