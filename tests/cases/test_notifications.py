"""Case emails: who gets what, both parts, exactly once, and never an internal note."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases import notifications, services, tasks
from cases.models import Case, Notification
from tests import factories as f


def test_a_new_case_emails_support(bob_case, settings):
    # then
    assert [m.to for m in mail.outbox] == [[settings.SUPPORT_EMAIL]]
    email = mail.outbox[0]
    assert email.subject == f"[{bob_case.reference}] New case: Wrong packaging photo"
    assert "The photo shows last year's box." in email.body
    assert email.alternatives[0][1] == "text/html"
    assert f"/cases/{bob_case.reference}/" in email.alternatives[0][0]


def test_a_support_reply_emails_the_opener(bob_case, bob, support,
                                           django_capture_on_commit_callbacks):
    # given
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=support, body="Which market?")
    # then
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert "Which market?" in mail.outbox[0].body


def test_a_partner_reply_emails_the_assignee(bob_case, bob, support,
                                             django_capture_on_commit_callbacks):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=bob, body="Germany.")
    # then
    assert [m.to for m in mail.outbox] == [[support.email]]


def test_a_resolution_emails_the_opener_and_their_partner_admin(
        bob_case, bob, alice, support, alice_asset, django_capture_on_commit_callbacks):
    # given
    mail.outbox.clear()
    corrected = f.AssetVersionFactory(asset=alice_asset)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                              version=corrected, note="Fixed the box photo.")
    # then
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.email, alice.email])
    assert all(corrected.label in m.body for m in mail.outbox)
    assert all("Fixed the box photo." in m.alternatives[0][0] for m in mail.outbox)


def test_an_internal_note_sends_no_email(bob_case, support,
                                         django_capture_on_commit_callbacks):
    # given
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=support, body="note", internal=True)
    # then
    assert mail.outbox == []


def test_sending_twice_sends_once(bob_case):
    # given
    row = Notification.objects.get(case=bob_case)
    mail.outbox.clear()
    # when
    again = tasks.send_notification.delay(row.pk).get()
    # then
    assert again is False and mail.outbox == []


def test_a_partner_row_for_an_internal_note_is_refused_at_send_time(bob_case, bob, support):
    # given: a row that should never exist (e.g. written by a bug elsewhere)
    note = bob_case.messages.create(author=support, kind="internal", body="secret")
    row = Notification.objects.create(case=bob_case, message=note, kind="reply",
                                      audience="partner", recipient=bob.email,
                                      key=f"message:{note.pk}")
    mail.outbox.clear()
    # when
    sent = notifications.deliver(row.pk)
    # then
    assert sent is False and mail.outbox == []


def test_a_failed_send_is_kept_for_a_retry(bob_case, monkeypatch):
    # given
    Notification.objects.update(sent_at=None, claimed_at=None)
    row = Notification.objects.get(case=bob_case)

    def smtp_down(self, *a, **k):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", smtp_down)
    # when
    with pytest.raises(OSError):
        notifications.deliver(row.pk)
    # then
    row.refresh_from_db()
    assert row.sent_at is None and row.claimed_at is None
    assert "connection refused" in row.last_error


def test_the_sweep_sends_rows_whose_task_was_lost(bob_case, settings):
    # given: a row written, its task never run
    Notification.objects.update(sent_at=None, claimed_at=None,
                                created_at=timezone.now() - timedelta(minutes=10))
    mail.outbox.clear()
    # when
    count = tasks.send_pending_notifications.delay().get()
    # then
    assert count == 1 and [m.to for m in mail.outbox] == [[settings.SUPPORT_EMAIL]]
    assert tasks.send_pending_notifications.delay().get() == 0


def test_assignees_are_reminded_once_of_cases_close_to_their_sla(
        bob_case, support, django_capture_on_commit_callbacks):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    Case.objects.filter(pk=bob_case.pk).update(sla_due_at=timezone.now() + timedelta(hours=2))
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.notify_sla_reminders.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.notify_sla_reminders.delay().get()
    # then
    assert (first, second) == (1, 0)
    assert [m.to for m in mail.outbox] == [[support.email]]
    assert "SLA due soon" in mail.outbox[0].subject


def test_cases_far_from_their_sla_are_not_reminded(bob_case, support):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    # then (due in 72 hours)
    assert tasks.notify_sla_reminders.delay().get() == 0


@pytest.mark.parametrize("choice", ["digest", "off"])
def test_the_case_replies_preference_governs_the_email_not_only_the_notice(
        choice, bob_case, bob, support, django_capture_on_commit_callbacks):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from notifications import services as centre
    from notifications.models import Notice

    # given: bob wants case news as a daily digest, or not at all
    centre.set_preferences(bob, {"case_reply": choice}, tz="Europe/Berlin")
    mail.outbox.clear()
    # when: support answers his case
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=support, body="Which market?")
    # then: no email at once
    assert mail.outbox == []
    notices = Notice.objects.filter(user=bob, kind=Notice.Kind.CASE_REPLY)
    morning = datetime.now(ZoneInfo("Europe/Berlin")).replace(hour=7, minute=5) + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        sent = centre.send_digests(at=morning)
    if choice == "off":  # nothing at all: no notice, no digest
        assert not notices.exists() and sent == 0 and mail.outbox == []
    else:  # the reply waits for the next morning's digest, once
        assert notices.get().email == "digest" and sent == 1
        [digest] = mail.outbox
        assert digest.to == [bob.email] and bob_case.reference in digest.body


def test_a_partner_who_wants_case_replies_at_once_gets_one_email_not_two(
        bob_case, bob, support, django_capture_on_commit_callbacks):
    from notifications.models import Notice

    # given
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=support, body="Which market?")
    # then: the case email, and a notice in the centre that sends none of its own
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert Notice.objects.get(user=bob, kind=Notice.Kind.CASE_REPLY).email == "off"


def test_a_database_that_is_busy_for_a_moment_is_retried_soon_not_lost(bob_case, monkeypatch):
    from django.db import OperationalError

    # given: the first attempt meets SQLite's "table is locked" (another writer holds it)
    Notification.objects.update(sent_at=None, claimed_at=None)
    row = Notification.objects.get(case=bob_case)
    real, calls = notifications.deliver, []

    def busy_once(pk):
        calls.append(pk)
        if len(calls) == 1:
            raise OperationalError("database table is locked: cases_notification")
        return real(pk)

    monkeypatch.setattr(notifications, "deliver", busy_once)
    mail.outbox.clear()
    # when / then: the task asks to run again within a second or two (not lost, not in 30 s)
    from celery.exceptions import Retry

    with pytest.raises(Retry) as retry:
        tasks.send_notification.apply(args=[row.pk], throw=True).get()
    assert 0 < retry.value.when <= 2
    # ...and the retry sends it, once
    assert tasks.send_notification.apply(args=[row.pk]).get() is True
    assert calls == [row.pk, row.pk] and len(mail.outbox) == 1
