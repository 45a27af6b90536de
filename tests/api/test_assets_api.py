"""The assets API: same visibility and filters as the pages, schema-valid responses."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.http import QueryDict
from rest_framework.test import APIClient

from assets import selectors
from assets.api_filters import ApiAssetFilter
from audit.models import Event
from tests import factories as f
from tests.api.openapi import assert_matches_schema, openapi_schema
from tests.catalog.fixtures import published_asset
from tests.helpers import count_queries

ASSETS = "/api/v1/assets/"


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client
    return as_user


def _get(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content
    assert_matches_schema(response)
    return response


def test_the_list_shows_only_visible_assets(api, bob, charlie, alice_asset, charlie_asset):
    # when
    bobs = _get(api(bob), ASSETS).json()
    charlies = _get(api(charlie), ASSETS).json()
    # then
    assert [a["id"] for a in bobs["results"]] == [alice_asset.pk]
    assert [a["id"] for a in charlies["results"]] == [charlie_asset.pk]


def test_the_list_takes_the_catalog_filters_and_search(api, bob, eu_retailers):
    # given
    de = f.MarketFactory(slug="de", name="Germany")
    wanted = published_asset(eu_retailers, title="Trailblazer boot", markets=[de])
    published_asset(eu_retailers, title="Trailblazer boot FR")
    published_asset(eu_retailers, title="Summit jacket", markets=[de])
    # when
    body = _get(api(bob), ASSETS, {"q": "trailblazer", "market": "de"}).json()
    # then
    assert [a["id"] for a in body["results"]] == [wanted.pk]
    assert body["results"][0]["markets"] == [{"slug": "de", "name": "Germany"}]


def test_a_bad_filter_is_a_clear_400(api, bob, alice_asset):
    # when
    response = _get(api(bob), ASSETS, {"orientation": "diagonal"}, status=400)
    # then
    assert "orientation" in response.json()


@pytest.mark.parametrize("suffix", ["", "versions/"])
def test_charlie_gets_404_for_alices_asset(api, charlie, alice_asset, suffix):
    _get(api(charlie), f"{ASSETS}{alice_asset.pk}/{suffix}", status=404)


def test_detail_and_versions(api, bob, alice_asset, presets):
    # when
    detail = _get(api(bob), f"{ASSETS}{alice_asset.pk}/").json()
    versions = _get(api(bob), f"{ASSETS}{alice_asset.pk}/versions/").json()
    # then
    assert detail["current_version"]["version"] == alice_asset.version
    assert "web-1200-webp" in [p["slug"] for p in detail["presets"]]
    assert [v["version"] for v in versions] == [alice_asset.version]


def test_creating_a_download_link_is_audited(api, bob, charlie, alice_asset, presets):
    # when
    response = api(bob).post(f"{ASSETS}{alice_asset.pk}/download-links/",
                             {"preset": "original"}, format="json")
    refused = api(charlie).post(f"{ASSETS}{alice_asset.pk}/download-links/",
                                {"preset": "original"}, format="json")
    invalid = api(bob).post(f"{ASSETS}{alice_asset.pk}/download-links/", {}, format="json")
    # then
    assert response.status_code == 201
    assert_matches_schema(response)
    assert response.json()["expires_at"] and "/image/download?" in response.json()["url"]
    assert (refused.status_code, invalid.status_code) == (404, 400)
    assert_matches_schema(invalid)
    assert Event.objects.filter(action="asset.downloaded").count() == 1


def test_anonymous_callers_are_refused(alice_asset):
    response = APIClient().get(ASSETS)
    assert response.status_code in (401, 403)


def test_the_list_query_count_does_not_grow(bob, eu_retailers):
    # given: a session, as a browser or the docs page would use
    client = APIClient()
    client.force_login(bob)
    de = f.MarketFactory(slug="de")

    def fetch(n):
        while len(client.get(ASSETS, {"page_size": 100}).json()["results"]) < n:
            published_asset(eu_retailers, markets=[de], product_line=f.ProductLineFactory(),
                            kind=f.AssetKindFactory())
        with count_queries() as queries:
            body = client.get(ASSETS, {"page_size": 100, "q": "test"}).json()
        assert len(body["results"]) == n
        return len(queries)

    # when / then
    # session, user, roles, bob's current communities (their grants are read in the ids
    # and rows: communities/grants.py), the page's ids with the total (one statement:
    # assets.paging.ids_and_total), its rows by id, markets
    # On SQLite the search asks once which of its words nothing contains (spelling
    # tolerance, assets.search; issue #18); PostgreSQL uses its trigram index instead.
    assert fetch(10) == fetch(50) == (7 if connection.vendor == "postgresql" else 8)


def test_the_schema_builds_and_the_docs_render(client_for, bob):
    # when
    schema = openapi_schema()
    docs = client_for(bob).get("/api/docs/")
    served = client_for(bob).get("/api/schema/")
    # then
    assert "/api/v1/assets/{id}/download-links/" in schema["paths"]
    assert {"q", "market", "product_line", "sort"} <= {
        p["name"] for p in schema["paths"]["/api/v1/assets/"]["get"]["parameters"]}
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert served.status_code == 200


@pytest.mark.parametrize("params", [{}, {"page": 2}, {"page": 3}, {"sort": "name", "page": 2},
                                    {"q": "boot", "page": 2}, {"page": "last"}])
def test_pages_list_what_plain_pagination_lists(api, bob, eu_retailers, jp_resellers, params):
    # given: 11 assets for bob (some boots) beside one he may not see
    for i in range(11):
        published_asset(eu_retailers, title=f"{'Trail boot' if i % 2 else 'Jacket'} {i:02}")
    published_asset(jp_resellers, title="Trail boot JP")
    client = api(bob)
    # when
    with count_queries() as queries:
        body = _get(client, ASSETS, {"page_size": 4, **params}).json()
    # then: the same ids and total as Django's own pagination of the ORM listing
    data = QueryDict(mutable=True)
    data.update({k: v for k, v in params.items() if k != "page"})
    listing = ApiAssetFilter(data, queryset=selectors.catalog_queryset(bob)).qs
    expected = Paginator(listing, 4).page(
        Paginator(listing, 4).num_pages if params.get("page") == "last"
        else params.get("page", 1))
    assert [a["id"] for a in body["results"]] == [a.pk for a in expected.object_list]
    assert body["count"] == expected.paginator.count
    assert bool(body["next"]) == expected.has_next()
    counted = [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    if connection.vendor == "postgresql":  # the total came with the page's ids
        assert len(counted) == (1 if params.get("page") == "last" else 0)


@pytest.mark.parametrize("page", [5, 0, -1, "x"])
def test_a_page_out_of_range_is_still_a_404(api, bob, eu_retailers, page):
    for i in range(3):
        published_asset(eu_retailers, title=f"Boot {i}")
    _get(api(bob), ASSETS, {"page_size": 2, "page": page}, status=404)
