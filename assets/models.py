"""The catalog: a mirror of the brand's Cloudinary assets and their taxonomy.

Cloudinary is the system of record for media; these rows mirror what the
portal needs to search, approve, publish and audit. Who may *see* an asset is
decided in communities (Asset.objects.visible_to), never here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TaxonomyTerm(models.Model):
    """Common shape of product lines, campaigns, markets and kinds.

    Rows are created on the fly by the sync when Cloudinary names a value the
    portal has not seen (`auto_created`), for the content team to tidy.
    """

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    auto_created = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductLine(TaxonomyTerm):
    """A family of products, e.g. Trail Series."""


class Campaign(TaxonomyTerm):
    """A marketing campaign; launch kits must be complete by its launch date."""

    launch_date = models.DateField(null=True, blank=True)


class Market(TaxonomyTerm):
    """A market: a country or region with its language (e.g. de: Germany, de-DE)."""

    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47, e.g. de-DE")


class AssetKind(TaxonomyTerm):
    """What an asset is for partners: product shot, banner, spec sheet, packaging, ..."""


class ApprovalState(models.TextChoices):
    """An asset's summary for partners: approved when partners get a version of it."""

    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ReviewState(models.TextChoices):
    """The content team's decision on one version (small, explicit state machine).

    pending → approved | rejected | superseded (a newer version arrived first);
    approved → rejected (withdrawn). Transitions live in assets.services.
    """

    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded before review"


class AssetQuerySet(models.QuerySet):
    def live(self):
        """Not retired."""
        return self.filter(retired=False)

    def approved(self):
        return self.filter(approval_state=ApprovalState.APPROVED, retired=False)

    def visible_to(self, user):
        """The only way partner-facing code gets assets (see communities.visibility)."""
        from communities.visibility import visible_assets

        return visible_assets(self, user)


class Asset(models.Model):
    """One Cloudinary asset, identified by its immutable asset_id."""

    asset_id = models.CharField(max_length=64, unique=True)
    public_id = models.CharField(max_length=500)
    resource_type = models.CharField(max_length=10, default="image")
    delivery_type = models.CharField(max_length=20, default="upload")
    asset_folder = models.CharField(max_length=500, blank=True)

    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    kind = models.ForeignKey(AssetKind, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="assets")
    format = models.CharField(max_length=20, blank=True)
    bytes = models.BigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="seconds, for video")
    pages = models.PositiveIntegerField(null=True, blank=True, help_text="for documents")
    locale = models.CharField(max_length=35, blank=True)
    # A locale variant points at its master (from Cloudinary's related assets, or the
    # `master` metadata/context convention: assets/sync/relations.py). Masters have none.
    master = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="variants")
    master_source = models.CharField(
        max_length=12, blank=True, choices=[("related", "Related assets"),
                                            ("convention", "master field")],
        help_text="where the master relation came from")
    tags = models.JSONField(default=list, blank=True)
    context = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    product_line = models.ForeignKey(ProductLine, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="assets")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assets")
    markets = models.ManyToManyField(Market, blank=True, related_name="assets")

    approval_state = models.CharField(max_length=10, choices=ApprovalState.choices,
                                      default=ApprovalState.PENDING, db_index=True)
    approval_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approval_at = models.DateTimeField(null=True, blank=True)
    approval_reason = models.TextField(blank=True)
    # The moderation status Cloudinary should have; cleared once pushed.
    moderation_push_pending = models.BooleanField(default=False)

    retired = models.BooleanField(default=False, db_index=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    # What partners get: the newest approved version whose protected delivery copy exists
    # (assets.delivery). Every partner URL names release_public_id at release_version.
    approved_version = models.ForeignKey("AssetVersion", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    release_public_id = models.CharField(max_length=500, blank=True)
    release_version = models.BigIntegerField(default=0)
    # Cloudinary's access mode of the master ("public" / "authenticated"); the portal
    # restricts public masters so nothing partners see is fetchable without a token.
    access_mode = models.CharField(max_length=20, blank=True)
    # Release, revocation or master restriction still to confirm with Cloudinary.
    delivery_pending = models.BooleanField(default=False, db_index=True)

    current_version = models.ForeignKey("AssetVersion", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    version = models.BigIntegerField(default=0, help_text="Cloudinary's current version number")
    cloudinary_created_at = models.DateTimeField(null=True, blank=True)
    cloudinary_updated_at = models.DateTimeField(null=True, blank=True)
    # A flat text of title, description, tags, taxonomy names and public id for search.
    search_document = models.TextField(blank=True)
    # Mirror bookkeeping: a hash of everything mirrored (unchanged rows are skipped) and the
    # last write. Which full sync saw the asset is kept per page (SyncRunPage), not here:
    # stamping it rewrote every unchanged row on every run.
    sync_fingerprint = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    # When partners' view last changed: the time the version they get was released to them.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "delivery_type", "public_id"],
                condition=Q(retired=False),
                name="asset_live_public_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["approval_state", "retired", "-updated_at"]),
            models.Index(fields=["public_id"]),
            # The catalog's facet statement reads these columns of every asset the partner
            # may see (issue #17): covering them, it probes this index per granted asset
            # (an index-only scan) instead of the wide rows of the table. PostgreSQL only
            # (elsewhere `include` is dropped: a partial index on the id).
            models.Index(fields=["id"], name="asset_catalog_facets",
                         include=["product_line", "campaign", "kind", "format", "locale",
                                  "width", "height", "updated_at", "master"],
                         condition=Q(approval_state="approved", retired=False)),
        ]
        permissions = [
            ("approve_asset", "Can approve or reject assets"),
            ("publish_asset", "Can publish assets to communities"),
        ]

    def __str__(self) -> str:
        return self.title or self.public_id

    @property
    def orientation(self) -> str:
        if not self.width or not self.height:
            return ""
        if self.width == self.height:
            return "square"
        return "landscape" if self.width > self.height else "portrait"


class AssetVersionQuerySet(models.QuerySet):
    def awaiting_review(self):
        """Versions the content team has still to decide, of assets still in the catalog."""
        return self.filter(review_state=ReviewState.PENDING, asset__retired=False)


class AssetVersion(models.Model):
    """Every version of an asset the portal has seen (Cloudinary bumps it on overwrite).

    Each version is reviewed on its own; partners get the newest approved one through a
    protected delivery copy (`delivery_public_id`), so overwriting the master in Cloudinary
    never changes what partners receive until the new version is approved.
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    version = models.BigIntegerField(help_text="Cloudinary's version number")
    number = models.PositiveIntegerField(default=1, help_text="1 for the first version, ...")
    bytes = models.BigIntegerField(default=0)
    etag = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=20, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(help_text="when Cloudinary created this version")
    seen_at = models.DateTimeField(auto_now_add=True)

    review_state = models.CharField(max_length=12, choices=ReviewState.choices,
                                    default=ReviewState.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)

    # The protected copy partners are served (an `authenticated` resource of the portal's
    # own). Revoking links renames it: `revoke_to` holds the next id until Cloudinary
    # confirms, so the push is idempotent and retried.
    delivery_public_id = models.CharField(max_length=500, blank=True)
    delivery_version = models.BigIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    revoke_to = models.CharField(max_length=500, blank=True)
    release_error = models.TextField(blank=True)
    # Responsive breakpoints Cloudinary chose for the delivery copy (issue #15, a fix for
    # "poor mobile rendering"): {"transformation": base, "widths": [widest first, ...]};
    # the asset page's preview offers them as its srcset. Empty: the fixed preview widths.
    # db_default: rows written in bulk outside the ORM (bench seeds, COPY) need no value.
    breakpoints = models.JSONField(default=dict, blank=True,
                                   db_default=models.Value({}, models.JSONField()))
    # The version's ZIP copies (assets.zip_copies): per preset and rendering (a community's
    # own definition of a preset renders differently), an `authenticated` image holding that
    # derivative under a public id that ends in its file name (`ridge-runner-box_de-DE_web-1200`),
    # because Cloudinary names archive entries after the public id and nothing else:
    # {"<slug>:<rendering digest>[@<qualifier>]": {public_id, version, format, source,
    # rendering}}.
    zip_copies = models.JSONField(default=dict, blank=True,
                                  db_default=models.Value({}, models.JSONField()))

    objects = AssetVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "version"], name="asset_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset.public_id} v{self.version}"

    @property
    def label(self) -> str:
        """How partners read a version: "Version 3 · 1 Dec 2026"."""
        when = timezone.localtime(self.created_at) if self.created_at else None
        return f"Version {self.number}" + (f" · {when:%-d %b %Y}" if when else "")


class DownloadPreset(models.Model):
    """A named way to download an asset (size, format), managed by the content team."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    transformation = models.CharField(max_length=300, blank=True,
                                      help_text="Cloudinary transformation, e.g. c_limit,w_1920")
    format = models.CharField(max_length=10, blank=True, help_text="empty: the original format")
    kinds = models.ManyToManyField(AssetKind, blank=True,
                                   help_text="empty: offered for every kind")
    resource_types = models.JSONField(default=list, blank=True,
                                      help_text='e.g. ["image"]; empty: all')
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    # The Cloudinary named transformation this preset is delivered through (t_<name>),
    # created/updated by assets.presets.preset_sync_transformation after each save.
    named_transformation = models.CharField(max_length=100, blank=True, editable=False)
    synced_definition = models.CharField(max_length=300, blank=True, editable=False,
                                         help_text="the definition Cloudinary confirmed")
    sync_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def transformation_name(self) -> str:
        """The named transformation's name in Cloudinary (without ``t_``)."""
        return "portal_" + self.slug.replace("-", "_")

    @property
    def delivered_through_name(self) -> bool:
        """Whether Cloudinary holds this preset's current definition as a named transformation."""
        return bool(self.transformation and self.named_transformation
                    and self.synced_definition == self.transformation)


class DerivativeFact(models.Model):
    """What a preset's derivative of a released version really is (from Cloudinary's eager
    answer or notification): format, pixel size and bytes, for "JPG · 1200 × 800 · ~180 KB"."""

    class State(models.TextChoices):
        PENDING = "pending", "Requested"
        READY = "ready", "Generated"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE,
                                related_name="derivative_facts")
    preset = models.ForeignKey(DownloadPreset, on_delete=models.CASCADE,
                               related_name="derivative_facts")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    transformation = models.CharField(max_length=300, help_text="as requested, e.g. t_portal_web")
    format = models.CharField(max_length=10, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.BigIntegerField(null=True, blank=True)
    batch_id = models.CharField(max_length=64, blank=True, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "preset"],
                                               name="derivative_fact_one_per_version_preset")]

    def __str__(self) -> str:
        return f"{self.preset} of {self.version}: {self.summary or self.state}"

    @property
    def summary(self) -> str:
        """``"JPG · 1200 × 800 · ~180 KB"`` once generated, else ``""``."""
        if self.state != self.State.READY or not self.width:
            return ""
        return f"{self.format.upper()} · {self.width} × {self.height} · ~{approx_size(self.bytes)}"


def approx_size(n: int | None) -> str:
    """Bytes rounded as people read them: 180 KB, 4.2 MB."""
    n = n or 0
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{round(n / 1000)} KB"
    return f"{n / 1_000_000:.1f} MB"


class SyncRun(models.Model):
    """One run of the Cloudinary sync: its progress, cursor checkpoint and outcome."""

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        DELTA = "delta", "Delta"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING,
                             db_index=True)
    cursor = models.CharField(max_length=500, blank=True)
    watermark = models.DateTimeField(null=True, blank=True,
                                     help_text="greatest updated_at seen (delta syncs start here)")
    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    retired = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=1, help_text="starts and resumes")
    error = models.TextField(blank=True, help_text="why the run failed, if it did")

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        constraints = [
            # At most one sync runs at a time (full or delta): the claim is an insert or
            # conditional update that this index turns into a refusal.
            models.UniqueConstraint(fields=["state"], condition=Q(state="running"),
                                    name="syncrun_one_running"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync #{self.pk} ({self.state})"

    @property
    def progress(self) -> int | None:
        """Percent of `total` seen so far (None when the total is unknown)."""
        if not self.total:
            return None
        return min(100, round(100 * self.seen / self.total))


class SyncRunPage(models.Model):
    """The assets one committed page of a full sync holds (created, changed, unchanged or
    stale alike): what `retire_absent` keeps when the run ends.

    Written with the page's upsert and cursor checkpoint, in their transaction, so a run
    that crashes and resumes still knows every page it committed; one row per page instead
    of a write to every asset row. Deleted once the run has finished.
    """

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="page_marks")
    number = models.PositiveIntegerField(help_text="the run's page count at this page")
    asset_pks = models.JSONField(default=list, help_text="primary keys of the page's assets")

    class Meta:
        indexes = [models.Index(fields=["run", "number"])]

    def __str__(self) -> str:
        return f"page {self.number} of {self.run}"


class CloudinaryNotification(models.Model):
    """One verified Cloudinary webhook delivery, stored once and applied by a task."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    # sha256 of the raw body: Cloudinary may deliver the same notification more than once.
    dedupe_key = models.CharField(max_length=64, unique=True)
    notification_type = models.CharField(max_length=50, db_index=True)
    payload = models.JSONField()
    signed_at = models.DateTimeField(help_text="X-Cld-Timestamp")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED,
                             db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.TextField(blank=True, help_text="what applying did, or the error")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.notification_type} #{self.pk} ({self.state})"
