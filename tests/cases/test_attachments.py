"""A case carries a screenshot (image or PDF): validated, size-limited, stored under a random
name outside every served folder, downloadable by staff and the opener, never by others; a
bad file is a clear form error that keeps what was typed."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.models import Event
from cases import services
from cases.models import Case, CaseAttachment


@pytest.fixture(autouse=True)
def attachments_dir(settings, tmp_path):
    settings.CASE_ATTACHMENTS_DIR = str(tmp_path / "attachments")
    return tmp_path / "attachments"


def png(name="screen.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()  # noise: it does not compress, so size says how big the file is
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name="proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def _open(client, asset, **extra):
    return client.post(f"/cases/new/?asset={asset.pk}", {
        "category": "quality", "subject": "Cropped banner", "priority": "normal",
        "body": "See the screenshot.", **extra})


def test_bob_opens_a_case_with_a_screenshot_and_support_downloads_it(
        bob, support, alice_asset, client_for, attachments_dir):
    # when
    response = _open(client_for(bob), alice_asset, attachment=png("my screen.png"))
    # then
    case = Case.objects.get()
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert (attachment.case, attachment.name, attachment.content_type) == (
        case, "my screen.png", "image/png")
    stored = attachment.file.name
    assert stored.startswith(f"{case.pk}/") and stored.endswith(".png")
    assert "screen" not in stored  # a random name, not the uploader's
    assert (attachments_dir / stored).exists()
    assert Event.objects.get(action="case.opened").payload["attachment"] == attachment.pk
    page = client_for(support).get(f"/cases/{case.reference}/").content.decode()
    url = f"/cases/{case.reference}/attachments/{attachment.pk}/"
    assert url in page and "my screen.png" in page
    download = client_for(support).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_the_opener_downloads_it_and_others_cannot(bob, charlie, alice_asset, client_for,
                                                   open_case):
    case = services.case_open(opener=bob, asset=alice_asset, category="quality",
                              subject="s", body="b", attachment=pdf())
    url = f"/cases/{case.reference}/attachments/{case.attachments.get().pk}/"
    assert client_for(bob).get(url).status_code == 200
    assert client_for(charlie).get(url).status_code == 404


def test_a_partner_never_gets_the_attachment_of_an_internal_note(bob_case, bob, support,
                                                                 client_for):
    note = services.case_reply(case=bob_case, author=support, body="From the studio",
                               internal=True, attachment=png())
    url = f"/cases/{bob_case.reference}/attachments/{note.attachments.get().pk}/"
    assert client_for(bob).get(url).status_code == 404
    assert client_for(support).get(url).status_code == 200


def test_a_reply_carries_a_pdf(bob_case, bob, client_for):
    response = client_for(bob).post(f"/cases/{bob_case.reference}/reply/",
                                    {"body": "The proof", "attachment": pdf()})
    assert response.status_code == 302
    assert bob_case.messages.get(body="The proof").attachments.get().content_type == (
        "application/pdf")


@pytest.mark.parametrize("upload, error", [
    (SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"),
     "Attach a screenshot (PNG, JPEG, GIF or WebP) or a PDF"),
    (SimpleUploadedFile("page.html", b"<html><script>x</script>", content_type="text/html"),
     "Attach a screenshot (PNG, JPEG, GIF or WebP) or a PDF"),
    (SimpleUploadedFile("empty.png", b"", content_type="image/png"), "The submitted file is empty"),
])
def test_a_bad_file_is_a_clear_error_and_the_form_keeps_the_text(bob, alice_asset, client_for,
                                                                upload, error):
    response = _open(client_for(bob), alice_asset, attachment=upload)
    page = response.content.decode()
    assert response.status_code == 200
    assert error in page
    assert "Cropped banner" in page and "See the screenshot." in page
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused_with_its_size(bob, alice_asset, client_for, settings):
    settings.CASE_ATTACHMENT_MAX_BYTES = 2048
    response = _open(client_for(bob), alice_asset, attachment=png(size=(400, 400)))
    assert "an attachment can be at most 2.0 KB" in response.content.decode()
    assert not Case.objects.exists()


def test_a_bad_file_on_a_reply_keeps_the_reply(bob_case, bob, client_for):
    response = client_for(bob).post(f"/cases/{bob_case.reference}/reply/", {
        "body": "My long explanation", "attachment": SimpleUploadedFile("a.exe", b"MZ\x90")})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="attachment-error"' in page and "My long explanation" in page
    assert not bob_case.messages.filter(body="My long explanation").exists()


def test_the_service_refuses_a_bad_file_too(bob, alice_asset):
    with pytest.raises(services.CaseError, match="Attach a screenshot"):
        services.case_open(opener=bob, asset=alice_asset, category="quality", subject="s",
                           body="b", attachment=SimpleUploadedFile("x.gif", b"GIF89a junk"))
    assert not Case.objects.exists()


def test_the_storage_has_no_public_url(bob, alice_asset):
    case = services.case_open(opener=bob, asset=alice_asset, category="quality",
                              subject="s", body="b", attachment=png())
    with pytest.raises(ValueError):
        case.attachments.get().file.url
