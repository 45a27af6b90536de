"""Inbound thread events: forged, stale and replayed webhooks change nothing; a non-member
gets no case; an asset the author cannot see opens a case with no asset that leaks nothing
(same answer and page as a missing one); an edit edits the message."""

import json
import re
import time

from audit.models import Event
from cases import threads
from cases.models import Case, Message
from cases.thread_models import CaseThread, ThreadOutbox
from communities.models import TradingGridEvent
from emulators.tradinggrid.webhooks import encode_event, sign
from tests import factories as f
from tests.cases.threads_fixtures import BOB, EU, published_asset, reference


def _post_hook(client, event, secret, *, timestamp=None):
    body = encode_event(event)
    timestamp = str(timestamp or int(time.time()))
    return client.post("/hooks/tradinggrid/", data=body, content_type="application/json",
                       HTTP_X_TG_EVENT_ID=event["id"], HTTP_X_TG_TIMESTAMP=timestamp,
                       HTTP_X_TG_SIGNATURE=sign(secret, timestamp, body))


def _page_without_ids(client, case):
    """The partner's case page with what differs between any two cases taken out."""
    html = client.get(f"/cases/{case.reference}/").content.decode()
    for own in (case.reference, case.tg_thread.tg_thread_id):
        html = html.replace(own, "ID")
    html = re.sub(r'(nonce|value|datetime)="[^"]*"', "", html)
    return re.sub(r'message-\d+|\d\d:\d\d', "", html)


def _thread_event(tg, asset, email=BOB):
    tg.create_thread(EU, email, title="Wrong crop", body="Please fix",
                     attachments=[reference(asset)])
    return tg.events[-1]


def test_a_forged_or_stale_thread_webhook_changes_nothing(tg, client, settings,
                                                          django_capture_on_commit_callbacks):
    # given: a real thread event for a visible asset
    event = _thread_event(tg, published_asset(f))
    secret = settings.TRADING_GRID_WEBHOOK_SECRET
    # when: signed with the wrong secret, or signed ten minutes ago
    with django_capture_on_commit_callbacks(execute=True):
        forged = _post_hook(client, event, "not-the-secret")
        stale = _post_hook(client, event, secret, timestamp=int(time.time()) - 600)
    # then
    assert (forged.status_code, stale.status_code) == (401, 401)
    assert not TradingGridEvent.objects.exists()
    assert not Case.objects.exists() and not CaseThread.objects.exists()


def test_a_replayed_thread_webhook_opens_one_case(tg, client, settings,
                                                  django_capture_on_commit_callbacks):
    # given
    event = _thread_event(tg, published_asset(f))
    secret = settings.TRADING_GRID_WEBHOOK_SECRET
    # when: the same signed event arrives twice
    with django_capture_on_commit_callbacks(execute=True):
        first = _post_hook(client, event, secret)
    with django_capture_on_commit_callbacks(execute=True):
        again = _post_hook(client, event, secret)
    # then
    assert first.json()["status"] == "accepted" and again.json()["status"] == "duplicate"
    assert Case.objects.count() == 1
    assert Case.objects.get().messages.count() == 1


def test_a_thread_event_with_the_right_signature_but_altered_body_is_refused(
        tg, client, settings):
    # given: a correctly signed body, then one byte changed
    event = _thread_event(tg, published_asset(f))
    body = encode_event(event)
    timestamp = str(int(time.time()))
    signature = sign(settings.TRADING_GRID_WEBHOOK_SECRET, timestamp, body)
    altered = body.replace(b"Wrong crop", b"Wrong cro!")
    # when
    response = client.post("/hooks/tradinggrid/", data=altered,
                           content_type="application/json", HTTP_X_TG_EVENT_ID=event["id"],
                           HTTP_X_TG_TIMESTAMP=timestamp, HTTP_X_TG_SIGNATURE=signature)
    # then
    assert response.status_code == 401 and not Case.objects.exists()
    assert json.loads(response.content)["error"]


def test_an_author_who_is_not_a_member_gets_no_case_and_a_polite_post(tg):
    # given: someone in Trading Grid who is not in EU Retailers
    asset = published_asset(f)
    opened = tg.create_thread(EU, "mallory@elsewhere.example", title="Give me files",
                              body="Send the masters", attachments=[reference(asset)])
    thread_id = opened["thread"]["id"]
    # when
    outcome = threads.thread_pull(EU, thread_id)
    threads.deliver_pending(CaseThread.objects.get().pk)
    # then
    assert outcome.startswith("held: The author is not a current member")
    assert not Case.objects.exists()
    posts = tg.threads.all_posts(thread_id)
    assert len(posts) == 2 and "not a current member of this community" in posts[1]["body"]
    assert asset.title not in posts[1]["body"]


def test_an_asset_the_author_cannot_see_opens_a_case_that_answers_like_a_missing_one(
        tg, client):
    # given: charlie's asset (published to Japan Resellers only) and an id nobody has
    hidden = published_asset(f, title="Summit Pro JP banner", community="COMM-JP-RESELL")
    hidden_thread = tg.create_thread(EU, BOB, title="This one", body="Broken",
                                     attachments=[reference(hidden)])["thread"]["id"]
    nobody = {"type": "asset", "urn": f"cld:{threads.cloud_name()}:" + "0" * 32}
    missing_thread = tg.create_thread(EU, BOB, title="This one", body="Broken",
                                      attachments=[nobody])["thread"]["id"]
    # when
    outcomes = [threads.thread_pull(EU, hidden_thread), threads.thread_pull(EU, missing_thread)]
    for pk in threads.pending_threads():
        threads.deliver_pending(pk)
    # then: a case each, naming no asset, and one identical answer in both threads
    assert outcomes == ["case opened", "case opened"]
    cases = [CaseThread.objects.get(tg_thread_id=t).case for t in (hidden_thread, missing_thread)]
    assert [c.asset_id for c in cases] == [None, None]
    assert [c.asset_version_id for c in cases] == [None, None]
    assert not CaseThread.objects.exclude(held_reason="").exists()
    answers = [tg.threads.all_posts(t)[1]["body"] for t in (hidden_thread, missing_thread)]
    assert answers[0] == answers[1]
    assert hidden.title not in answers[0] and "Japan" not in answers[0]
    assert [p["attachments"] for t in (hidden_thread, missing_thread)
            for p in tg.threads.all_posts(t)[1:]] == [[], []]
    assert ThreadOutbox.objects.filter(sent_at__isnull=False).count() == 2
    # then: the partner's page is the same for both; support reads why in an internal note
    client.force_login(cases[0].opener)
    pages = [_page_without_ids(client, c) for c in cases]
    assert pages[0] == pages[1]
    assert hidden.title not in pages[0] and hidden.asset_id not in pages[0]
    note = cases[0].messages.get(kind=Message.Kind.INTERNAL)
    assert hidden.asset_id in note.body and "not visible" in note.body
    trail = Event.objects.for_target("cases.case", cases[0].pk)
    assert trail.exists() and not trail.filter(asset_id=hidden.pk).exists()
    assert all(hidden.asset_id not in json.dumps(e.payload) for e in trail)


def test_a_thread_without_an_asset_reference_or_tag_is_not_a_case(tg):
    # given
    thread_id = tg.create_thread(EU, BOB, title="Lunch on Friday?", body="Anyone?")["thread"]["id"]
    # when / then
    assert threads.thread_pull(EU, thread_id) == "ignored: not a media case"
    assert not CaseThread.objects.exists()


def test_a_reference_to_another_cloud_is_not_the_catalog_asset(tg):
    # given: the right asset id, but named in some other Cloudinary cloud
    asset = published_asset(f)
    urn = f"cld:someone-else:{asset.asset_id}"
    thread_id = tg.create_thread(EU, BOB, title="x", body="y",
                                 attachments=[{"type": "asset", "urn": urn}])["thread"]["id"]
    # when / then: a case, but not about the catalog asset of that id
    assert threads.thread_pull(EU, thread_id) == "case opened"
    assert Case.objects.get().asset_id is None


def test_an_edited_post_edits_its_case_message_and_keeps_the_previous_text(
        tg, client, settings, django_capture_on_commit_callbacks):
    # given: a case from a thread
    asset = published_asset(f)
    opened = tg.create_thread(EU, BOB, title="Crop", body="Cropped at the top.",
                              attachments=[reference(asset)])
    threads.thread_pull(EU, opened["thread"]["id"])
    case = Case.objects.get()
    # when: bob edits his post twice; the second edit's event arrives first, then both again
    tg.update_post(opened["thread"]["id"], opened["post"]["id"], body="Cropped at the side.")
    first_edit = tg.events[-1]
    tg.update_post(opened["thread"]["id"], opened["post"]["id"], body="Cropped at the bottom.")
    second_edit = tg.events[-1]
    for event in (second_edit, first_edit, second_edit):
        with django_capture_on_commit_callbacks(execute=True):
            _post_hook(client, event, settings.TRADING_GRID_WEBHOOK_SECRET)
    # then: the one message reads the newest text; nothing was appended
    assert list(case.messages.values_list("body", flat=True)) == ["Cropped at the bottom."]
    edits = [e.payload for e in Event.objects.filter(action="case.thread_received")
             if e.payload.get("outcome") == "post edited"]
    assert [e["previous"] for e in edits] == ["Cropped at the top."]
    assert not ThreadOutbox.objects.exists()  # an inbound change is never posted back
