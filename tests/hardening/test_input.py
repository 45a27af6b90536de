"""Review findings 3 to 6: header injection, open redirect, huge ids, the format filter."""

import importlib

from django.apps import apps
from django.core import mail
from rest_framework.test import APIClient

from cases import notifications
from cases.models import Case, Notification
from tests.api.openapi import assert_matches_schema
from tests.catalog.fixtures import published_asset

BAD_SUBJECT = "hello\r\nBcc: everyone@evil.example"


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- 3: CR/LF in a case subject ----------------------------------------------------------

def test_a_subject_with_a_line_break_is_a_clear_400_in_the_api(bob, alice_asset):
    # when
    response = _api(bob).post("/api/v1/cases/", {
        "asset": alice_asset.pk, "category": "incorrect_asset", "subject": BAD_SUBJECT,
        "body": "x"}, format="json")
    # then
    assert response.status_code == 400
    assert "single line" in response.json()["subject"][0]
    assert not Case.objects.exists()


def test_a_subject_with_a_line_break_is_a_form_error(client_for, bob, alice_asset):
    # when
    response = client_for(bob).post(f"/cases/new/?asset={alice_asset.pk}", {
        "category": "incorrect_asset", "subject": BAD_SUBJECT, "priority": "normal", "body": "x"})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["subject"]
    assert not Case.objects.exists()


def test_the_migration_makes_old_subjects_single_line_and_their_emails_go_out(bob_case,
                                                                              support):
    # given: a row written before the validator, and its email stuck in the outbox
    Case.objects.filter(pk=bob_case.pk).update(subject=BAD_SUBJECT)
    row = Notification.objects.get(case=bob_case)
    Notification.objects.filter(pk=row.pk).update(sent_at=None, claimed_at=None)
    migration = importlib.import_module("cases.migrations.0004_subject_single_line")
    mail.outbox.clear()
    # when
    migration.make_subjects_single_line(apps, None)
    sent = notifications.deliver(row.pk)
    # then
    assert Case.objects.get(pk=bob_case.pk).subject == "hello Bcc: everyone@evil.example"
    assert sent is True and len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject and mail.outbox[0].bcc == []


def test_an_email_about_a_bad_subject_never_fails_to_send(bob_case):
    # given: a subject that slipped past every door (e.g. written by hand in the database)
    Case.objects.filter(pk=bob_case.pk).update(subject=BAD_SUBJECT)
    row = Notification.objects.get(case=bob_case)
    # when
    email = notifications.build_email(row)
    email.message()  # raises BadHeaderError on a CR/LF
    # then
    assert email.subject.endswith("hello Bcc: everyone@evil.example")


# --- 4: open redirect ----------------------------------------------------------------------

def test_download_zip_never_redirects_to_another_site(client_for, bob):
    # when: nothing valid selected, so the view goes back to `next`
    response = client_for(bob).post("/assets/download-zip/",
                                    {"asset": ["x"], "next": "https://evil.example/"})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/catalog/"


def test_download_zip_goes_back_to_a_page_on_this_site(client_for, bob):
    response = client_for(bob).post("/assets/download-zip/",
                                    {"next": "/catalog/?kind=banner"})
    assert response["Location"] == "/catalog/?kind=banner"


# --- 5: huge ids ---------------------------------------------------------------------------

def test_a_huge_referenced_asset_id_is_a_clear_400(bob, bob_case):
    # when
    response = _api(bob).post(f"/api/v1/cases/{bob_case.pk}/messages/",
                              {"body": "see", "referenced_assets": [10**30]}, format="json")
    # then
    assert response.status_code == 400
    assert "referenced_assets" in response.json()
    assert bob_case.messages.count() == 1


def test_a_huge_asset_id_when_opening_a_case_is_a_clear_400(bob):
    response = _api(bob).post("/api/v1/cases/", {
        "asset": 10**30, "category": "incorrect_asset", "subject": "s", "body": "x"}, format="json")
    assert response.status_code == 400
    assert "asset" in response.json()


def test_huge_ids_in_page_forms_are_ignored_not_a_server_error(client_for, bob, support):
    # when
    zip_response = client_for(bob).post("/assets/download-zip/", {"asset": [str(10**30)]})
    bulk = client_for(support).post("/cases/queue/bulk/",
                                    {"action": "assign", "cases": [str(10**30)]})
    # then
    assert zip_response.status_code == 302 and bulk.status_code == 302


# --- 6: the API's format filter --------------------------------------------------------------

def test_the_api_filters_by_file_format(bob, eu_retailers):
    # given
    published_asset(eu_retailers, title="Box", format="jpg")
    published_asset(eu_retailers, title="Sheet", format="pdf")
    # when
    response = _api(bob).get("/api/v1/assets/?file_format=jpg")
    # then
    assert response.status_code == 200
    assert_matches_schema(response)
    assert [a["title"] for a in response.json()["results"]] == ["Box"]


def test_format_keeps_choosing_the_response_format_and_explains_a_file_format(bob,
                                                                                alice_asset):
    # when
    as_json = _api(bob).get("/api/v1/assets/?format=json")
    as_jpg = _api(bob).get("/api/v1/assets/?format=jpg")
    # then
    assert as_json.status_code == 200 and as_json.json()["count"] == 1
    assert as_jpg.status_code == 400
    assert "file_format" in as_jpg.json()["format"][0]


def test_the_schema_documents_file_format_and_not_format(client_for, bob):
    schema = client_for(bob).get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/assets/"]["get"]["parameters"]}
    assert "file_format" in parameters and "format" not in parameters
    assert "Renamed from `format`" in parameters["file_format"]["description"]


def test_an_api_address_that_matches_no_route_is_a_json_404(client_for, bob):
    response = client_for(bob).get("/api/v1/assets/null/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_nul_byte_in_an_api_address_is_a_json_400(client_for, bob):
    response = client_for(bob).get("/api/v1/assets/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
