"""The notification centre: unread count in the header, the history page, mark read, API."""

import pytest

from notifications import services
from notifications.models import Notice
from tests.api.openapi import assert_matches_schema


def _notice(user, key="k1", title="New version of Box front", **fields):
    services.notify([user.pk], kind=fields.pop("kind", Notice.Kind.NEW_VERSION), key=key,
                    title=title, body="Now: Version 2", url="/catalog/", **fields)
    return Notice.objects.get(user=user, key=key)


def test_the_header_shows_the_unread_count_and_the_page_lists_the_history(bob, alice,
                                                                          client_for):
    # given
    _notice(bob, "a", "First thing")
    _notice(bob, "b", "Second thing")
    _notice(alice, "c", "Alice's thing")
    # when
    page = client_for(bob).get("/notifications/").content.decode()
    # then
    assert 'aria-label="2 unread"' in page
    assert "First thing" in page and "Second thing" in page
    assert "Alice&#x27;s thing" not in page and "Alice's thing" not in page


def test_marking_one_read_lowers_the_count_and_keeps_it_in_the_history(bob, client_for):
    # given
    first, second = _notice(bob, "a", "First thing"), _notice(bob, "b", "Second thing")
    client = client_for(bob)
    # when
    response = client.post("/notifications/read/", {"notice": [first.pk]})
    # then
    assert response.status_code == 302
    page = client.get("/notifications/").content.decode()
    assert 'aria-label="1 unread"' in page and "First thing" in page
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_nobody_marks_someone_elses_notice_read(bob, alice, client_for):
    # given
    notice = _notice(alice)
    # when
    client_for(bob).post("/notifications/read/", {"notice": [notice.pk]})
    # then
    notice.refresh_from_db()
    assert notice.read_at is None


def test_a_bad_notice_id_is_a_400_and_changes_nothing(bob, client_for):
    # given
    notice = _notice(bob)
    # when
    response = client_for(bob).post("/notifications/read/", {"notice": ["x"]})
    # then
    assert response.status_code == 400
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_same_key_notifies_a_user_once_with_one_email_after_commit(
        bob, mailoutbox, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([bob.pk], kind=Notice.Kind.NEW_VERSION, key="k", title="Box front v2",
                        url="/assets/7/")
        assert mailoutbox == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([bob.pk], kind=Notice.Kind.NEW_VERSION, key="k", title="Box front v2")
    # then
    assert Notice.objects.filter(user=bob).count() == 1
    [email] = mailoutbox
    assert email.to == [bob.email] and "Box front v2" in email.subject
    assert "http://testserver/assets/7/" in email.body or "/assets/7/" in email.body
    assert email.alternatives[0][1] == "text/html"


@pytest.mark.django_db
def test_the_api_lists_my_notices_and_marks_them_read(bob, alice, client_for):
    # given
    _notice(bob, "a"), _notice(bob, "b"), _notice(alice, "c")
    client = client_for(bob)
    # when
    response = client.get("/api/v1/notifications/?unread=1")
    assert_matches_schema(response)
    listed = response.json()
    response = client.post("/api/v1/notifications/mark-read/",
                           {"ids": [listed["results"][0]["id"]]}, content_type="application/json")
    assert_matches_schema(response)
    marked = response.json()
    # then
    assert listed["count"] == 2
    assert marked == {"marked": 1, "unread": 1}


def test_the_api_refuses_bad_ids_with_a_400(bob, client_for):
    # when
    response = client_for(bob).post("/api/v1/notifications/mark-read/", {"ids": ["x"]},
                                    content_type="application/json")
    # then
    assert response.status_code == 400


def test_a_support_reply_appears_in_bobs_notification_centre_without_a_second_email(
        bob, support, alice_asset, mailoutbox, django_capture_on_commit_callbacks):
    # given
    from cases import services as case_services

    case = case_services.case_open(opener=bob, asset=alice_asset, category="playback",
                                   subject="Video will not play", body="Black screen.")
    mailoutbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_reply(case=case, author=support, body="Which browser?")
    # then
    [notice] = Notice.objects.filter(user=bob)
    assert notice.kind == "case_reply" and case.reference in notice.title
    assert notice.url == f"/cases/{case.reference}/"
    assert [m.to for m in mailoutbox] == [[bob.email]]  # the case email only


def test_marking_one_key_read_leaves_keys_that_merely_begin_with_it(bob):
    from notifications import services
    from notifications.models import Notice

    for key in ("version:1", "version:12", "ack-reminder:7:2026-12-01",
                "ack-reminder:7:2026-12-02"):
        services.notify([bob.pk], kind=Notice.Kind.NEW_VERSION, key=key, title=key, email=False)
    services.mark_read_by_key([bob.pk], "version:1")
    services.mark_read_by_key([bob.pk], "ack-reminder:7:")
    assert list(Notice.objects.unread().values_list("key", flat=True)) == ["version:12"]
