"""Per partner organisation: the acknowledgement that it works from an asset's current version.

One *open* request per (asset, organisation): a newer approval supersedes a pending one
instead of stacking a second. Acknowledging is one click by any current member of the
organisation, recorded here and as `asset.acknowledged` in the audit chain.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AcknowledgementQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Acknowledgement.State.PENDING)

    def overdue(self, at=None):
        return self.pending().filter(due_at__lt=at or timezone.now())


class Acknowledgement(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Acknowledgement due"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        SUPERSEDED = "superseded", "Superseded by a newer version"

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE,
                              related_name="acknowledgements")
    version = models.ForeignKey("assets.AssetVersion", on_delete=models.CASCADE,
                                related_name="acknowledgements",
                                help_text="the version the organisation must confirm")
    partner = models.ForeignKey("communities.Partner", on_delete=models.CASCADE,
                                related_name="acknowledgements")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_ip = models.CharField(max_length=45, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_case = models.ForeignKey("cases.Case", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "partner"], condition=Q(state="pending"),
                                    name="one_pending_acknowledgement"),
            models.UniqueConstraint(fields=["version", "partner"], name="acknowledgement_once"),
        ]
        indexes = [models.Index(fields=["partner", "state"], name="ack_partner_state")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.asset} v{self.version.number} ({self.state})"

    @property
    def overdue(self) -> bool:
        return self.state == self.State.PENDING and self.due_at < timezone.now()


class KindPolicy(models.Model):
    """The content team's choice, per asset kind, of what currency demands (admin-editable).

    No row for a kind: the settings decide (`ASSET_CONTROLLED_KINDS`, `COMPLIANCE_BLOCK_KINDS`).
    """

    kind = models.OneToOneField("assets.AssetKind", on_delete=models.CASCADE,
                                related_name="compliance_policy")
    controlled = models.BooleanField(
        help_text="New versions need each receiving organisation's acknowledgement.")
    block_when_overdue = models.BooleanField(
        default=False, help_text="Past the due date, superseded versions stop downloading for "
                                 "the overdue organisation and a case is opened.")

    class Meta:
        verbose_name_plural = "kind policies"

    def __str__(self) -> str:
        return f"{self.kind}: {'controlled' if self.controlled else 'not controlled'}"


class ApprovalDueDate(models.Model):
    """The acknowledgement due date the reviewer chose when approving one version (else
    `COMPLIANCE_ACK_DAYS` after the release)."""

    version = models.OneToOneField("assets.AssetVersion", on_delete=models.CASCADE,
                                   related_name="acknowledgement_due")
    due_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.version_id}: due {self.due_at:%Y-%m-%d}"


class NewAssetsWatermark(models.Model):
    """Where the 'new assets in my communities' sweep stopped (one row)."""

    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"new assets announced until {self.until:%Y-%m-%d %H:%M}"
