"""Catalog fixtures shared by tests/catalog, tests/api and tests/browser."""

import importlib

import pytest

from assets.search import build_search_document
from tests import factories as f

_migration = importlib.import_module("assets.migrations.0002_search")
_mobile = importlib.import_module("assets.migrations.0007_mobile_640_crops_around_the_focus")


def ensure_default_presets():
    """The presets migration 0002 creates (transactional tests flush them)."""
    presets = {}
    for position, (slug, name, transformation, fmt, types, documents) in enumerate(
            _migration.DEFAULT_PRESETS):
        if (slug, transformation) == ("mobile-640", _mobile.OLD):
            transformation = _mobile.MOBILE_640
        presets[slug] = f.DownloadPresetFactory(
            slug=slug, name=name, transformation=transformation, format=fmt,
            resource_types=types, position=position * 10)
        if documents:
            presets[slug].kinds.set([f.AssetKindFactory(slug=kind_slug, name=kind_name)
                                     for kind_slug, kind_name in _migration.DOCUMENT_KINDS.items()])
    return presets


@pytest.fixture
def presets(db):
    return ensure_default_presets()


def indexed(asset):
    """Fill search_document as the sync does, and return the asset."""
    asset.search_document = build_search_document(asset)
    asset.save(update_fields=["search_document"])
    return asset


def published_asset(community, **fields):
    """An approved asset published directly to `community`, with its search document."""
    markets = fields.pop("markets", None)
    asset = f.AssetFactory(**fields)
    if markets:
        asset.markets.set(markets)
    f.PublicationFactory(community=community, asset=asset)
    return indexed(asset)
