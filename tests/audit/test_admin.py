import csv
import io

import pytest
from django.urls import reverse

from audit import record
from audit.models import ChainVerification, Event
from tests.audit.conftest import tamper
from tests.helpers import count_queries

CHANGELIST = reverse("admin:audit_event_changelist")


@pytest.fixture
def trail(content, alice, charlie, alpine, sakura, eu_retailers, jp_resellers, alice_asset,
          charlie_asset):
    record("asset.synced", actor="cloudinary-sync", target=alice_asset)
    record("asset.approved", actor=content, target=alice_asset)
    record("asset.published", actor=content, target=alice_asset, community=eu_retailers)
    record("asset.downloaded", actor=alice, target=alice_asset, partner=alpine,
           community=eu_retailers, asset_version=alice_asset.current_version)
    record("asset.downloaded", actor=charlie, target=charlie_asset, partner=sakura,
           community=jp_resellers, asset_version=charlie_asset.current_version)


def _sequences(response) -> list[int]:
    return [event.sequence for event in response.context["cl"].result_list]


def test_the_changelist_lists_events_newest_first_with_the_chain_status(client_for, content,
                                                                         trail):
    # given
    client = client_for(content)
    client.post(reverse("admin:audit_event_verify"))
    # when
    response = client.get(CHANGELIST)
    # then
    assert response.status_code == 200
    assert _sequences(response) == [5, 4, 3, 2, 1]
    page = response.content.decode()
    assert "Hash chain:</strong>" in page and "intact: 5 events verified" in page
    assert reverse("admin:audit_event_export") in page
    assert reverse("admin:audit_event_add") not in page


@pytest.mark.parametrize(("query", "expected"), [
    ("action=asset.downloaded", [5, 4]),
    ("actor=system:cloudinary-sync", [1]),
    ("actor=people", [5, 4, 3, 2]),
    ("q=sakura", [5]),
])
def test_the_changelist_filters(client_for, content, trail, query, expected):
    response = client_for(content).get(f"{CHANGELIST}?{query}")
    assert _sequences(response) == expected


def test_it_filters_by_partner_community_asset_and_user(client_for, content, alice, alpine,
                                                       eu_retailers, alice_asset, trail):
    client = client_for(content)
    assert _sequences(client.get(f"{CHANGELIST}?partner={alpine.pk}")) == [4]
    assert _sequences(client.get(f"{CHANGELIST}?community={eu_retailers.pk}")) == [4, 3]
    assert _sequences(client.get(f"{CHANGELIST}?asset={alice_asset.pk}")) == [4, 3, 2, 1]
    assert _sequences(client.get(f"{CHANGELIST}?actor=user:{alice.pk}")) == [4]


def test_the_admin_is_read_only_even_for_a_superuser(client_for, trail):
    # given
    from tests import factories as f

    root = f.UserFactory(email="root@brand.example", is_staff=True, is_superuser=True)
    client = client_for(root)
    change = reverse("admin:audit_event_change", args=[2])
    # when / then
    assert client.get(reverse("admin:audit_event_add")).status_code == 403
    assert client.get(reverse("admin:audit_event_delete", args=[2])).status_code == 403
    view = client.get(change)
    assert view.status_code == 200 and b'name="_save"' not in view.content
    assert client.post(change, {"action": "asset.rejected"}).status_code == 403
    assert Event.objects.get(sequence=2).action == "asset.approved"
    assert "delete_selected" not in (client.get(CHANGELIST).context["cl"].model_admin
                                     .get_actions(view.wsgi_request))


def test_partners_cannot_open_the_audit_admin(client_for, alice, trail):
    response = client_for(alice).get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_export_csv_streams_what_the_changelist_shows(client_for, content, alpine, trail):
    # when
    response = client_for(content).get(f"{reverse('admin:audit_event_export')}?partner={alpine.pk}")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["sequence"], r["partner_label"]) for r in rows] == [("4", "Alpine Outfitters GmbH")]


def test_verify_now_reports_a_broken_chain(client_for, content, trail):
    # given
    tamper("UPDATE audit_event SET target_label = 'forged' WHERE sequence = 3")
    # when
    response = client_for(content).post(reverse("admin:audit_event_verify"), follow=True)
    # then
    assert "BROKEN at sequence 3" in response.content.decode()
    assert ChainVerification.objects.get().first_broken_sequence == 3


def test_the_changelist_runs_a_fixed_number_of_queries(client_for, content, alice_asset, trail):
    # given
    client = client_for(content)
    client.get(CHANGELIST)
    with count_queries() as few:
        client.get(CHANGELIST)
    for n in range(20):
        record("asset.downloaded", actor=content, target=alice_asset, payload={"n": n})
    # when
    with count_queries() as many:
        response = client.get(CHANGELIST)
    # then
    assert len(response.context["cl"].result_list) == 25
    # session, user, chain status, permissions (2), groups, three filter lists, count,
    # page, date hierarchy (2)
    assert len(many) == len(few) == 13
