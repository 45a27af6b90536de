"""Case threads on Trading Grid: the link, the mirrored posts and the outbound outbox."""

from django.db import models
from django.utils import timezone


class CommunityThreadSetting(models.Model):
    """Per community: whether a case opened on the portal also opens a community thread."""

    community = models.OneToOneField("communities.Community", on_delete=models.CASCADE,
                                     related_name="thread_setting")
    open_threads_for_portal_cases = models.BooleanField(
        default=False, help_text="A case opened on the portal creates a thread in this "
                                 "community on Trading Grid.")

    def __str__(self) -> str:
        return f"{self.community}: {'threads' if self.open_threads_for_portal_cases else '-'}"


class CaseThread(models.Model):
    """A Trading Grid discussion thread and the case it carries.

    Held (no case) only when its author is not a current member: `held_reason` says why and
    support reads it in the admin; the partner is told politely. A thread about an asset its
    author cannot see (or about none) still opens a case, with no asset."""

    class Origin(models.TextChoices):
        TRADING_GRID = "trading_grid", "Trading Grid"
        PORTAL = "portal", "Portal"

    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="tg_thread")
    community = models.ForeignKey("communities.Community", on_delete=models.PROTECT,
                                  related_name="+")
    # Empty until the portal's create-thread post is delivered (origin portal).
    tg_thread_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    origin = models.CharField(max_length=12, choices=Origin.choices)
    remote_status = models.CharField(max_length=10, default="open")
    author_member_id = models.CharField(max_length=100, blank=True)
    last_seq = models.PositiveIntegerField(default=0, help_text="posts applied, in order")
    held_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.tg_thread_id or f"(thread of {self.case} not created yet)"


class ThreadPost(models.Model):
    """One post of a thread the portal has seen: mirrored in (a case message) or written out."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "From Trading Grid"
        OUTBOUND = "outbound", "From the portal"

    thread = models.ForeignKey(CaseThread, on_delete=models.CASCADE, related_name="posts")
    message = models.OneToOneField("cases.Message", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="tg_post")
    tg_post_id = models.CharField(max_length=100, unique=True)
    seq = models.PositiveIntegerField()
    direction = models.CharField(max_length=10, choices=Direction.choices)
    author_member_id = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # Trading Grid's updated_at of the last edit applied to `message` (older edits are stale).
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["thread", "seq"]

    def __str__(self) -> str:
        return f"{self.tg_post_id} #{self.seq}"


class ThreadOutbox(models.Model):
    """One post the portal owes a thread, written in the transaction of the change it carries.

    Delivered in primary-key order per thread by `cases.tasks.deliver_thread_posts` (and the
    periodic sweep); `idempotency_key` travels as the Idempotency-Key header, so a retry after
    a lost answer or a worker crash returns the first post instead of posting twice.
    """

    class Kind(models.TextChoices):
        CREATE_THREAD = "create_thread", "Create thread"
        POST = "post", "Post"

    thread = models.ForeignKey(CaseThread, on_delete=models.CASCADE, related_name="outbox")
    message = models.ForeignKey("cases.Message", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.POST)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Rendered at the first attempt (or when written, for notices without a message) and
    # then frozen, so every retry sends the same text.
    payload = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    tg_post_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["thread", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"
