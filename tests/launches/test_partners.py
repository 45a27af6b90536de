"""Partners: confirming a kit (asked again after a change) and flagging a slot (a case)."""

from django.urls import reverse

from audit.models import Event
from cases.models import Case
from launches.models import CellState, KitCase, KitConfirmation, Slot
from notifications.models import Notice
from tests.launches.conftest import cell


def test_alice_confirms_and_a_changed_slot_asks_alpine_again(ready_kit, square_slot, alice,
                                                             bob, alpine, germany, client_for,
                                                             new_version, approve, on_commit,
                                                             content):
    # when alice confirms for Alpine Outfitters
    with on_commit():
        response = client_for(alice).post(reverse("launches:confirm", args=[ready_kit.pk]))
    assert response.status_code == 302
    confirmation = KitConfirmation.objects.get(kit=ready_kit, partner=alpine)
    assert not confirmation.stale and confirmation.confirmed_by == alice
    event = Event.objects.get(action="kit.confirmed")
    assert (event.actor_user_id, event.partner_id) == (alice.pk, alpine.pk)
    page = client_for(alice).get(reverse("launches:partner-kit", args=[ready_kit.pk]))
    assert "Alpine Outfitters GmbH confirmed this kit" in page.content.decode()

    # when the slot changes: a new version of its asset is approved
    asset = cell(ready_kit, square_slot, germany).asset
    approve(new_version(asset, 2600, 2600))
    # then the kit asks Alpine Outfitters to confirm again, in the notification centre too
    confirmation.refresh_from_db()
    assert confirmation.stale
    assert cell(ready_kit, square_slot, germany).state == CellState.SUPERSEDED
    asked = Notice.objects.filter(title__contains="please confirm the launch kit again")
    assert set(asked.values_list("user_id", flat=True)) == {alice.pk, bob.pk}
    page = client_for(bob).get(reverse("launches:partner-kit", args=[ready_kit.pk]))
    assert "The kit changed: please confirm again" in page.content.decode()
    readiness = client_for(content).get(reverse("launches:readiness", args=[ready_kit.pk]))
    assert "Asked again" in readiness.content.decode()

    # when bob confirms again, the cell is plainly ready
    with on_commit():
        client_for(bob).post(reverse("launches:confirm", args=[ready_kit.pk]))
    confirmation.refresh_from_db()
    assert not confirmation.stale and confirmation.confirmed_by == bob
    assert cell(ready_kit, square_slot, germany).state == CellState.READY


def test_bob_flags_a_missing_slot(ready_kit, bob, content, support, client_for, on_commit):
    # given a spec sheet slot nothing fills
    sheet = Slot.objects.create(kit=ready_kit, name="Spec sheet PDF", formats=["pdf"],
                                resource_type="raw")
    # when bob flags it
    with on_commit():
        response = client_for(bob).post(
            reverse("launches:flag", args=[ready_kit.pk, sheet.pk]), {"what": "missing"})
    # then a case links kit and slot
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/cases/{case.reference}/")
    link = KitCase.objects.get(case=case)
    assert (link.kit, link.slot) == (ready_kit, sheet)
    assert case.category == Case.Category.MISSING_ASSET and case.asset is None
    # and the kit's owners were told
    assert Notice.objects.filter(user=content, key=f"kit-flag:{case.pk}").exists()
    # and the staff queue names the kit
    queue = client_for(support).get(reverse("cases:queue")).content.decode()
    assert case.reference in queue and "Launch kit: " in queue and ready_kit.name in queue
    # and so does the readiness page
    page = client_for(content).get(reverse("launches:readiness", args=[ready_kit.pk]))
    assert case.reference in page.content.decode()


def test_an_alternate_format_request_names_the_asset_bob_sees(ready_kit, square_slot, bob,
                                                              client_for, germany, on_commit):
    with on_commit():
        client_for(bob).post(reverse("launches:flag", args=[ready_kit.pk, square_slot.pk]),
                             {"what": "alternate", "market": germany.pk})
    case = Case.objects.get()
    assert case.category == Case.Category.ALTERNATE_FORMAT
    assert case.asset == cell(ready_kit, square_slot, germany).asset


def test_charlie_gets_404_on_every_kit_page(ready_kit, square_slot, charlie, client_for):
    client = client_for(charlie)
    for url in (reverse("launches:partner-kit", args=[ready_kit.pk]),
                reverse("launches:readiness", args=[ready_kit.pk]),
                reverse("launches:kits")):
        assert client.get(url).status_code == 404, url
    for url in (reverse("launches:confirm", args=[ready_kit.pk]),
                reverse("launches:download-zip", args=[ready_kit.pk]),
                reverse("launches:flag", args=[ready_kit.pk, square_slot.pk])):
        assert client.post(url).status_code == 404, url
    assert not KitConfirmation.objects.exists() and not Case.objects.exists()


def test_a_flag_reaches_an_owner_who_silenced_case_replies(ready_kit, bob, content, client_for,
                                                           on_commit):
    from notifications.services import set_preferences

    # given the kit's owner switched case replies off, and kept launch-kit flags
    set_preferences(content, {Notice.Kind.CASE_REPLY: "off"})
    sheet = Slot.objects.create(kit=ready_kit, name="Spec sheet PDF", formats=["pdf"],
                                resource_type="raw")
    # when bob flags the slot
    with on_commit():
        client_for(bob).post(reverse("launches:flag", args=[ready_kit.pk, sheet.pk]),
                             {"what": "missing"})
    # then the owner is told, under the launch-kit kind
    case = Case.objects.get()
    notice = Notice.objects.get(user=content, key=f"kit-flag:{case.pk}")
    assert notice.kind == Notice.Kind.LAUNCH_FLAG
    # and an owner who silenced launch-kit flags (not case replies) is not
    set_preferences(content, {Notice.Kind.CASE_REPLY: "immediate",
                              Notice.Kind.LAUNCH_FLAG: "off"})
    with on_commit():
        client_for(bob).post(reverse("launches:flag", args=[ready_kit.pk, sheet.pk]),
                             {"what": "alternate"})
    second = Case.objects.exclude(pk=case.pk).get()
    assert not Notice.objects.filter(user=content, key=f"kit-flag:{second.pk}").exists()
