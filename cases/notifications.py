"""Case emails: who is told what (the outbox rows), and sending one row, exactly once.

Services call `announce()` inside their transaction: it writes one Notification row per
recipient and queues a task per row on commit. A row is the promise of an email, so an
email survives a stopped worker (the task waits in Redis, and the sweep re-queues rows
whose task was lost). Partners are never sent an internal note: such a message gets no
partner rows, and `deliver()` refuses one again should it ever find one.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Message, Notification
from communities.models import Membership
from portal.validators import single_line

logger = logging.getLogger(__name__)
Kind = Notification.Kind
Audience = Notification.Audience
# A claimed row whose sender died is claimable again after this long.
CLAIM_TIMEOUT = timedelta(minutes=10)
REFUSED = "internal note: refused"

SUBJECTS = {
    Kind.CASE_OPENED: "New case",
    Kind.REPLY: "New reply",
    Kind.RESOLVED: "Resolved",
    Kind.SLA_REMINDER: "SLA due soon",
    Kind.REOPENED: "Reopened",
    Kind.NEW_VERSION: "New version published",
}


def _partner_admin_emails(case: Case) -> list[str]:
    return list(Membership.objects.current()
                .filter(partner_id=case.partner_id, role=Membership.Role.PARTNER_ADMIN)
                .values_list("user__email", flat=True).distinct())


def _staff_recipient(case: Case) -> str:
    return case.assignee.email if case.assignee_id else settings.SUPPORT_EMAIL


def recipients(case: Case, message: Message, kind: str,
               actor=None) -> list[tuple[str, str]]:
    """(email, audience) pairs for an announcement; the author (or `actor`, for a system
    message written on someone's behalf) is never told of their own doing."""
    from accounts.roles import is_brand_staff

    if message.kind == Message.Kind.INTERNAL:
        return []
    if kind == Kind.CASE_OPENED:
        pairs = [(settings.SUPPORT_EMAIL, Audience.STAFF)]
        if case.assignee_id:
            pairs.append((case.assignee.email, Audience.STAFF))
    elif kind == Kind.REOPENED:
        pairs = [(_staff_recipient(case), Audience.STAFF)]
    elif kind == Kind.NEW_VERSION:
        pairs = [(case.opener.email, Audience.PARTNER)]
    elif kind == Kind.RESOLVED:
        pairs = [(case.opener.email, Audience.PARTNER)]
        pairs += [(email, Audience.PARTNER) for email in _partner_admin_emails(case)]
    elif message.author_id and is_brand_staff(message.author):
        pairs = [(case.opener.email, Audience.PARTNER)]
    else:
        pairs = [(_staff_recipient(case), Audience.STAFF)]
    author_email = (message.author.email if message.author_id else "").lower()
    actor_email = (getattr(actor, "email", "") or "").lower()
    seen, unique = set(), []
    for email, audience in pairs:
        if email and email.lower() not in seen and email.lower() not in (author_email,
                                                                         actor_email):
            seen.add(email.lower())
            unique.append((email, audience))
    return unique


def _partner_choices(emails: list[str]) -> dict[str, str]:
    """{lowercased email: delivery} of the partner users among `emails` who chose a digest
    or nothing for case news (the notification centre's "Case replies"); the rest want it
    at once."""
    from notifications.models import Delivery, Notice, Preference

    return {email.lower(): how for email, how in Preference.objects.filter(
        user__email__in=emails, kind=Notice.Kind.CASE_REPLY,
        delivery__in=[Delivery.DIGEST, Delivery.OFF]).values_list("user__email", "delivery")}


def announce(case: Case, message: Message, kind: str, actor=None) -> list[Notification]:
    """Write the outbox rows for `message` and queue their sending after commit. A partner
    whose "Case replies" preference is a digest or off gets no email of its own: the notice
    (below) carries the news into the digest, or nowhere."""
    pairs = recipients(case, message, kind, actor=actor)
    held = _partner_choices([email for email, audience in pairs if audience == Audience.PARTNER])
    rows = []
    for email, audience in pairs:
        if audience == Audience.PARTNER and email.lower() in held:
            continue
        row, _ = Notification.objects.get_or_create(
            key=f"message:{message.pk}", recipient=email,
            defaults={"case": case, "message": message, "kind": kind, "audience": audience})
        rows.append(row)
    queue(rows)
    _notify_partners(case, message, kind,
                     [email for email, audience in pairs if audience == Audience.PARTNER])
    return rows


def _notify_partners(case: Case, message: Message, kind: str, emails: list[str]) -> None:
    """The same news in the partners' notification centre: the case email above is theirs
    when they want it at once, the digest's otherwise (notify drops those who chose off)."""
    from django.contrib.auth import get_user_model

    from notifications.models import Notice
    from notifications.services import notify

    if not emails:
        return
    users = get_user_model().objects.filter(email__in=emails).values_list("pk", flat=True)
    notify(list(users), kind=Notice.Kind.CASE_REPLY, key=f"case-message:{message.pk}",
           title=f"[{case.reference}] {SUBJECTS[kind]}: {case.subject}",
           url=reverse("cases:detail", args=[case.reference]), email="digest")


def queue(rows: list[Notification]) -> None:
    queue_ids([row.pk for row in rows])


def queue_ids(ids: list[int]) -> None:
    """Queue the sending of these outbox rows once the transaction commits."""
    from cases.tasks import send_notification

    # robust: a broker hiccup after commit is logged, not raised at the user; the sweep
    # (send_pending_notifications) sends the rows later.
    transaction.on_commit(lambda: [send_notification.delay(pk) for pk in ids], robust=True)


def _claim(notification_id: int) -> bool:
    now = timezone.now()
    return Notification.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT),
        pk=notification_id, sent_at__isnull=True,
    ).update(claimed_at=now, attempts=F("attempts") + 1) == 1


def build_email(row: Notification) -> EmailMultiAlternatives | None:
    """The email for one outbox row: plain text with an HTML alternative (None: the row's
    news is void, e.g. an invitation withdrawn before it was sent)."""
    if row.notice_id:
        from notifications.emails import build_notice_email

        return build_notice_email(row.notice, row.recipient)
    if row.kind == Kind.DIGEST:
        from notifications.emails import build_digest_email

        return build_digest_email(row.key, row.recipient)
    if row.kind == Kind.INVITATION:
        from communities.emails import build_invitation_email

        return build_invitation_email(row)
    case = row.case
    path = reverse("cases:detail", args=[case.reference])
    context = {"case": case, "message": row.message, "notification": row,
               "recipient": row.recipient, "staff": row.audience == Audience.STAFF,
               "case_url": f"{settings.SITE_URL}{path}", "brand_name": settings.BRAND_NAME,
               "support_email": settings.SUPPORT_EMAIL,
               "reopen_days": settings.CASE_REOPEN_WINDOW_DAYS}
    template = f"email/cases/{row.kind}"
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    # single_line: a subject must never make the message unsendable (BadHeaderError).
    subject = single_line(f"[{case.reference}] {SUBJECTS[row.kind]}: {case.subject}")
    email = EmailMultiAlternatives(subject=subject, body=text,
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[row.recipient],
                                   reply_to=[settings.SUPPORT_EMAIL])
    email.attach_alternative(html, "text/html")
    return email


def deliver(notification_id: int) -> bool:
    """Send one outbox row unless it is sent or being sent; True if this call sent it."""
    if not _claim(notification_id):
        return False
    row = (Notification.objects.select_related("case__opener", "message__author", "notice")
           .get(pk=notification_id))
    if row.audience == Audience.PARTNER and row.message and row.message.is_internal:
        logger.error("Refused to email internal note %s to a partner", row.message_id)
        Notification.objects.filter(pk=row.pk).update(last_error=REFUSED)
        return False
    try:
        email = build_email(row)
        if email is None:  # nothing to say any more (an invitation withdrawn or accepted)
            Notification.objects.filter(pk=row.pk).update(
                sent_at=timezone.now(), link="", last_error="not sent: no longer needed")
            return False
        email.send()
    except Exception as exc:
        Notification.objects.filter(pk=row.pk).update(claimed_at=None, last_error=str(exc)[:500])
        raise
    Notification.objects.filter(pk=row.pk).update(sent_at=timezone.now(), last_error="",
                                                  link="")
    return True


def pending(older_than: timedelta) -> list[int]:
    """Unsent, unclaimed (or stale) rows older than `older_than`: their task was lost."""
    now = timezone.now()
    return list(Notification.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT),
        sent_at__isnull=True, created_at__lt=now - older_than,
    ).exclude(last_error=REFUSED).order_by("pk").values_list("pk", flat=True)[:500])


@transaction.atomic
def remind_due_cases(at=None) -> list[Notification]:
    """Outbox rows reminding assignees of open cases whose SLA is due within the window."""
    from cases.sla import reminder_window

    at = at or timezone.now()
    window = reminder_window()
    not_reminded = Q(sla_reminded_at__isnull=True) | Q(
        sla_reminded_at__lt=F("sla_due_at") - window)
    due = (Case.objects.open().select_for_update(of=("self",))
           .filter(not_reminded, assignee__isnull=False, sla_due_at__lte=at + window)
           .select_related("assignee").order_by("pk"))
    rows = []
    for case in due:
        row, _ = Notification.objects.get_or_create(
            key=f"sla:{case.pk}:{case.sla_due_at:%Y%m%dT%H%M%S}", recipient=case.assignee.email,
            defaults={"case": case, "kind": Kind.SLA_REMINDER, "audience": Audience.STAFF})
        rows.append(row)
        Case.objects.filter(pk=case.pk).update(sla_reminded_at=at)
    queue(rows)
    return rows
