"""Taxonomy mapping: metadata first, then context, then tag prefixes; unknown values welcome."""

import pytest

from assets.models import AssetKind, Market, ProductLine
from assets.taxonomy import TermCache, Terms, resolve


def test_structured_metadata_wins_over_context_and_tags():
    resource = {"metadata": {"product_line": "summit", "market": ["jp", "de"]},
                "context": {"product_line": "urban", "market": "fr"},
                "tags": ["line:kids", "market:gb", "kind:banner"]}
    assert resolve(resource) == Terms(product_line="summit", kind="banner",
                                      markets=("de", "jp"))


def test_context_is_used_when_metadata_is_silent_in_either_api_shape():
    flat = {"context": {"campaign": "spring-2027", "market": "us,gb"}}
    nested = {"context": {"custom": {"campaign": "spring-2027", "market": "us,gb"}}}
    assert resolve(flat) == resolve(nested) == Terms(campaign="spring-2027",
                                                     markets=("gb", "us"))


def test_tag_prefixes_are_the_last_resort():
    resource = {"tags": ["line:trail", "campaign:evergreen", "market:fr", "market:de",
                         "kind:spec_sheet", "red"]}
    assert resolve(resource) == Terms(product_line="trail", campaign="evergreen",
                                      kind="spec_sheet", markets=("de", "fr"))


def test_field_names_come_from_settings(settings):
    settings.ASSET_TAXONOMY = {**settings.ASSET_TAXONOMY,
                               "product_line": {"metadata": "range", "context": "range",
                                                "tag_prefix": "range:"}}
    assert resolve({"metadata": {"range": "Trail Pro"}}).product_line == "trail-pro"
    assert resolve({"tags": ["range:urban", "line:kids"]}).product_line == "urban"


def test_an_asset_without_taxonomy_resolves_to_nothing():
    assert resolve({"tags": ["red"], "metadata": {"product_line": ""}}) == Terms()


@pytest.mark.django_db
def test_unknown_values_become_auto_created_terms_for_the_content_team():
    # given
    ProductLine.objects.create(slug="trail", name="Trail Series")
    cache = TermCache()
    # when
    cache.ensure([Terms(product_line="trail", kind="hologram", markets=("br",)),
                  Terms(product_line="moon-boots")])
    # then
    assert ProductLine.objects.get(slug="trail").auto_created is False
    assert cache.name("product_line", "trail") == "Trail Series"
    new_line = ProductLine.objects.get(slug="moon-boots")
    assert (new_line.name, new_line.auto_created) == ("Moon Boots", True)
    assert AssetKind.objects.get(slug="hologram").auto_created
    assert Market.objects.get(slug="br").name == "BR"
    assert sorted(cache.created) == [("kind", "hologram"), ("market", "br"),
                                     ("product_line", "moon-boots")]
