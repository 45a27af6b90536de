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

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["key", "user"], name="notice_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return f"{self.title} ({self.user_id})"
