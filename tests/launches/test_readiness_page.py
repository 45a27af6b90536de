"""The readiness page shows what the last recompute stored, never computing on a view; the
fill picker takes a public ID and says so when none matches."""

from django.urls import reverse

from launches.models import CellState, LaunchKit, SlotFill
from launches.readiness import kit_recompute
from tests import factories as f
from tests.launches.conftest import cell


def test_the_page_renders_the_stored_matrix_without_recomputing(kit, square_slot, germany,
                                                               spring, product_shot,
                                                               client_for, content,
                                                               django_assert_max_num_queries,
                                                               campaign_published):
    # given a recomputed kit whose slot nothing fills
    kit_recompute(kit.pk)
    # when a fitting asset appears but no recompute ran yet
    f.AssetFactory(campaign=spring, kind=product_shot, width=2400, height=2400,
                   markets=[germany])
    client = client_for(content)
    with django_assert_max_num_queries(12):  # session, user, groups, kit, points, picker, ...
        page = client.get(reverse("launches:readiness", args=[kit.pk]))
    # then the page still shows the stored "missing" cell: views never compute
    html = page.content.decode()
    assert f'<tr data-slot="{square_slot.pk}">' in html
    assert "nothing fills this slot yet" in html and "0% ready" in html
    # once the recompute ran, the page shows it ready
    kit_recompute(kit.pk)
    html = client_for(content).get(reverse("launches:readiness", args=[kit.pk])).content.decode()
    assert "100% ready" in html and 'class="cell-ready"' in html


def test_a_kit_computed_before_the_matrix_was_stored_gets_it_from_its_cells(kit, square_slot,
                                                                            client_for,
                                                                            content):
    kit_recompute(kit.pk)
    LaunchKit.objects.filter(pk=kit.pk).update(matrix={})
    html = client_for(content).get(reverse("launches:readiness", args=[kit.pk])).content.decode()
    assert "nothing fills this slot yet" in html
    assert LaunchKit.objects.get(pk=kit.pk).matrix["rows"][0]["name"] == "Main product image"


def test_the_fill_picker_takes_a_public_id_and_refuses_an_unknown_one(kit, square_slot,
                                                                     germany, spring,
                                                                     client_for, content,
                                                                     on_commit, campaign_published):
    asset = f.AssetFactory(campaign=spring, public_id="kestrel/spring/hero-square",
                           width=2400, height=2400, markets=[germany])
    client = client_for(content)
    url = reverse("launches:fill", args=[kit.pk, square_slot.pk])
    # an unknown public ID: a clear message, nothing filled
    page = client.post(url, {"asset": "kestrel/spring/nope", "market": germany.pk}, follow=True)
    assert "no asset has that public ID" in page.content.decode()
    assert not SlotFill.objects.exists()
    # the asset's public ID fills the cell, and the matrix turns ready
    with on_commit():
        client.post(url, {"asset": " kestrel/spring/hero-square ", "market": germany.pk})
    assert SlotFill.objects.get().asset == asset
    assert cell(kit, square_slot, germany).state == CellState.READY
    page = client.get(reverse("launches:readiness", args=[kit.pk]))
    assert "100% ready" in page.content.decode()


def test_support_staff_see_the_matrix_without_fill_forms(kit, square_slot, client_for,
                                                         support):
    kit_recompute(kit.pk)
    html = client_for(support).get(reverse("launches:readiness", args=[kit.pk])).content.decode()
    assert "nothing fills this slot yet" in html
    assert '<form class="fill-form"' not in html and '<datalist id="kit-assets">' not in html


def test_the_kit_list_says_when_each_kit_goes_live(kit, spring, germany, client_for, content):
    from datetime import timedelta

    from django.utils import timezone

    LaunchKit.objects.filter(pk=kit.pk).update(go_live_at=timezone.now() - timedelta(days=2))
    soon = LaunchKit.objects.create(name="Autumn kit", campaign=spring, readiness=40,
                                    go_live_at=timezone.now() + timedelta(days=3))
    soon.markets.set([germany])
    html = client_for(content).get(reverse("launches:kits")).content.decode()
    assert "2 days ago" in html and "in 3 days" in html
    # the Spring kit is less ready (0 %) but over: it comes after the kit still ahead (40 %)
    assert html.index("Autumn kit") < html.index("Past go-live") < html.index(
        "Spring launch kit")


def test_kits_past_go_live_sort_after_every_upcoming_kit(kit, spring, client_for, content):
    from datetime import timedelta

    from django.utils import timezone

    from launches.selectors import kits_by_risk

    now = timezone.now()
    LaunchKit.objects.filter(pk=kit.pk).update(go_live_at=now - timedelta(days=2), readiness=0)
    for name, readiness, days in (("Long ago", 10, -30), ("Soon, half", 50, 3),
                                  ("Later, half", 50, 20), ("Far, barely", 10, 30)):
        LaunchKit.objects.create(name=name, campaign=spring, readiness=readiness,
                                 go_live_at=now + timedelta(days=days))
    # least ready, then soonest, among upcoming kits; then, however unready, the kits that
    # went live (least ready first there too)
    assert [(k.name, k.past) for k in kits_by_risk()] == [
        ("Far, barely", False), ("Soon, half", False), ("Later, half", False),
        ("Spring launch kit", True), ("Long ago", True)]
    # and the API lists them in the same order
    names = [k["name"] for k in client_for(content).get("/api/v1/launch-kits/").json()["results"]]
    assert names == ["Far, barely", "Soon, half", "Later, half", "Spring launch kit",
                     "Long ago"]
