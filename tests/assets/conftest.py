"""Fixtures of the catalog-mirror tests: an emulated cloud and helpers to read the catalog."""

import pytest

from assets.cloudinary import client


@pytest.fixture(autouse=True)
def fresh_rate_budget(monkeypatch):
    """Each test starts with no remembered rate-limit headers."""
    monkeypatch.setattr(client, "budget", client.RateBudget())


@pytest.fixture
def no_waiting(monkeypatch):
    """Record the waits the client asks for instead of sleeping through backoffs."""
    waits: list[float] = []
    monkeypatch.setattr(client, "sleep", waits.append)
    return waits


def catalog_snapshot():
    """Everything the mirror writes, comparable between runs (no timestamps of our own)."""
    from assets.models import Asset

    rows = Asset.objects.order_by("asset_id").values_list(
        "asset_id", "public_id", "title", "version", "retired", "approval_state",
        "product_line__slug", "campaign__slug", "kind__slug", "tags", "metadata",
        "current_version__version")
    markets = {}
    for asset_id, slug in Asset.markets.through.objects.values_list("asset__asset_id",
                                                                    "market__slug"):
        markets.setdefault(asset_id, set()).add(slug)
    return [(*row, sorted(markets.get(row[0], ()))) for row in rows]
