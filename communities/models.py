"""Trading Grid communities, partner organisations, memberships and publications.

Membership in a community is the access control: a partner sees what is
published to a community in which they hold an active, currently valid
membership (communities.visibility).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Community(models.Model):
    """An OpenText Active Community community on Trading Grid."""

    class Kind(models.TextChoices):
        DISTRIBUTORS = "distributors", "Distributors"
        RESELLERS = "resellers", "Resellers"
        RETAILERS = "retailers", "Retailers"
        SUPPLIERS = "suppliers", "Suppliers"
        LOGISTICS = "logistics", "Logistics"
        OTHER = "other", "Other"

    tg_id = models.CharField("Trading Grid id", max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True)
    markets = models.ManyToManyField("assets.Market", blank=True, related_name="communities")
    languages = models.JSONField(
        default=list, blank=True,
        help_text='BCP 47 tags in order of preference, e.g. ["ja-JP"], set by the content team; '
                  "empty: the languages Trading Grid gives the community, then those of its "
                  "markets")
    tg_languages = models.JSONField(
        "Trading Grid languages", default=list, blank=True,
        help_text="BCP 47 tags Trading Grid gives the community (mirrored by the sync)")
    presets = models.ManyToManyField(
        "assets.DownloadPreset", blank=True, related_name="communities",
        help_text="download presets only this community's members get (a preset in no "
                  "community is offered to everyone)")
    active = models.BooleanField(default=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name

    @property
    def default_languages(self) -> list[str]:
        """The languages the community prefers, best first, without its markets': the
        content team's when set (they win), else Trading Grid's."""
        own = [str(tag) for tag in self.languages or [] if str(tag).strip()]
        return own or [str(tag) for tag in self.tg_languages or [] if str(tag).strip()]


class Partner(models.Model):
    """A partner organisation (a Trading Grid company)."""

    tg_company_id = models.CharField("Trading Grid company id", max_length=100, unique=True)
    name = models.CharField(max_length=200)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def current(self, at=None):
        """Active, inside its validity window, for an active user, in an active community."""
        at = at or timezone.now()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=at),
            Q(valid_until__isnull=True) | Q(valid_until__gt=at),
            state=Membership.State.ACTIVE,
            user__is_active=True,
            community__active=True,
        )


class Membership(models.Model):
    """A user's place in a community, on behalf of a partner organisation.

    Rows come from Trading Grid (`source=tradinggrid`, kept in step by the sync) or from
    a partner admin's invitation (`source=invitation`). Revoking access deletes the row,
    so the visibility rule stops matching in the same transaction.
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        PARTNER_ADMIN = "partner_admin", "Partner admin"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class Source(models.TextChoices):
        TRADING_GRID = "tradinggrid", "Trading Grid"
        INVITATION = "invitation", "Invitation"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    tg_member_id = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices,
                              default=Source.TRADING_GRID)
    # Trading Grid's updated_at of the member record last applied: older events are ignored.
    tg_updated_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["community__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community}"

    def is_current(self, at=None) -> bool:
        """The same test as MembershipQuerySet.current(), on a loaded row."""
        at = at or timezone.now()
        return (
            self.state == self.State.ACTIVE
            and (self.valid_from is None or self.valid_from <= at)
            and (self.valid_until is None or self.valid_until > at)
        )


class Publication(models.Model):
    """What a community receives: one asset, or every approved asset matching a rule.

    A rule names one or more of product line, campaign, market and kind; an
    asset matches when it agrees on every field the rule names.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="publications")
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="publications")
    product_line = models.ForeignKey("assets.ProductLine", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey("assets.Campaign", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    market = models.ForeignKey("assets.Market", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    kind = models.ForeignKey("assets.AssetKind", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.CheckConstraint(
                name="publication_asset_xor_rule",
                condition=(
                    Q(asset__isnull=False, product_line__isnull=True, campaign__isnull=True,
                      market__isnull=True, kind__isnull=True)
                    | (Q(asset__isnull=True) & (
                        Q(product_line__isnull=False) | Q(campaign__isnull=False)
                        | Q(market__isnull=False) | Q(kind__isnull=False)))
                ),
            ),
            models.UniqueConstraint(fields=["community", "asset"], condition=Q(asset__isnull=False),
                                    name="publication_asset_unique"),
            models.UniqueConstraint(
                fields=["community", "product_line", "campaign", "market", "kind"],
                condition=Q(asset__isnull=True), nulls_distinct=False,
                name="publication_rule_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.describe()} → {self.community}"

    @property
    def is_rule(self) -> bool:
        return self.asset_id is None

    def describe(self) -> str:
        if self.asset_id:
            return str(self.asset)
        parts = [str(x) for x in (self.campaign, self.product_line, self.market, self.kind) if x]
        return "Rule: " + ", ".join(parts)


class DirectorySync(models.Model):
    """One full sync of the Trading Grid directory: its outcome and what it changed.

    At most one row is `running` (a partial unique constraint), which is how a second
    sync refuses to start while one is in progress.
    """

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        constraints = [
            models.UniqueConstraint(fields=["state"], condition=Q(state="running"),
                                    name="directory_sync_one_running")
        ]

    def __str__(self) -> str:
        return f"Directory sync #{self.pk} ({self.state})"


class TradingGridEvent(models.Model):
    """A verified Trading Grid webhook, stored once (by event id) and applied by a task."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=50)
    community_tg_id = models.CharField(max_length=100, blank=True)
    member_email = models.EmailField(blank=True)
    payload = models.JSONField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED,
                             db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "Trading Grid event"

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class InvitationQuerySet(models.QuerySet):
    def pending(self, at=None):
        """Neither accepted nor revoked, and not yet expired."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                           expires_at__gt=at or timezone.now())


class Invitation(models.Model):
    """A partner admin's invitation of a colleague into one of the admin's communities.

    Only a SHA-256 of the emailed token is stored, so the table alone cannot be used to
    accept an invitation.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="invitations")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.community}"

    def is_pending(self, at=None) -> bool:
        at = at or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > at


class Embargo(models.Model):
    """A launch embargo: partners see the asset only from `go_live_at` (communities.visibility).

    Written only by launches.services (a kit's go-live per market); read only by the
    visibility rule. A row with a market applies to partners whose communities serve that
    market; the row without a market is the date for everyone else (launches writes the
    latest go-live of the asset's kits there). An asset with no row is not embargoed.
    """

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="embargoes")
    market = models.ForeignKey("assets.Market", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    go_live_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "market"], nulls_distinct=False,
                                    name="embargo_asset_market_unique"),
        ]
        # "Which assets are still embargoed" and "which are live in these markets" are both
        # range scans on go_live_at that return asset ids without touching the table.
        indexes = [models.Index(fields=["go_live_at", "market", "asset"],
                                name="embargo_go_live_idx")]

    def __str__(self) -> str:
        return f"{self.asset_id} in {self.market or 'every market'} from {self.go_live_at:%Y-%m-%d}"


class AssetGrant(models.Model):
    """Which community each asset is published to — directly, through its master's direct
    publication, or by a rule it matches — kept by communities.grants (issue #17).

    The visibility rule reads it instead of evaluating every publication rule against the
    whole asset table, so a partner's page costs what the partner can see. Approval,
    retirement and embargoes are not in it: they stay plain conditions of the rule, so a
    decision never has to rewrite grants. `manage.py asset_grants --check` finds drift and
    `--repair` rebuilds it.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "asset"],
                                               name="asset_grant_unique")]

    def __str__(self) -> str:
        return f"asset {self.asset_id} → community {self.community_id}"


class PresetOverride(models.Model):
    """A community's own definition of a preset everyone is offered (issue #15: a fix made
    "only for the affected community"). Its members download the preset by the same slug
    and name, rendered through this transformation, which Cloudinary holds as the named
    transformation `name` (``portal_<slug>__c<community id>``); everyone else keeps the
    preset's own."""

    preset = models.ForeignKey("assets.DownloadPreset", on_delete=models.CASCADE,
                               related_name="overrides")
    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="preset_overrides")
    transformation = models.CharField(max_length=300)
    format = models.CharField(max_length=10, blank=True, help_text="empty: the preset's")
    name = models.CharField(max_length=100, help_text="the named transformation, without t_")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["preset", "community"],
                                               name="preset_override_one_per_community")]

    def __str__(self) -> str:
        return f"{self.preset} for {self.community}"

    @staticmethod
    def name_for(preset, community) -> str:
        return f"{preset.transformation_name}__c{community.pk}"
