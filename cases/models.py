"""Cases: a partner's report about an asset, and the thread that resolves it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    community = models.ForeignKey("communities.Community", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="cases")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="cases")
    asset_version = models.ForeignKey("assets.AssetVersion", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    subject = models.CharField(max_length=200)
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
    closed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Message(models.Model):
    """One entry in a case's thread."""

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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case.reference}"

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL
