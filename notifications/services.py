"""Telling users things: notices in the portal, each with its email through the one outbox.

`notify()` is called inside the caller's transaction; it writes the notices and their
outbox rows (`cases.Notification` with `notice` set) in batches, so memory stays bounded
however many users are told, and queues the emails after commit. The outbox's sweep sends
whatever a stopped worker left behind; a (key, user) pair is told once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from notifications.models import REQUIRED_KINDS, Delivery, DigestSchedule, Notice, Preference

BATCH = 1000


def notify(user_ids: Iterable[int], *, kind: str, key: str, title: str, body: str = "",
           url: str = "", email: bool | str = True, images: list[dict] | None = None) -> int:
    """Give each user one notice (and one email) for `key`; returns how many were new.

    `email`: True, its email as each user's preference says; False, none; "digest", only
    in the digest of those who chose one (the caller sends its own email to the others,
    e.g. a case's, so nobody gets two).

    `images`: inline pictures for the email ({"caption", "source"}, see notifications.images).
    """
    created = 0
    batch: list[int] = []
    for user_id in user_ids:
        batch.append(user_id)
        if len(batch) >= BATCH:
            created += _notify_batch(batch, kind, key, title, body, url, email, images or [])
            batch = []
    if batch:
        created += _notify_batch(batch, kind, key, title, body, url, email, images or [])
    return created


def _notify_batch(user_ids, kind, key, title, body, url, email, images) -> int:
    from django.contrib.auth import get_user_model

    ids = set(user_ids) - set(Notice.objects.filter(key=key, user_id__in=user_ids)
                              .values_list("user_id", flat=True))
    choice = dict(Preference.objects.filter(user_id__in=ids, kind=kind)
                  .values_list("user_id", "delivery"))
    if kind in REQUIRED_KINDS:
        choice = {pk: how for pk, how in choice.items() if how != Delivery.OFF}
    ids -= {pk for pk, how in choice.items() if how == Delivery.OFF}
    if not ids:
        return 0
    now = timezone.now()

    def how(pk) -> str:
        chosen = choice.get(pk, Delivery.IMMEDIATE)
        if email == "digest":
            return chosen if chosen == Delivery.DIGEST else Delivery.OFF
        return chosen if email else Delivery.OFF

    Notice.objects.bulk_create(
        [Notice(user_id=pk, kind=kind, key=key, title=title[:300], body=body, url=url,
                created_at=now, images=images, email=how(pk))
         for pk in sorted(ids)], ignore_conflicts=True)
    if email is True:
        notices = (Notice.objects.filter(key=key, user_id__in=ids,
                                         email=Delivery.IMMEDIATE)
                   .values_list("pk", "user_id"))
        emails = dict(get_user_model().objects.filter(pk__in=ids, is_active=True)
                      .values_list("pk", "email"))
        _outbox([(pk, emails[user]) for pk, user in notices if emails.get(user)])
    return len(ids)


def _outbox(pairs: list[tuple[int, str]]) -> None:
    """One outbox row per (notice, address), queued after commit."""
    from cases.models import Notification
    from cases.notifications import queue_ids

    keys = [f"notice:{pk}" for pk, _ in pairs]
    Notification.objects.bulk_create(
        [Notification(notice_id=pk, kind=Notification.Kind.NOTICE,
                      audience=Notification.Audience.PARTNER, recipient=address,
                      key=f"notice:{pk}") for pk, address in pairs], ignore_conflicts=True)
    queue_ids(list(Notification.objects.filter(key__in=keys, sent_at__isnull=True)
                   .values_list("pk", flat=True)))


def unread_count(user) -> int:
    return Notice.objects.unread().filter(user=user).count()


BADGE_MAX = 99


def unread_badge(user) -> str:
    """The header's count: "", "3" or "99+" (one indexed query that stops at 100 rows)."""
    ids = list(Notice.objects.unread().filter(user=user).order_by()
               .values_list("pk", flat=True)[:BADGE_MAX + 1])
    return "" if not ids else (f"{BADGE_MAX}+" if len(ids) > BADGE_MAX else str(len(ids)))


@transaction.atomic
def mark_read(user, notice_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notices read (all of them when `notice_ids` is None)."""
    rows = Notice.objects.unread().filter(user=user)
    if notice_ids is not None:
        rows = rows.filter(pk__in=list(notice_ids))
    return rows.update(read_at=timezone.now())


def mark_read_by_key(user_ids: Iterable[int], key: str) -> int:
    """Mark read what no longer needs doing (e.g. an acknowledgement request once done, or
    superseded by a newer one): the notices with exactly `key`, or, for a `key` ending in
    ":", every key it begins ("ack-reminder:7:" → each day's reminder of request 7)."""
    rows = Notice.objects.unread().filter(user_id__in=list(user_ids))
    rows = rows.filter(key__startswith=key) if key.endswith(":") else rows.filter(key=key)
    return rows.update(read_at=timezone.now())


DIGEST_HOUR = 7  # local time: "the next morning"


def _local(at, name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return at.astimezone(ZoneInfo(name))
    except (ZoneInfoNotFoundError, ValueError):
        return at.astimezone(ZoneInfo("UTC"))


def local_mornings(user_ids: list[int], at, hour: int = DIGEST_HOUR) -> dict[str, list[int]]:
    """{local date: user ids} of the users for whom it is `hour` o'clock or later on that
    date in their own time zone: the zone their pages show (portal.timezones: their choice,
    else their community's market). For once-a-day work."""
    from portal.timezones import user_zones

    zones = user_zones(user_ids)
    days: dict[str, list[int]] = {}
    for user_id in user_ids:
        local = _local(at, zones[user_id])
        if local.hour >= hour:
            days.setdefault(f"{local.date():%Y-%m-%d}", []).append(user_id)
    return days


@transaction.atomic
def send_digests(at=None) -> int:
    """Hourly: one email per user whose morning it is, with every notice waiting for it."""
    from django.contrib.auth import get_user_model

    from cases.models import Notification

    at = at or timezone.now()
    waiting = (Notice.objects.filter(email=Delivery.DIGEST, digest_key="", created_at__lte=at)
               .values_list("user_id", flat=True).distinct())
    from portal.timezones import user_zones

    rows = []
    users = list(get_user_model().objects.filter(pk__in=list(waiting), is_active=True))
    zones = user_zones([user.pk for user in users])
    for user in users:
        schedule, _ = DigestSchedule.objects.select_for_update().get_or_create(user=user)
        local = _local(at, zones[user.pk])
        if local.hour < DIGEST_HOUR or schedule.last_sent_on == local.date():
            continue
        key = f"digest:{user.pk}:{local.date():%Y-%m-%d}"
        Notice.objects.filter(user=user, email=Delivery.DIGEST, digest_key="",
                              created_at__lte=at).update(digest_key=key)
        schedule.last_sent_on = local.date()
        schedule.save(update_fields=["last_sent_on"])
        row, _ = Notification.objects.get_or_create(
            key=key, recipient=user.email,
            defaults={"kind": Notification.Kind.DIGEST,
                      "audience": Notification.Audience.PARTNER})
        rows.append(row.pk)
    from cases.notifications import queue_ids

    queue_ids(rows)
    return len(rows)


def set_preferences(user, choices: dict[str, str], tz: str | None = None) -> None:
    """Save a user's per-kind choices (acknowledgement requests cannot be switched off) and,
    given, their time zone: the one zone their pages show and their digests keep."""
    from zoneinfo import available_timezones

    for kind, how in choices.items():
        if kind not in Notice.Kind.values or how not in Delivery.values:
            raise ValueError(f"Unknown kind or delivery: {kind}={how}")
        if kind in REQUIRED_KINDS and how == Delivery.OFF:
            raise ValueError("Acknowledgement requests cannot be switched off.")
    if tz is not None and tz not in available_timezones():
        raise ValueError(f"Unknown time zone {tz!r}.")
    with transaction.atomic():
        for kind, how in choices.items():
            Preference.objects.update_or_create(user=user, kind=kind,
                                                defaults={"delivery": how})
        if tz is not None:
            DigestSchedule.objects.update_or_create(user=user, defaults={"timezone": tz})
            if tz != user.time_zone:
                user.time_zone = tz
                user.save(update_fields=["time_zone"])


def queue_email(*, kind: str, key: str, recipient: str, link: str = "",
                audience: str = "partner"):
    """Put one email in the outbox (idempotent per key and recipient) and queue its sending
    on commit: for senders with no notice behind them, e.g. a community invitation, whose
    recipient has no account yet. The sweep sends it should the queued task be lost."""
    from cases.models import Notification
    from cases.notifications import queue_ids

    row, _ = Notification.objects.get_or_create(
        key=key, recipient=recipient,
        defaults={"kind": kind, "audience": audience, "link": link})
    queue_ids([row.pk])
    return row
