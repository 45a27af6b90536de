"""Demo data of the catalog: the first full sync of the demo cloud, and taxonomy details.

`seed(stdout)` is called by `manage.py seed_demo` once the Cloudinary emulator is up.
It is safe to run again: the sync resumes or finds nothing to write.
"""

from datetime import date

from assets.cloudinary import client, delivery
from assets.models import Asset, AssetVersion, Campaign, Market
from assets.sync import SyncAlreadyRunning, sync_delta, sync_full

LAUNCH_DATES = {"winter-2026": date(2026, 12, 10), "spring-2027": date(2027, 3, 1),
                "summer-2027": date(2027, 6, 1), "evergreen": None}
MARKETS = {
    "us": ("United States", "US", "en-US", "North America"),
    "de": ("Germany", "DE", "de-DE", "Europe"),
    "fr": ("France", "FR", "fr-FR", "Europe"),
    "jp": ("Japan", "JP", "ja-JP", "Asia Pacific"),
    "gb": ("United Kingdom", "GB", "en-GB", "Europe"),
}


def seed(stdout) -> None:
    """Mirror the configured (demo) cloud if the catalog is empty; name its taxonomy."""
    if not Asset.objects.exists():
        try:
            run = sync_full()
            stdout.write(f"Catalog: mirrored {run.created} assets from Cloudinary "
                         f"({Asset.objects.filter(approval_state='pending').count()} pending "
                         f"approval).")
        except SyncAlreadyRunning:
            stdout.write("Catalog: a sync is already running; skipped.")
    for slug, launch in LAUNCH_DATES.items():
        campaign, _ = Campaign.objects.get_or_create(
            slug=slug, defaults={"name": slug.replace("-", " ").title()})
        campaign.launch_date, campaign.auto_created = launch, False
        campaign.save(update_fields=["launch_date", "auto_created"])
    for slug, (name, country, language, region) in MARKETS.items():
        Market.objects.update_or_create(slug=slug, defaults={
            "name": name, "country": country, "language": language, "region": region,
            "auto_created": False})
    stdout.write("Catalog: campaign launch dates and market names set.")
    _propose_a_new_version(stdout)


def _propose_a_new_version(stdout) -> None:
    """The brand overwrites one approved packaging image in Cloudinary: a new version waits
    for the content team while partners keep the approved one (once per demo)."""
    if AssetVersion.objects.filter(number__gt=1).exists():
        return
    asset = (Asset.objects.filter(approval_state="approved", resource_type="image",
                                  kind__slug="packaging", retired=False, width__gt=0)
             .order_by("pk").first())
    if asset is None:
        return
    crop = [{"crop": "fill", "gravity": "center", "width": asset.width,
             "height": round(asset.height * 0.85)}]
    client.upload_new_version(source_url=delivery.master_transformed_url(asset, crop),
                              public_id=asset.public_id, resource_type=asset.resource_type,
                              delivery_type=asset.delivery_type)
    sync_delta()
    stdout.write(f"Catalog: a new version of {asset} awaits review in the admin.")
