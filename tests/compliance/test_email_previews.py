"""Supersede emails show both versions side by side as inline (cid:) images fetched through
the SDK's signed URLs when the email is sent; a failed fetch never stops the email."""

from unittest import mock

from django.core import mail

from compliance import previews

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 200


def _inline_parts(message):
    return [part for part in message.message().walk()
            if part.get("Content-ID") and part.get_content_maintype() == "image"]


def test_the_email_shows_the_previous_and_the_new_version_inline(
        bob, packaging, presets, download, release):
    # given
    download(bob, packaging)
    mail.outbox.clear()
    # when: v2 is approved; the email is sent with the previews fetched at that moment
    with mock.patch.object(previews, "fetch_bytes", autospec=True,
                           return_value=(JPEG, "image/jpeg")) as fetch:
        v2 = release(packaging)
    # then: two signed, per-version URLs were fetched, and embedded, not linked
    urls = [c.args[0] for c in fetch.call_args_list]
    assert len(urls) == 2 and all("/s--" in u for u in urls)
    assert v2.delivery_public_id in urls[1] and v2.delivery_public_id not in urls[0]
    [email] = [m for m in mail.outbox if m.to == [bob.email]]
    parts = _inline_parts(email)
    assert [p.get_payload(decode=True) for p in parts] == [JPEG, JPEG]
    html = email.alternatives[0][0]
    cids = [p["Content-ID"].strip("<>") for p in parts]
    assert all(f'src="cid:{cid}"' in html for cid in cids)
    assert "Before: Version 1" in html and "Now: Version 2" in html
    assert not any(u in html for u in urls)  # no CDN URL in the mail itself


def test_a_preview_that_cannot_be_fetched_leaves_the_email_with_its_facts(
        bob, packaging, presets, download, release):
    # given
    download(bob, packaging)
    mail.outbox.clear()
    # when: Cloudinary does not answer
    with mock.patch.object(previews, "fetch_bytes", autospec=True,
                           side_effect=OSError("connection refused")):
        release(packaging)
    # then
    [email] = [m for m in mail.outbox if m.to == [bob.email]]
    assert _inline_parts(email) == [] and "cid:" not in email.alternatives[0][0]
    assert "Now:" in email.body
