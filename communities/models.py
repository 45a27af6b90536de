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
    active = models.BooleanField(default=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name


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
        """Active, inside its validity window, for an active user."""
        at = at or timezone.now()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=at),
            Q(valid_until__isnull=True) | Q(valid_until__gt=at),
            state=Membership.State.ACTIVE,
            user__is_active=True,
        )


class Membership(models.Model):
    """A user's place in a community, on behalf of a partner organisation."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        PARTNER_ADMIN = "partner_admin", "Partner admin"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    tg_member_id = models.CharField(max_length=100, blank=True)
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
