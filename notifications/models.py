"""The notification centre: what the portal tells one user, read or unread.

A Notice knows a title, a body and a link, never the asset or case behind it (the app that
writes it does). Its email goes through the one outbox (`cases.Notification`, a row whose
`notice` is set), so it is sent after commit, retried and never lost.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class NoticeQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    class Kind(models.TextChoices):
        NEW_VERSION = "new_version", "New version of something I downloaded"
        ACK_DUE = "ack_due", "Acknowledgement due"
        CASE_REPLY = "case_reply", "Case replies"
        NEW_ASSET = "new_asset", "New assets in my communities"
        # To a kit's owners: a partner flagged missing content or asked for another format.
        LAUNCH_FLAG = "launch_flag", "Partner flags on my launch kits"
        # To a kit's owners, N days before go-live: the kits that are not ready yet. A kind of
        # its own (not an acknowledgement due), so owners can batch or switch it off.
        LAUNCH_DIGEST = "launch_digest", "Incomplete launch kits going live soon"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="a path inside the portal")
    # What is announced ("version:<pk>", "ack-reminder:<pk>:<date>"): one notice per
    # (key, user) however often a task runs.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # How its email goes: at once, in the user's next daily digest ("digest:<user>:<date>"
    # once one took it), or not at all.
    email = models.CharField(max_length=10, default="immediate")
    digest_key = models.CharField(max_length=60, blank=True, db_index=True)
    # Inline images of its email: [{"caption": "Before: Version 1", "source": "<prefix>:<id>"}]
    # (notifications.images fetches them at send time).
    images = models.JSONField(default=list, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["key", "user"], name="notice_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return f"{self.title} ({self.user_id})"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


# Acknowledgement requests can be batched into the digest but never switched off.
REQUIRED_KINDS = {Notice.Kind.ACK_DUE}


class Preference(models.Model):
    """How one user wants one kind of notice; no row means immediately."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notice_preferences")
    kind = models.CharField(max_length=20, choices=Notice.Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices,
                                default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"],
                                               name="notice_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class DigestSchedule(models.Model):
    """Where a user's morning is, and the last local day a digest went out."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="digest_schedule")
    timezone = models.CharField(max_length=64, default="UTC")
    last_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} ({self.timezone})"
