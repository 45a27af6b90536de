"""Facet counts in one PostgreSQL statement agree with the per-facet ORM queries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from assets import selectors
from assets.filters import GLOBAL_MARKET, AssetFilter
from assets.models import ApprovalState, Asset
from tests import factories as f
from tests.catalog.fixtures import published_asset
from tests.helpers import count_queries
from tests.services import need_postgres

FILTER_STATES = [
    "",
    "market=de",
    "market=de&market=fr&product_line=trail",
    "product_line=trail&kind=product-shot&format=png&page=2",
    "orientation=portrait&orientation=square&updated_since=30d",
    "q=boot&campaign=spring-26&sort=name",
    "q=boot&market=de&product_line=trail&product_line=summit&campaign=spring-26"
    "&kind=product-shot&format=jpg&orientation=landscape&updated_since=365d",
    "orientation=diagonal&market=nowhere",
]


@pytest.fixture
def catalog(eu_retailers, jp_resellers):
    """Assets bob sees (directly and through a rule) beside some he must not count."""
    de = f.MarketFactory(slug="de", name="Germany")
    fr = f.MarketFactory(slug="fr", name="France")
    trail = f.ProductLineFactory(slug="trail", name="Trail Series")
    summit = f.ProductLineFactory(slug="summit", name="Summit Series")
    shot = f.AssetKindFactory(slug="product-shot", name="Product shot")
    spring = f.CampaignFactory(slug="spring-26", name="Spring 26")
    now = timezone.now()
    shapes = [(1600, 900), (900, 1600), (1000, 1000)]
    for i in range(12):
        width, height = shapes[i % 3]
        asset = published_asset(
            eu_retailers, title=f"Trail boot {i}" if i % 2 else f"Summit jacket {i}",
            product_line=trail if i % 3 else summit, campaign=spring if i % 4 == 0 else None,
            kind=shot if i % 5 else None, format=["jpg", "png", "pdf"][i % 3],
            markets=[de, fr][: 1 + i % 2], width=width, height=height)
        Asset.objects.filter(pk=asset.pk).update(updated_at=now - timedelta(days=9 * i))
    # Through a publication rule: every Summit asset for Germany.
    f.PublicationFactory(community=eu_retailers, asset=None, product_line=summit, market=de)
    ruled = f.AssetFactory(title="Summit boot by rule", product_line=summit, width=800,
                           height=600)
    ruled.markets.set([de])
    # For every market (it names none): the Market facet's "Global" row counts it.
    published_asset(eu_retailers, title="Trail boot worldwide", product_line=trail)
    # Not for bob: another community's asset, a retired one and a draft.
    published_asset(jp_resellers, title="Trail boot JP", product_line=trail, markets=[de])
    published_asset(eu_retailers, title="Trail boot retired", product_line=trail, retired=True)
    published_asset(eu_retailers, title="Trail boot draft", product_line=trail,
                    approval_state=ApprovalState.PENDING)


@pytest.mark.parametrize("query", FILTER_STATES)
def test_one_statement_counts_what_the_per_facet_queries_count(bob, catalog, query):
    # given
    need_postgres()
    data = QueryDict(query)
    base = selectors.catalog_queryset(bob)
    # when
    fast, total = selectors.facet_values_in_one_query(data, base)
    # then
    assert fast == selectors.facet_values_per_facet(data, base)
    assert total == AssetFilter(data, queryset=base).qs.count()


def test_the_counts_are_not_trivially_equal(bob, catalog):
    # given
    need_postgres()
    base = selectors.catalog_queryset(bob)
    # when
    fast, total = selectors.facet_values_in_one_query(QueryDict("market=de"), base)
    # then: 13 visible assets are for Germany, every other one also for France;
    # its own filter left out, the market facet still counts France and the global one
    assert total == 13
    assert {value: n for value, _, n in fast["market"]} == {"de": 13, "fr": 6,
                                                           GLOBAL_MARKET: 1}
    assert sum(n for _, _, n in fast["format"]) == total


def test_the_catalog_page_runs_the_facets_and_its_total_in_one_query(client_for, bob, catalog):
    # given
    need_postgres()
    client = client_for(bob)
    # when
    with count_queries() as queries:
        response = client.get(reverse("assets:catalog"), {"market": "de", "per_page": 5})
    # then
    facet_queries = [q for q in queries.captured_queries if "facet_base_all" in q["sql"]]
    assert len(facet_queries) == 1
    assert not any(q["sql"].startswith("SELECT COUNT(*)") for q in queries.captured_queries)
    assert response.context["page"].paginator.count == 13
    assert response.context["page"].paginator.num_pages == 3


def test_the_market_facet_counts_the_assets_that_name_no_market(bob, catalog):
    # given
    need_postgres()
    base = selectors.catalog_queryset(bob)
    # when
    fast, total = selectors.facet_values_in_one_query(QueryDict(""), base)
    # then: 14 visible, one of them for every market
    assert total == 14
    assert {value: n for value, _, n in fast["market"]} == {"de": 13, "fr": 6, GLOBAL_MARKET: 1}


def test_a_base_that_matches_nothing_counts_without_a_query(catalog):
    # given
    base = selectors.catalog_queryset(AnonymousUser())
    # when
    with count_queries() as queries:
        facets, total = selectors.facet_counts(QueryDict("market=de"), base)
    # then
    assert len(queries) == 0
    assert total is None
    assert all(not facet.values for facet in facets)


@pytest.mark.parametrize("query", FILTER_STATES)
@pytest.mark.parametrize("broad", [False, True])
def test_the_statement_lists_the_page_the_orm_would_list(bob, catalog, query, broad):
    # given: the statement driven from the grants (broad) or not, any sort and filter
    need_postgres()
    data = QueryDict(query)
    base = selectors.catalog_queryset(bob, broad=broad)
    filterset = AssetFilter(data, queryset=selectors.catalog_queryset(bob))
    expected = list(filterset.qs.values_list("pk", flat=True))
    for offset in (0, 5, 10):
        wanted = selectors.PageSlice(offset=offset, limit=5, ordering=filterset.ordering())
        # when
        fast, total = selectors.facet_values_in_one_query(data, base, page=wanted)
        # then
        assert wanted.ids == expected[offset:offset + 5]
        assert total == len(expected)
    assert fast == selectors.facet_values_per_facet(data, selectors.catalog_queryset(bob))


@pytest.mark.parametrize("params", [{"page": 2}, {"page": 3, "sort": "name"},
                                    {"page": 99}, {"page": "x"}, {"q": "boot", "page": 2}])
def test_the_catalog_page_shows_the_rows_the_statement_listed(client_for, bob, catalog,
                                                             params):
    # given
    need_postgres()
    client = client_for(bob)
    query = {"per_page": 5, **params}
    # when
    with count_queries() as queries:
        response = client.get(reverse("assets:catalog"), query)
    # then: the same rows, in the same order, as the plain ORM pagination would show
    page = response.context["page"]
    data = QueryDict(mutable=True)
    data.update({k: v for k, v in query.items() if k not in ("page", "per_page")})
    filterset = AssetFilter(data, queryset=selectors.catalog_queryset(bob))
    ordered = list(filterset.qs)
    number = page.number
    assert [a.pk for a in page.object_list] == [a.pk for a in ordered[(number - 1) * 5:number * 5]]
    assert page.paginator.count == len(ordered)
    # the rule and the search ran in the facet statement and the page read its rows by id;
    # only a page past the end (shown as the last one) is read with LIMIT as before
    sliced = [q for q in queries.captured_queries
              if "LIMIT" in q["sql"] and "facet_base_all" not in q["sql"]
              and q["sql"].startswith('SELECT "assets_asset"."id", "assets_asset"."asset_id"')]
    assert len(sliced) == (1 if params["page"] == 99 else 0)
