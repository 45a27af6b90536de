"""The invitation email goes through the one email outbox like every other email: a row
written in the invitation's transaction, sent once, retried by the sweep when its task is
lost, with its one-time link cleared once sent; a withdrawn invitation is never sent."""

from datetime import timedelta

from django.core import mail

from cases import notifications as outbox
from cases.models import Notification
from communities.services import invitation_create, invitation_withdraw


def test_an_invitation_is_an_outbox_row_sent_once_with_html(alice, eu_retailers,
                                                            django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(inviter=alice, community=eu_retailers,
                                              email="dora@alpine-outfitters.example")
    # then
    row = Notification.objects.get(kind="invitation")
    assert (row.key, row.recipient) == (f"invitation:{invitation.pk}",
                                        "dora@alpine-outfitters.example")
    assert row.sent_at is not None and row.link == ""  # the one-time link is not kept
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert token in email.body
    assert email.alternatives and email.alternatives[0][1] == "text/html"
    assert outbox.deliver(row.pk) is False  # a retried task sends nothing more
    assert len(mail.outbox) == 1


def test_a_lost_task_is_sent_by_the_sweep(alice, eu_retailers):
    # given: the row is committed but its task never ran (no on-commit callbacks here)
    invitation, token = invitation_create(inviter=alice, community=eu_retailers,
                                          email="dora@alpine-outfitters.example")
    row = Notification.objects.get(kind="invitation")
    Notification.objects.filter(pk=row.pk).update(created_at=row.created_at - timedelta(hours=1))
    # when
    for pk in outbox.pending(older_than=timedelta(minutes=5)):
        outbox.deliver(pk)
    # then
    assert [m.to for m in mail.outbox] == [["dora@alpine-outfitters.example"]]
    assert token in mail.outbox[0].body


def test_an_invitation_withdrawn_before_sending_is_never_sent(alice, eu_retailers):
    invitation, _ = invitation_create(inviter=alice, community=eu_retailers,
                                      email="dora@alpine-outfitters.example")
    invitation_withdraw(invitation=invitation, actor=alice)
    row = Notification.objects.get(kind="invitation")
    assert outbox.deliver(row.pk) is False
    row.refresh_from_db()
    assert mail.outbox == [] and row.sent_at is not None and row.link == ""
