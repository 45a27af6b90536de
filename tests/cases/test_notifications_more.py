"""Emails on reopening (to the assignee, or support) and on a new version (to the opener)."""

from django.core import mail

from assets.models import Asset
from assets.signals import asset_version_released
from cases import services
from cases.models import Notification
from tests import factories as f


def _resolved(case, support):
    services.case_resolve(case=case, actor=support, resolution_kind="link",
                          link="https://cdn.example/box.jpg", note="Here you are.")


def test_a_partner_reopening_emails_the_assignee(bob_case, bob, support,
                                                 django_capture_on_commit_callbacks):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    _resolved(bob_case, support)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reopen(case=bob_case, actor=bob)
    # then
    assert [m.to for m in mail.outbox] == [[support.email]]
    email = mail.outbox[0]
    assert email.subject == f"[{bob_case.reference}] Reopened: Wrong packaging photo"
    assert "was reopened" in email.body and "by Bob Becker" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "was reopened" in html
    assert f"/cases/{bob_case.reference}/" in html


def test_reopening_an_unassigned_case_emails_support(bob_case, bob, support, settings,
                                                      django_capture_on_commit_callbacks):
    # given
    services.case_close(case=bob_case, actor=bob)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reopen(case=bob_case, actor=bob)
    # then
    assert [m.to for m in mail.outbox] == [[settings.SUPPORT_EMAIL]]
    assert Notification.objects.get(kind="reopened").audience == "staff"


def test_the_assignee_reopening_the_case_is_not_emailed_about_it(
        bob_case, bob, support, django_capture_on_commit_callbacks):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    _resolved(bob_case, support)
    mail.outbox.clear()
    # when: staff reopen by moving the case back in progress
    with django_capture_on_commit_callbacks(execute=True):
        services.case_set_status(case=bob_case, actor=support, status="in_progress")
    # then
    assert mail.outbox == []
    bob_case.refresh_from_db()
    assert bob_case.status == "in_progress"


def test_reopening_through_the_api_emails_the_assignee(bob_case, bob, support, client_for,
                                                       django_capture_on_commit_callbacks):
    # given
    services.case_assign(case=bob_case, actor=support, assignee=support)
    _resolved(bob_case, support)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(f"/api/v1/cases/{bob_case.pk}/reopen/")
    # then
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[support.email]]


def test_a_new_version_emails_the_opener_of_each_open_case(
        bob, alice, support, alice_asset, open_case, django_capture_on_commit_callbacks):
    # given: bob's and alice's open cases, and a closed one of bob's, on the asset
    open_case(bob, alice_asset)
    open_case(alice, alice_asset)
    closed = open_case(bob, alice_asset, subject="Old problem")
    services.case_close(case=closed, actor=bob)
    version = f.AssetVersionFactory(asset=alice_asset)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        asset_version_released.send(sender=Asset, asset=alice_asset, version=version)
    # then
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.email, alice.email])
    for email in mail.outbox:
        assert "A new version of the asset you reported was published" in email.body
        assert f"({version.label})" in email.body
        assert "New version published" in email.subject
        assert "A new version of the asset you reported was published" in (
            email.alternatives[0][0])
    assert not any("Old problem" in m.subject for m in mail.outbox)


def test_a_new_version_is_emailed_once_however_often_it_is_announced(
        bob_case, bob, alice_asset, django_capture_on_commit_callbacks):
    # given
    version = f.AssetVersionFactory(asset=alice_asset)
    mail.outbox.clear()
    # when
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            asset_version_released.send(sender=Asset, asset=alice_asset, version=version)
    # then
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert Notification.objects.filter(kind="new_version").count() == 1


def test_internal_notes_never_reach_partners_around_these_emails(
        bob_case, bob, support, alice_asset, django_capture_on_commit_callbacks):
    # given: an internal note, then a new version, then a close and reopen by staff
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(case=bob_case, author=support, body="SECRET: blame the agency",
                            internal=True)
        asset_version_released.send(sender=Asset, asset=alice_asset,
                                 version=f.AssetVersionFactory(asset=alice_asset))
        services.case_close(case=bob_case, actor=support)
        services.case_reopen(case=bob_case, actor=support)
    # then
    to_bob = [m for m in mail.outbox if m.to == [bob.email]]
    assert len(to_bob) == 1
    assert all("SECRET" not in m.body and "SECRET" not in m.alternatives[0][0]
               for m in mail.outbox)
    assert not Notification.objects.filter(message__kind="internal").exists()
