"""/api/docs/ renders the schema with no internet: Swagger UI comes from our static files
(drf-spectacular-sidecar); every request to another host is refused in this test."""

import pytest

pytestmark = pytest.mark.browser


def test_api_docs_render_the_schema_offline(browser, live_server, db):
    from playwright.sync_api import expect

    # given: a browser that can reach only the portal
    context = browser.new_context(base_url=live_server.url)
    elsewhere = []

    def only_the_portal(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_portal)
    page = context.new_page()
    # when
    page.goto("/api/docs/")
    # then: the operations of the schema are listed
    expect(page.get_by_text("Partner Asset Portal API").first).to_be_visible(timeout=15_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/assets/").first
           ).to_be_visible()
    assert elsewhere == []
