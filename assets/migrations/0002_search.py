"""Catalog search indexes (PostgreSQL) and the default download presets.

On PostgreSQL: a GIN index on exactly the weighted tsvector expression that
assets.search.search_vector() builds (so `@@` queries use it) and a pg_trgm GIN
index on the title for typo-tolerant matching. SQLite has neither and searches
with a simpler fallback, so those steps are skipped there.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models import F

VECTOR_INDEX = "asset_search_vector_gin"
TRIGRAM_INDEX = "asset_title_trgm"

# Kinds that are documents; the rows are created here so the preset can name them
# before the first sync (the sync maps `asset_kind: spec_sheet` onto the same row).
DOCUMENT_KINDS = {"document": "Document", "spec_sheet": "Spec sheet"}
DEFAULT_PRESETS = [
    # slug, name, transformation, format, resource types, for documents only
    ("original", "Original", "", "", [], False),
    ("web-1920-jpg", "Web 1920 JPG", "c_limit,w_1920", "jpg", ["image"], False),
    ("web-1200-webp", "Web 1200 WebP", "c_limit,w_1200", "webp", ["image"], False),
    ("mobile-640", "Mobile 640", "c_limit,w_640", "jpg", ["image"], False),
    ("thumbnail-400", "Thumbnail 400", "c_fill,w_400,h_400", "jpg", ["image"], False),
    ("print-pdf", "Print-ready PDF", "", "pdf", ["image", "raw"], True),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from assets.search import search_vector

    asset = apps.get_model("assets", "Asset")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.add_index(asset, GinIndex(search_vector(), name=VECTOR_INDEX))
    schema_editor.add_index(asset, GinIndex(OpClass(F("title"), name="gin_trgm_ops"),
                                            name=TRIGRAM_INDEX))


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in (VECTOR_INDEX, TRIGRAM_INDEX):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_default_presets(apps, schema_editor):
    """Idempotent: existing presets (perhaps edited by the content team) are left alone."""
    preset_model = apps.get_model("assets", "DownloadPreset")
    kind_model = apps.get_model("assets", "AssetKind")
    for position, (slug, name, transformation, fmt, types, documents) in enumerate(
            DEFAULT_PRESETS):
        preset, created = preset_model.objects.get_or_create(slug=slug, defaults={
            "name": name, "transformation": transformation, "format": fmt,
            "resource_types": types, "position": position * 10})
        if created and documents:
            for kind_slug, kind_name in DOCUMENT_KINDS.items():
                kind_model.objects.get_or_create(slug=kind_slug, defaults={"name": kind_name})
            preset.kinds.set(kind_model.objects.filter(slug__in=DOCUMENT_KINDS))


class Migration(migrations.Migration):
    """Search indexes (PostgreSQL full-text and trigram) and the default download presets."""

    dependencies = [("assets", "0001_initial")]
    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.RunPython(create_default_presets, migrations.RunPython.noop),
    ]
