"""Nobody works from outdated artwork: supersede notices and per-organisation acknowledgements."""

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import Event
from audit.verify import verify_chain
from compliance import selectors, services
from compliance.models import Acknowledgement
from notifications.models import Notice


def _status(asset, partner):
    [row] = [row for row in selectors.currency(asset) if row["partner_id"] == partner.pk]
    return row["status"]


def test_a_new_packaging_version_tells_bob_and_alice_once_and_alice_acknowledges_it(
        bob, alice, charlie, alpine, packaging, presets, download, release, client_for):
    # given: bob downloaded version 1
    download(bob, packaging)
    mail.outbox.clear()
    # when: version 2 is approved
    v2 = release(packaging, note="New recycling mark on the side panel")
    # then: bob and alice get one notice each, in the portal and by one email
    assert sorted(Notice.objects.values_list("user__email", flat=True)) == [alice.email,
                                                                           bob.email]
    notice = Notice.objects.get(user=bob)
    assert "Version 2" in notice.title and "confirm" in notice.title
    assert "New recycling mark on the side panel" in notice.body
    assert notice.url == f"/assets/{packaging.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bob.email]
    assert all(m.alternatives[0][1] == "text/html" for m in mail.outbox)
    assert _status(packaging, alpine) == "on v1, acknowledgement due"
    # when: alice acknowledges in one click from the list of files to confirm
    response = client_for(alice).post(f"/confirmations/{packaging.pk}/", {"version": "2"},
                                      REMOTE_ADDR="203.0.113.7")
    # then
    assert response.status_code == 302
    assert _status(packaging, alpine) == "on v2, acknowledged"
    event = Event.objects.get(action="asset.acknowledged")
    assert (event.actor_user_id, event.partner_id, event.asset_version) == (
        alice.pk, alpine.pk, v2.version)
    assert event.payload == {"version": 2} and event.client_ip == "203.0.113.7"
    assert verify_chain().ok
    ack = Acknowledgement.objects.get()
    assert (ack.acknowledged_by, ack.version) == (alice, v2)
    # and no further reminder goes out, and the notices are done
    mail.outbox.clear()
    assert services.remind(at=ack.due_at) == 0
    assert mail.outbox == []
    assert not Notice.objects.unread().exists()


def test_a_second_approval_before_acknowledgement_supersedes_the_pending_request(
        bob, alice, alpine, packaging, presets, download, release):
    # given
    download(bob, packaging)
    v2 = release(packaging)
    # when
    v3 = release(packaging)
    # then: one pending request, for version 3
    assert list(Acknowledgement.objects.pending().values_list("version", flat=True)) == [v3.pk]
    assert Acknowledgement.objects.get(version=v2).state == "superseded"
    assert _status(packaging, alpine) == "on v1, acknowledgement due"
    with pytest.raises(services.AcknowledgementError, match="confirm version 3"):
        services.acknowledge(user=alice, asset=packaging, number=2)
    # ...and the void "confirm version 2" notices no longer wait unread; version 3's do
    unread = Notice.objects.unread()
    assert not unread.filter(key=f"version:{v2.pk}").exists()
    assert sorted(unread.filter(key=f"version:{v3.pk}").values_list("user__email", flat=True)
                  ) == sorted([alice.email, bob.email])


def test_an_uncontrolled_kind_is_announced_without_an_acknowledgement(
        bob, alice, alice_asset, presets, download, release):
    # given
    download(bob, alice_asset)
    # when
    release(alice_asset)
    # then
    assert Notice.objects.get(user=bob).kind == "new_version"
    assert not Acknowledgement.objects.exists()


def test_nobody_who_never_received_an_uncontrolled_asset_is_told(bob, alice, charlie,
                                                                  alice_asset, presets, release):
    # when: nobody downloaded version 1 of a kind that needs no acknowledgement
    release(alice_asset)
    # then
    assert not Notice.objects.exists() and not Acknowledgement.objects.exists()
    assert mail.outbox == []


def test_an_organisation_it_is_published_to_that_never_downloaded_it_must_acknowledge(
        bob, alice, alpine, charlie, packaging, presets, release):
    # when: nobody downloaded version 1 of the packaging image published to EU Retailers
    v2 = release(packaging)
    # then: Alpine (which can see it) gets the request; its partner admin is told once
    [ack] = Acknowledgement.objects.all()
    assert (ack.partner, ack.version, ack.state) == (alpine, v2, "pending")
    assert list(Notice.objects.values_list("user__email", "kind")) == [(alice.email, "ack_due")]
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert _status(packaging, alpine) == "not downloaded, acknowledgement due"


def test_an_organisation_that_cannot_see_the_asset_gets_no_request(
        alice, charlie, sakura, jp_resellers, packaging, presets, release):
    # given: the packaging image is also published to Japan Resellers, where charlie's
    # membership has ended (so the one rule hides it from Sakura)
    from communities.models import Membership, Publication

    Publication.objects.create(community=jp_resellers, asset=packaging)
    Membership.objects.filter(user=charlie).update(valid_until=timezone.now())
    # when
    release(packaging)
    # then
    assert list(Acknowledgement.objects.values_list("partner__name", flat=True)) == [
        "Alpine Outfitters GmbH"]


def test_the_same_release_announced_twice_tells_each_user_once(bob, packaging, presets,
                                                                 download, release):
    # given
    from compliance.tasks import supersede

    download(bob, packaging)
    v2 = release(packaging)
    # when: the task runs again (a retry)
    supersede(packaging.pk, v2.pk)
    # then
    assert Notice.objects.filter(user=bob).count() == 1
    assert Acknowledgement.objects.count() == 1


def test_charlie_cannot_acknowledge_for_alpine(bob, charlie, packaging, presets, download,
                                               release):
    # given
    download(bob, packaging)
    release(packaging)
    # when / then
    with pytest.raises(services.AcknowledgementError):
        services.acknowledge(user=charlie, asset=packaging)
    assert Acknowledgement.objects.get().state == "pending"


def test_the_acknowledgement_shows_on_the_received_report_and_in_the_export(
        bob, alice, content, packaging, presets, download, release, client_for):
    # given
    from django.core.management import call_command

    download(bob, packaging)
    release(packaging)
    services.acknowledge(user=alice, asset=packaging, number=2)
    # when
    page = client_for(content).get(f"/audit/received/{packaging.pk}/").content.decode()
    import io
    out = io.StringIO()
    call_command("export_audit", "--since", "2000-01-01", "--until", "2100-01-01",
                 "--asset", str(packaging.pk), stdout=out)
    # then
    assert "acknowledged" in page.lower() and alice.email in page
    assert "asset.acknowledged" in out.getvalue()


def test_off_for_new_versions_never_hides_an_acknowledgement_request(
        bob, alice, packaging, presets, download, release):
    # given: bob switched every optional kind off
    from notifications.services import set_preferences

    set_preferences(bob, {"new_version": "off", "new_asset": "off", "case_reply": "off"})
    download(bob, packaging)
    mail.outbox.clear()
    # when: a new version of a controlled kind is approved
    release(packaging)
    # then: bob still gets the request, in the portal and by email
    assert Notice.objects.get(user=bob).kind == "ack_due"
    assert bob.email in [m.to[0] for m in mail.outbox]


def test_a_past_downloader_who_left_the_community_is_not_told_of_the_new_version(
        bob, alice, alpine, packaging, presets, download, release):
    # given: bob downloaded version 1, then left EU Retailers (removal deletes the row)
    from communities.models import Membership

    download(bob, packaging)
    Membership.objects.filter(user=bob).delete()
    # when
    release(packaging)
    # then: his organisation still receives it (alice, its admin, is a member): she is told
    # and asked to confirm; bob, who can no longer see the asset, learns nothing of it
    assert list(Notice.objects.values_list("user__email", flat=True)) == [alice.email]
    assert list(Acknowledgement.objects.values_list("partner", flat=True)) == [alpine.pk]


def test_an_asset_unpublished_from_the_downloaders_community_announces_nothing(
        bob, alice, packaging, presets, download, release):
    # given: bob downloaded version 1; then the asset was unpublished from EU Retailers
    from communities.models import Publication

    download(bob, packaging)
    Publication.objects.filter(asset=packaging).delete()
    mail.outbox.clear()
    # when
    release(packaging)
    # then: no notice, no email, no request to confirm what nobody there can see
    assert not Notice.objects.exists()
    assert mail.outbox == []
    assert not Acknowledgement.objects.exists()


def test_the_audience_is_decided_by_the_visibility_rule_an_embargo_included(
        bob, alice, packaging, presets, download, release):
    # given: bob downloaded version 1; the asset is then held back for a launch (no partner
    # sees it before go-live, whatever community publishes it)
    from datetime import timedelta

    from communities.models import Embargo

    download(bob, packaging)
    Embargo.objects.create(asset=packaging, go_live_at=timezone.now() + timedelta(days=3))
    # when
    release(packaging)
    # then: nobody is told before go-live
    assert not Notice.objects.exists()
    assert not Acknowledgement.objects.exists()
