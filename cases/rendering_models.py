"""Rendering-quality feedback and the fixes it led to (issue #15).

A `RenderingReport` is what a partner saw when they reported a *Rendering quality* case
(category `quality`): the asset version, the preset, the delivered transformation, the device
and viewport, the page. A `RenderingFix` is a change staff made in Cloudinary from the case,
with the derivative's bytes and dimensions before and after (the staff report's figures).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class RenderingProblem(models.TextChoices):
    """The *Rendering quality* category family."""

    SLOW_LOADING = "slow_loading", "Slow loading"
    BAD_CROP = "bad_crop", "Bad crop"
    POOR_MOBILE = "poor_mobile", "Poor mobile rendering"
    WRONG_COLOURS = "wrong_colours", "Wrong colours"
    OTHER = "other", "Other"


class DeviceClass(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    TABLET = "tablet", "Tablet"
    MOBILE = "mobile", "Mobile"
    OTHER = "other", "Other or unknown"


class RenderingReport(models.Model):
    """What the partner saw when reporting a rendering problem (one per case)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE,
                                related_name="rendering_report")
    problem = models.CharField(max_length=20, choices=RenderingProblem.choices)
    asset_version = models.ForeignKey("assets.AssetVersion", on_delete=models.PROTECT,
                                      related_name="+")
    preset = models.ForeignKey("assets.DownloadPreset", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    preset_slug = models.SlugField(max_length=50, help_text="kept if the preset is deleted")
    delivered_transformation = models.CharField(max_length=300, blank=True)
    delivered_format = models.CharField(max_length=10, blank=True)
    device_class = models.CharField(max_length=10, choices=DeviceClass.choices, blank=True)
    viewport_width = models.PositiveIntegerField(null=True, blank=True)
    viewport_height = models.PositiveIntegerField(null=True, blank=True)
    page_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_problem_display()} on {self.preset_slug}"


class RenderingFix(models.Model):
    """One change made in Cloudinary from a case, and what it did to the derivative."""

    class Kind(models.TextChoices):
        FOCAL_POINT = "focal_point", "Focal point moved"
        PRESET_CHANGED = "preset_changed", "Preset changed"
        OVERRIDE_REMOVED = "override_removed", "Community override removed"
        BREAKPOINTS = "breakpoints", "Responsive breakpoints"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE,
                             related_name="rendering_fixes")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="+")
    preset_slug = models.SlugField(max_length=50)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    transformation = models.CharField(max_length=300, help_text="the preset's, as delivered")
    after_transformation = models.CharField(
        max_length=300, blank=True, help_text="a preset change: the new definition")
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="a preset change made only for this community")
    before_coordinates = models.JSONField(null=True, blank=True)
    after_coordinates = models.JSONField(null=True, blank=True)
    before_bytes = models.PositiveBigIntegerField(default=0)
    before_width = models.PositiveIntegerField(null=True, blank=True)
    before_height = models.PositiveIntegerField(null=True, blank=True)
    before_format = models.CharField(max_length=10, blank=True)
    after_bytes = models.PositiveBigIntegerField(default=0)
    after_width = models.PositiveIntegerField(null=True, blank=True)
    after_height = models.PositiveIntegerField(null=True, blank=True)
    after_format = models.CharField(max_length=10, blank=True)
    regenerated_presets = models.JSONField(default=list, blank=True)
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.preset_slug})"

    @property
    def byte_saving(self) -> int:
        """Bytes saved per download (negative: the derivative grew)."""
        return self.before_bytes - self.after_bytes
