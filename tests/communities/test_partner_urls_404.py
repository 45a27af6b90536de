"""Charlie (Japan Resellers) gets 404 on every partner URL and API endpoint for alice's asset.

The routes are found by walking the URL resolver, not listed by hand: any route beneath
`assets/` or `api/v1/assets/` that takes the asset's id (`pk`, `asset_pk` or `asset_id`)
is checked, so a new endpoint without the visibility check fails this test.
"""

import re

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests import factories as f

ASSET_KWARGS = {"pk", "asset_pk", "asset_id"}
PREFIXES = ("assets/", "api/v1/assets/")
MIN_ROUTES = 3  # /assets/<id>/, /assets/<id>/download/<preset>/, /api/v1/assets/<id>/


def _kwargs_of(pattern) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.regex.groupindex)


def _route_text(pattern) -> str:
    text = str(pattern)
    return re.sub(r"^\^|\$$|\\Z$", "", text)


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        text = prefix + _route_text(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = ":".join(x for x in (namespace, ns) if x) or None
            yield from _walk(entry.url_patterns, text, full_ns)
        elif isinstance(entry, URLPattern):
            yield text, entry, namespace


def asset_routes():
    """(route text, url name, kwarg names) of every route that takes an asset id."""
    routes = []
    for text, entry, namespace in _walk(get_resolver().url_patterns):
        names = set(_kwargs_of(entry.pattern))
        if text.startswith(PREFIXES) and names & ASSET_KWARGS:
            assert entry.name, f"route {text!r} takes an asset id but has no name"
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            routes.append((text, name, sorted(names)))
    return routes


def _url(name, kwarg_names, asset_pk, preset):
    fillers = {"preset": [preset.slug], "format": ["json"]}
    kwargs = {}
    for kwarg in kwarg_names:
        kwargs[kwarg] = asset_pk if kwarg in ASSET_KWARGS else fillers.get(kwarg, ["x"])[0]
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # a converter wanted an int for the other argument
        return reverse(name, kwargs={k: (v if k in ASSET_KWARGS else 1)
                                     for k, v in kwargs.items()})


def _call(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def _normalised(response, *asset_pks) -> bytes:
    # Both ids are replaced in both pages, so a "1" elsewhere in the page (initial-scale=1)
    # is not mistaken for the asset id of one of them.
    # The branded 404 has the header's sign-out form, whose CSRF token is masked afresh.
    ids = b"|".join(b"%d" % pk for pk in asset_pks)
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"{csrf}", response.content)
    return re.sub(rb"\b(%s)\b" % ids, b"{id}", content)


def test_the_enumeration_finds_the_asset_routes(db):
    routes = asset_routes()
    assert len(routes) >= MIN_ROUTES, routes


@pytest.mark.parametrize("route", asset_routes(), ids=lambda r: r[0])
def test_charlie_gets_404_for_alices_asset_as_for_a_missing_one(client_for, alice, charlie,
                                                                alice_asset, route):
    # given
    _text, name, kwarg_names = route
    preset = f.DownloadPresetFactory(slug="web-large")
    missing_pk = alice_asset.pk + 10_000
    client = client_for(charlie)

    # when
    hidden = _call(client, _url(name, kwarg_names, alice_asset.pk, preset))
    missing = _call(client, _url(name, kwarg_names, missing_pk, preset))

    # then
    assert hidden.status_code == 404, (name, hidden.status_code)
    assert missing.status_code == 404
    ids = (alice_asset.pk, missing_pk)
    assert _normalised(hidden, *ids) == _normalised(missing, *ids)


def test_alice_can_reach_her_asset_through_these_routes(client_for, alice, alice_asset):
    # given: the check above is not vacuous — the same URLs answer alice
    preset = f.DownloadPresetFactory(slug="web-large")
    client = client_for(alice)

    # when
    statuses = {name: _call(client, _url(name, kwargs, alice_asset.pk, preset)).status_code
                for _text, name, kwargs in asset_routes()}

    # then
    assert statuses.get("assets:detail") == 200, statuses
    assert statuses.get("asset-detail") == 200, statuses
    assert sum(1 for status in statuses.values() if status != 404) >= MIN_ROUTES - 1, statuses
