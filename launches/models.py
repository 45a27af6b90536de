"""Launch kits: what every market needs on launch day, whether it is there, who confirmed.

A kit names markets, communities and a go-live; its slots are typed requirements
(dimensions, format, size, duration, pages, optionally judged on a preset's derivative),
per market where they differ. Readiness (one SlotStatus per slot × market) is recomputed
by a task when the catalog changes (launches.receivers), never per page view.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class LaunchKit(models.Model):
    """A campaign's (and optionally a product line's) launch: markets, communities, go-live."""

    name = models.CharField(max_length=200)
    campaign = models.ForeignKey("assets.Campaign", on_delete=models.PROTECT,
                                 related_name="launch_kits")
    product_line = models.ForeignKey("assets.ProductLine", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    markets = models.ManyToManyField("assets.Market", related_name="launch_kits")
    communities = models.ManyToManyField("communities.Community", blank=True,
                                         related_name="launch_kits",
                                         help_text="the partner communities the kit is for")
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                    help_text="told about flags and incomplete kits")
    go_live_at = models.DateTimeField()
    embargo = models.BooleanField(default=True,
                                  help_text="partners see the kit's assets only from go-live")
    published = models.BooleanField(default=False, help_text="partners of its communities see it")
    # Kept by launches.readiness: the share of required slot × market cells that are ready.
    readiness = models.PositiveSmallIntegerField(default=0)
    recomputed_at = models.DateTimeField(null=True, blank=True)
    # Debounce: a recompute is queued when this moves from empty to a time.
    recompute_requested_at = models.DateTimeField(null=True, blank=True)
    # Written by launches.readiness with the cells: what the readiness page shows (markets,
    # slots, each cell's state, asset and reasons), so a page view reads one row.
    matrix = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["go_live_at", "name"]

    def __str__(self) -> str:
        return self.name

    def go_live_for(self, market_id) -> "timezone.datetime":
        """The kit's go-live in one market (a market override, else the kit's date)."""
        override = {m.market_id: m.go_live_at for m in self.market_dates.all()}
        return override.get(market_id) or self.go_live_at

    @property
    def days_to_go_live(self) -> int:
        return (timezone.localtime(self.go_live_at).date() - timezone.localdate()).days


class KitMarketDate(models.Model):
    """A market whose go-live differs from the kit's."""

    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="market_dates")
    market = models.ForeignKey("assets.Market", on_delete=models.CASCADE, related_name="+")
    go_live_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kit", "market"],
                                               name="kit_market_date_unique")]

    def __str__(self) -> str:
        return f"{self.kit} in {self.market}: {self.go_live_at:%Y-%m-%d}"


class SlotRules(models.Model):
    """The checks of a slot (or of its override in one market); empty means "any"."""

    resource_type = models.CharField(max_length=10, blank=True,
                                     help_text="image, video or raw; empty: any")
    formats = models.JSONField(default=list, blank=True, help_text='e.g. ["jpg", "png"]')
    min_width = models.PositiveIntegerField(null=True, blank=True)
    min_height = models.PositiveIntegerField(null=True, blank=True)
    exact_width = models.PositiveIntegerField(null=True, blank=True)
    exact_height = models.PositiveIntegerField(null=True, blank=True)
    aspect_ratio = models.CharField(max_length=10, blank=True, help_text='e.g. "1:1", "16:9"')
    max_bytes = models.BigIntegerField(null=True, blank=True)
    min_duration = models.FloatField(null=True, blank=True, help_text="seconds")
    max_duration = models.FloatField(null=True, blank=True, help_text="seconds")
    min_pages = models.PositiveIntegerField(null=True, blank=True)
    max_pages = models.PositiveIntegerField(null=True, blank=True)
    preset = models.ForeignKey("assets.DownloadPreset", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               help_text="judge the derivative partners download with it")
    min_white_percent = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name="on white: min. % white",
        help_text="images on white: at least this share of the picture is white (#F0F0F0 or "
                  "lighter), by Cloudinary's colour analysis of the approved version")

    RULE_FIELDS = ("resource_type", "formats", "min_width", "min_height", "exact_width",
                   "exact_height", "aspect_ratio", "max_bytes", "min_duration", "max_duration",
                   "min_pages", "max_pages", "preset_id", "min_white_percent")

    class Meta:
        abstract = True


class Slot(SlotRules):
    """A typed requirement of a kit: "hero banner 1920×600 JPG", "spec sheet PDF"."""

    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="slots")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=True)
    kind = models.ForeignKey("assets.AssetKind", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", help_text="fill by rule: assets of this kind")
    match_tag = models.CharField(max_length=100, blank=True,
                                 help_text="fill by rule: assets carrying this tag")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def fills_by_rule(self) -> bool:
        return bool(self.kind_id or self.match_tag)


class SlotMarketRule(SlotRules):
    """Where one market needs something else: the non-empty fields replace the slot's."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="market_rules")
    market = models.ForeignKey("assets.Market", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "market"],
                                               name="slot_market_rule_unique")]

    def __str__(self) -> str:
        return f"{self.slot} in {self.market}"


class SlotFill(models.Model):
    """An asset chosen by hand for a slot, in one market or (market empty) in all of them."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="fills")
    market = models.ForeignKey("assets.Market", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    filled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "market"], nulls_distinct=False,
                                               name="slot_fill_unique")]

    def __str__(self) -> str:
        return f"{self.slot}: {self.asset}"


class CellState(models.TextChoices):
    READY = "ready", "Ready"
    MISSING = "missing", "Missing"
    FAILING = "failing", "Failing"
    PENDING = "pending", "Pending approval"
    SUPERSEDED = "superseded", "Changed since confirmed"
    # Meets the slot, but partners of a kit community serving the market would not see it
    # at go-live (not published there: communities.visibility decides).
    UNPUBLISHED = "unpublished", "Not published"


class SlotStatus(models.Model):
    """One cell of the readiness matrix (slot × market), written only by the recompute."""

    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="cells")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="cells")
    market = models.ForeignKey("assets.Market", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=12, choices=CellState.choices)
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    version = models.ForeignKey("assets.AssetVersion", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                help_text="the approved version that meets the slot")
    reasons = models.JSONField(default=list, blank=True, help_text="why the rule is not met")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "market"],
                                               name="slot_status_unique")]
        indexes = [models.Index(fields=["kit", "state"])]

    def __str__(self) -> str:
        return f"{self.slot} in {self.market}: {self.state}"


class DerivativeFacts(models.Model):
    """What Cloudinary reports for a version's derivative of a preset (explicit + eager)."""

    version = models.ForeignKey("assets.AssetVersion", on_delete=models.CASCADE, related_name="+")
    preset = models.ForeignKey("assets.DownloadPreset", on_delete=models.CASCADE,
                               related_name="+")
    transformation = models.CharField(max_length=300)
    # The preset's format when measured (empty: the original's): with the transformation,
    # which definition of the preset these facts are of; a changed format is measured again.
    requested_format = models.CharField(max_length=10, blank=True, default="")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    format = models.CharField(max_length=20, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["version", "preset", "transformation", "requested_format"],
            name="derivative_facts_definition_unique")]

    def __str__(self) -> str:
        return f"{self.version} as {self.preset}"


class ColourFacts(models.Model):
    """Cloudinary's colour analysis of a version's delivery copy (`explicit` with
    `colors=true`): what "on white" slots are judged on."""

    version = models.OneToOneField("assets.AssetVersion", on_delete=models.CASCADE,
                                   related_name="+")
    colors = models.JSONField(default=list, help_text='[["#RRGGBB", percent], ...]')
    predominant = models.JSONField(default=dict, blank=True)
    # Kept from `colors` on save (launches.checks.white_share): what the SQL compares.
    white_percent = models.FloatField()
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "colour facts"

    def __str__(self) -> str:
        return f"{self.version}: {self.white_percent:g}% white"


class ReadinessSnapshot(models.Model):
    """The kit's readiness at one recompute: the points of the chart."""

    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(default=timezone.now)
    readiness = models.PositiveSmallIntegerField()
    ready = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        ordering = ["taken_at"]
        indexes = [models.Index(fields=["kit", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.kit} {self.readiness}% at {self.taken_at:%Y-%m-%d %H:%M}"


class KitConfirmation(models.Model):
    """A partner organisation confirmed it has the kit for its markets, as it then stood.

    `contents` maps "slot:market" to the version id a partner got; a changed slot makes
    the confirmation stale and the organisation is asked again.
    """

    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="confirmations")
    partner = models.ForeignKey("communities.Partner", on_delete=models.CASCADE,
                                related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    contents = models.JSONField(default=dict)
    stale = models.BooleanField(default=False, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kit", "partner"],
                                               name="kit_confirmation_unique")]

    def __str__(self) -> str:
        return f"{self.partner} confirmed {self.kit}"


class KitCase(models.Model):
    """A case a partner opened about a kit's slot (missing content, an alternate format)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="kit_link")
    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="cases")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="cases")
    market = models.ForeignKey("assets.Market", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    def __str__(self) -> str:
        return f"{self.case} about {self.slot}"


class KitReminder(models.Model):
    """A reminder sent for a kit (owners' digest or one organisation's): sent once."""

    kit = models.ForeignKey(LaunchKit, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kit", "key"], name="kit_reminder_once")]

    def __str__(self) -> str:
        return f"{self.kit}: {self.key}"
