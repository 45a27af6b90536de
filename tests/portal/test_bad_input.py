"""Bad input gets a clear 4xx, never a server error: every page and endpoint, junk parameters.

Routes are found by walking the URL resolver, so a new page or endpoint is covered the
day it is added.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

JUNK_QUERY = {
    "q": "<script>alert(1)</script>' OR 1=1 --" + "x" * 500,
    "page": "-1", "page_size": "abc", "per_page": "99999999999999999999",
    "sort": "../../etc", "ordering": "password", "market": ["%00", "zz"],
    "product_line": "%", "campaign": "😀", "kind": "", "format": "exe",
    "orientation": "diagonal", "updated_since": "yesterday-ish", "status": "nope",
    "priority": "[]", "assignee": "NaN", "overdue": "maybe", "community": "1e309",
    "since": "2026-13-45", "asset": "DROP TABLE", "category": "{}",
}
JUNK_BODIES = [b"", b"{", b"[]", b"null", json.dumps({"asset": "x", "body": None}).encode(),
               json.dumps({"category": "x" * 10_000}).encode(), b"\xff\xfe"]
SKIP_PREFIXES = ("admin/", "accounts/", "static/", "api/schema", "api/docs", "healthz",
                 "me/tokens")  # allauth and the admin are tested by their own projects


def _walk(patterns, prefix=""):
    for entry in patterns:
        text = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, text)
        elif isinstance(entry, URLPattern):
            yield text, entry


def plain_routes():
    """Every route without path parameters, outside the admin and allauth."""
    found = sorted({"/" + text for text, entry in _walk(get_resolver().url_patterns)
                    if "<" not in text and "(?P" not in text
                    and not text.startswith(SKIP_PREFIXES)})
    assert len(found) >= 8, found  # catalog, cases, queue, communities, hooks, API lists...
    return found


@pytest.mark.parametrize("persona", ["alice", "content", "support"])
def test_junk_query_parameters_never_cause_a_server_error(client, persona, request):
    # given
    client.force_login(request.getfixturevalue(persona))
    # when / then
    for url in plain_routes():
        response = client.get(url, JUNK_QUERY)
        assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("persona", ["alice", "support"])
def test_junk_bodies_never_cause_a_server_error(client, persona, request):
    # given
    client.force_login(request.getfixturevalue(persona))
    # when / then
    for url in plain_routes():
        for body in JUNK_BODIES:
            response = client.post(url, body, content_type="application/json")
            assert response.status_code < 500, (url, body[:20], response.status_code)
        response = client.post(url, JUNK_QUERY)  # a junk form, form-encoded
        assert response.status_code < 500, (url, "form", response.status_code)


def test_a_nul_byte_in_the_query_string_is_a_bad_request(client, alice):
    client.force_login(alice)
    response = client.get("/catalog/", {"q": "boot\x00"})
    assert response.status_code == 400
    assert b"NUL" in response.content
