"""The cases API: same rules as the pages, responses as the schema declares."""

from django.core import mail

from cases import services
from cases.models import Case
from tests import factories as f
from tests.api.openapi import assert_matches_schema
from tests.helpers import queries_for


def test_a_partner_opens_a_case_through_the_api(bob, alice_asset, client_for, settings):
    # when
    response = client_for(bob).post("/api/v1/cases/", {
        "asset": alice_asset.pk, "category": "alternate_format", "subject": "Need a PNG",
        "body": "Transparent background please."}, content_type="application/json")
    # then
    assert response.status_code == 201, response.content
    assert_matches_schema(response)
    body = response.json()
    assert body["reference"].startswith("CASE-") and body["status"] == "new"
    assert body["asset_version"] == alice_asset.current_version.version
    assert Case.objects.get().opener == bob


def test_bad_input_gets_a_clear_error(bob, alice_asset, client_for):
    response = client_for(bob).post("/api/v1/cases/", {
        "asset": alice_asset.pk, "category": "complaint", "subject": "", "body": "x"},
        content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"category", "subject"}


def test_the_list_is_the_callers_cases_with_a_fixed_query_count(bob, alice, alice_asset,
                                                                open_case, client_for):
    # given
    client = client_for(alice)
    open_case(bob, alice_asset)
    client.get("/api/v1/cases/")
    few = queries_for(lambda: client.get("/api/v1/cases/"))
    for _ in range(5):
        open_case(alice, alice_asset)
    # when
    response = client.get("/api/v1/cases/")
    # then
    assert_matches_schema(response)
    assert response.json()["count"] == 6
    assert queries_for(lambda: client.get("/api/v1/cases/")) == few


def test_staff_filter_the_api_like_the_queue(bob, alice_asset, support, open_case, client_for):
    # given
    urgent = open_case(bob, alice_asset, priority="urgent")
    open_case(bob, alice_asset)
    # when
    response = client_for(support).get("/api/v1/cases/?priority=urgent&status=new")
    # then
    assert [c["reference"] for c in response.json()["results"]] == [urgent.reference]


def test_messages_list_and_reply(bob_case, bob, support, client_for):
    # given
    services.case_reply(case=bob_case, author=support, body="**Which** market?")
    client = client_for(bob)
    mail.outbox.clear()
    # when
    thread = client.get(f"/api/v1/cases/{bob_case.pk}/messages/")
    reply = client.post(f"/api/v1/cases/{bob_case.pk}/messages/", {"body": "Germany"},
                        content_type="application/json")
    # then
    assert_matches_schema(thread)
    assert_matches_schema(reply)
    assert [m["body"] for m in thread.json() if m["kind"] == "reply"] == [
        "The photo shows last year's box.", "**Which** market?"]
    assert "<strong>Which</strong>" in thread.json()[1]["body_html"]
    assert reply.status_code == 201


def test_the_thread_endpoint_has_a_fixed_query_count(bob_case, bob, support, alice_asset,
                                                     client_for):
    # given
    client = client_for(bob)
    url = f"/api/v1/cases/{bob_case.pk}/messages/"
    client.get(url)
    few = queries_for(lambda: client.get(url))
    for _ in range(4):
        services.case_reply(case=bob_case, author=support, body="more",
                            referenced_assets=[alice_asset.pk])
    # then
    assert queries_for(lambda: client.get(url)) == few


def test_partners_cannot_post_internal_notes_through_the_api(bob_case, bob, client_for):
    response = client_for(bob).post(f"/api/v1/cases/{bob_case.pk}/messages/",
                                    {"body": "x", "internal": True},
                                    content_type="application/json")
    assert response.status_code == 400
    assert bob_case.messages.count() == 1


def test_the_resolution_appears_in_the_api(bob_case, bob, support, alice_asset, client_for):
    # given
    corrected = f.AssetVersionFactory(asset=alice_asset)
    services.case_resolve(case=bob_case, actor=support, resolution_kind="version",
                          version=corrected, note="Fixed")
    # when
    response = client_for(bob).get(f"/api/v1/cases/{bob_case.pk}/")
    # then
    assert_matches_schema(response)
    resolution = response.json()["resolution"]
    assert resolution["version"] == corrected.version
    assert resolution["download_url"] == f"/assets/{alice_asset.pk}/download/original/"
