"""Cases: a partner's report about an asset, and the thread that resolves it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.roles import is_brand_staff
from portal.validators import no_control_characters


def partner_ids_administered_by(user):
    """A subquery of the partner organisations `user` is a current partner admin of."""
    from communities.models import Membership

    return (Membership.objects.current().filter(user=user, role=Membership.Role.PARTNER_ADMIN)
            .values("partner_id"))


class CaseQuerySet(models.QuerySet):
    def for_user(self, user):
        """The cases `user` may read: staff all; partner admins their organisations'; members
        their own. Pages, API and emails all go through this one rule."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if is_brand_staff(user):
            return self
        return self.filter(Q(opener=user) | Q(partner_id__in=partner_ids_administered_by(user)))

    def open(self):
        return self.filter(status__in=Case.OPEN_STATUSES)

    def overdue(self, at=None):
        return self.open().filter(sla_due_at__lt=at or timezone.now())


class Case(models.Model):
    """A partner's problem with an asset, from opening to resolution."""

    class Category(models.TextChoices):
        MISSING_ASSET = "missing_asset", "Missing asset"
        INCORRECT_ASSET = "incorrect_asset", "Incorrect asset"
        PLAYBACK = "playback", "Playback or rendering problem"
        QUALITY = "quality", "Quality feedback (slow loading, cropping, mobile rendering)"
        ALTERNATE_FORMAT = "alternate_format", "Alternate format request"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING_ON_PARTNER = "waiting_on_partner", "Waiting on partner"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class ResolutionKind(models.TextChoices):
        VERSION = "version", "Corrected version"
        REPLACEMENT = "replacement", "Replacement asset"
        LINK = "link", "Link"

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_PARTNER)

    reference = models.CharField(max_length=30, unique=True, blank=True)
    partner = models.ForeignKey("communities.Partner", on_delete=models.PROTECT,
                                related_name="cases")
    opener = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="opened_cases")
    # Opened by the portal itself (an overdue acknowledgement), in the name of `opener`, the
    # organisation's contact for it: pages say so instead of showing them as its author.
    opened_by_portal = models.BooleanField(default=False)
    community = models.ForeignKey("communities.Community", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="cases")
    # None for a report about something not in the catalog yet ("Missing asset", a launch-kit
    # slot with nothing in it, a community thread about an asset the author cannot see).
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="cases")
    asset_version = models.ForeignKey("assets.AssetVersion", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    subject = models.CharField(max_length=200, validators=[no_control_characters])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW,
                              db_index=True)
    priority = models.CharField(max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_cases")
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_reminded_at = models.DateTimeField(null=True, blank=True)

    resolution_kind = models.CharField(max_length=12, choices=ResolutionKind.choices,
                                       blank=True)
    resolution_version = models.ForeignKey("assets.AssetVersion", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    resolution_asset = models.ForeignKey("assets.Asset", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    resolution_link = models.URLField(max_length=1000, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The partner said the resolution fixed the problem ("This fixed it"); cleared when the
    # case is reopened or resolved anew.
    fixed_confirmed_at = models.DateTimeField(null=True, blank=True)
    fixed_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def resolution_event_key(self) -> str:
        """The event key of the system message that announced the current resolution."""
        return f"resolution:{self.resolved_at:%Y%m%dT%H%M%S.%f}" if self.resolved_at else ""


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Messages `user` may read: partners never get internal notes (pages, API, emails)."""
        if is_brand_staff(user):
            return self
        return self.exclude(kind=Message.Kind.INTERNAL)


class Message(models.Model):
    """One entry in a case's thread: a reply, a staff-only internal note or a system message."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        INTERNAL = "internal", "Internal note"
        SYSTEM = "system", "System message"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    body = models.TextField()
    referenced_assets = models.ManyToManyField("assets.Asset", blank=True, related_name="+")
    # Set on system messages that must be written once (e.g. "version:<pk>"), so a retried
    # sync or a signal sent twice does not repeat them.
    event_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "event_key"], condition=~Q(event_key=""),
                                    name="case_message_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case.reference}"

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL


class CaseCounter(models.Model):
    """The last reference number handed out in a year (locked while allocating the next)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Notification(models.Model):
    """One email to one recipient about a case: the outbox that makes sending idempotent.

    Rows are written in the same transaction as the change they announce, so an email is
    never lost when no worker runs: the queued task, or the periodic sweep, sends it later.
    """

    class Kind(models.TextChoices):
        CASE_OPENED = "case_opened", "New case"
        REPLY = "reply", "Reply"
        RESOLVED = "resolved", "Resolution"
        SLA_REMINDER = "sla_reminder", "SLA reminder"
        REOPENED = "reopened", "Reopened"
        NEW_VERSION = "new_version", "New version published"
        NOTICE = "notice", "Notification centre notice"
        DIGEST = "digest", "Notification centre daily digest"
        INVITATION = "invitation", "Invitation to a community"

    class Audience(models.TextChoices):
        PARTNER = "partner", "Partner"
        STAFF = "staff", "Support staff"

    # A case email names its case; a notification centre email names its notice instead.
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications")
    notice = models.ForeignKey("notifications.Notice", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="emails")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    recipient = models.EmailField()
    # What is announced: "message:<pk>" or "sla:<case pk>:<due time>"; one email per
    # (key, recipient) however often a task is retried.
    key = models.CharField(max_length=100)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A one-time link the email carries (an invitation's acceptance path, whose token is
    # stored nowhere else): kept only until the email is sent, then cleared.
    link = models.CharField(max_length=500, blank=True, db_default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="case_notification_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.key})"


from cases.attachment_models import CaseAttachment  # noqa: E402,F401  (screenshots: #18)
from cases.rendering_models import (  # noqa: E402,F401  (rendering quality: #15)
    RenderingFix,
    RenderingReport,
)
from cases.thread_models import (  # noqa: E402,F401  (Trading Grid threads: #16)
    CaseThread,
    CommunityThreadSetting,
    ThreadOutbox,
    ThreadPost,
)
