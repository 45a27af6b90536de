"""The directory sync: communities, partners, users and memberships from Trading Grid."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from audit.models import Event
from communities import tradinggrid
from communities.models import Community, DirectorySync, Membership, Partner
from communities.sync import SyncAlreadyRunning, sync_directory
from communities.tasks import sync_communities
from emulators.tradinggrid import seed as tg_seed
from tests import factories as f

# Counted from the emulator's seed, independently of the sync.
DEMO_MEMBERSHIPS = (sum(len(p[-1]) for p in tg_seed.PERSONAS)
                    + sum(c[3] * len(c[4]) for c in tg_seed.COMPANIES))
DEMO_PEOPLE = len(tg_seed.PERSONAS) + sum(c[3] for c in tg_seed.COMPANIES)


def _membership(email, tg_id):
    return Membership.objects.select_related("partner").get(
        user__email=email, community__tg_id=tg_id)


def test_it_mirrors_the_demo_directory(db, tg_emulator):
    # when
    run = sync_directory()

    # then
    assert run.state == DirectorySync.State.SUCCEEDED
    assert set(Community.objects.values_list("tg_id", flat=True)) == {
        "COMM-EU-RETAIL", "COMM-NA-DIST", "COMM-JP-RESELL", "COMM-GLOBAL-LOG",
        "COMM-PKG-SUPPLY"}
    eu = Community.objects.get(tg_id="COMM-EU-RETAIL")
    assert (eu.name, eu.kind) == ("EU Retailers", "retailers")
    assert sorted(eu.markets.values_list("slug", flat=True)) == ["de", "fr", "gb"]
    alice = _membership("alice@alpine-outfitters.example", "COMM-EU-RETAIL")
    assert alice.role == Membership.Role.PARTNER_ADMIN
    assert alice.partner.tg_company_id == "TGC-1001"
    assert alice.partner.name == "Alpine Outfitters GmbH"
    assert _membership("charlie@sakura-trading.example", "COMM-JP-RESELL").role == "member"
    assert User.objects.get(email="alice@alpine-outfitters.example").first_name == "Alice"
    assert not User.objects.get(email="bob@alpine-outfitters.example").has_usable_password()
    assert User.objects.count() == DEMO_PEOPLE == 43
    assert Membership.objects.count() == DEMO_MEMBERSHIPS == 49
    assert Event.objects.filter(action="membership.granted").count() == DEMO_MEMBERSHIPS


def test_it_maps_suspended_expired_and_future_members(db, tg_emulator):
    # when
    sync_directory()

    # then
    # seed people 5 and 22 are suspended (22 works for a company in two communities)
    assert Membership.objects.filter(state="suspended").count() == 3
    expired = Membership.objects.get(valid_until__isnull=False)
    assert expired.valid_until == datetime(2026, 7, 1, tzinfo=UTC)  # 30 June, inclusive
    future = Membership.objects.get(valid_from__isnull=False)
    assert future.valid_from == datetime(2027, 1, 1, tzinfo=UTC)
    assert Membership.objects.current().count() == DEMO_MEMBERSHIPS - 3 - 1 - 1


def test_a_second_sync_writes_nothing(db, tg_emulator):
    # given
    sync_directory()
    events = Event.objects.count()

    # when
    with CaptureQueriesContext(connection) as ctx:
        run = sync_directory()

    # then
    writes = [q["sql"] for q in ctx.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "communities_directorysync" not in q["sql"]]
    assert writes == []
    assert Event.objects.count() == events
    assert run.counts["memberships_unchanged"] == DEMO_MEMBERSHIPS


def test_members_removed_in_trading_grid_lose_their_membership(db, tg_emulator):
    # given
    sync_directory()
    tg_emulator.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")

    # when
    run = sync_directory()

    # then
    assert not Membership.objects.filter(user__email="bob@alpine-outfitters.example").exists()
    assert run.counts["memberships_revoked"] == 1
    event = Event.objects.get(action="membership.revoked")
    assert (event.actor_label, event.community_label) == ("tradinggrid-sync", "EU Retailers")
    assert User.objects.filter(email="bob@alpine-outfitters.example").exists()


def test_changes_in_trading_grid_update_the_membership(db, tg_emulator):
    # given
    sync_directory()
    tg_emulator.update_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example",
                              status="suspended", valid_until="2027-03-31")

    # when
    sync_directory()

    # then
    bob = _membership("bob@alpine-outfitters.example", "COMM-EU-RETAIL")
    assert bob.state == "suspended"
    assert bob.valid_until == datetime(2027, 4, 1, tzinfo=UTC)
    event = Event.objects.get(action="membership.updated")
    assert event.payload["changes"]["state"] == ["active", "suspended"]


def test_existing_users_are_matched_by_email_case_insensitively(db, tg_emulator):
    # given
    existing = User.objects.create_user("someone@example.com")
    User.objects.filter(pk=existing.pk).update(email="Alice@Alpine-Outfitters.example")

    # when
    sync_directory()

    # then
    assert User.objects.filter(email__iexact="alice@alpine-outfitters.example").count() == 1
    assert Membership.objects.get(user__email__iexact="alice@alpine-outfitters.example"
                                  ).user_id == existing.pk


def test_a_community_that_vanished_is_deactivated_and_its_members_revoked(db, tg_emulator):
    # given
    sync_directory()
    gone = f.CommunityFactory(tg_id="COMM-OLD", name="Old community")
    f.MembershipFactory(community=gone)

    # when
    run = sync_directory()

    # then
    gone.refresh_from_db()
    assert not gone.active
    assert not gone.memberships.exists()
    assert run.counts["communities_deactivated"] == 1


def test_an_unreadable_member_record_is_skipped_and_revokes_nothing(db, tg_emulator,
                                                                    monkeypatch):
    # given
    sync_directory()
    original = tradinggrid.TradingGridClient.iter_members

    def broken_bob(self, community_id, page_size=100):
        for member in original(self, community_id, page_size):
            if member.email.startswith("bob@"):
                member = tradinggrid.RemoteMember(**{**member.__dict__, "company":
                                                     tradinggrid.RemoteCompany("", "")})
            yield member

    monkeypatch.setattr(tradinggrid.TradingGridClient, "iter_members", broken_bob)

    # when
    run = sync_directory()

    # then
    assert run.counts["members_invalid"] == 1
    assert Membership.objects.filter(user__email="bob@alpine-outfitters.example").exists()


def test_trading_grid_failing_half_way_leaves_data_consistent_and_revokes_nothing(
        db, tg_emulator, monkeypatch):
    # given
    sync_directory()
    tg_emulator.remove_member("COMM-JP-RESELL", "charlie@sakura-trading.example")
    original = tradinggrid.TradingGridClient.iter_members

    def failing(self, community_id, page_size=100):
        if community_id == "COMM-JP-RESELL":
            raise tradinggrid.TradingGridUnavailable("HTTP 503 after 4 attempts")
        return original(self, community_id, page_size)

    monkeypatch.setattr(tradinggrid.TradingGridClient, "iter_members", failing)

    # when
    with pytest.raises(tradinggrid.TradingGridUnavailable):
        sync_directory()

    # then
    assert Membership.objects.filter(user__email="charlie@sakura-trading.example").exists()
    assert DirectorySync.objects.latest().state == DirectorySync.State.FAILED
    assert Community.objects.filter(active=True).count() == 5


def test_a_second_sync_refuses_to_start_while_one_runs(db, tg_emulator):
    # given
    DirectorySync.objects.create()

    # when / then
    with pytest.raises(SyncAlreadyRunning):
        sync_directory()
    assert sync_communities.delay().get() == {"skipped": "already running"}


def test_the_command_and_the_task_run_the_same_sync(db, tg_emulator, capsys):
    # when
    call_command("sync_communities")
    result = sync_communities.delay().get()

    # then
    assert f"memberships granted: {DEMO_MEMBERSHIPS}" in capsys.readouterr().out
    assert result["counts"]["memberships_unchanged"] == DEMO_MEMBERSHIPS
    assert Partner.objects.count() == 2 + 13


def test_the_command_reports_bad_credentials_clearly(db, tg_emulator, settings):
    # given
    settings.TRADING_GRID_URL = tg_emulator.trading_grid_url.replace("tg-demo-secret", "nope")

    # when / then
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Trading Grid sync failed"):
        call_command("sync_communities")


def test_a_communitys_languages_are_mirrored_and_the_content_teams_win(db, tg_emulator):
    from communities.selectors import locale_preferences
    from communities.services import community_set_defaults

    # given: Trading Grid says which languages EU Retailers works in (one malformed)
    tg_emulator.update_community("COMM-EU-RETAIL",
                                 languages=["de-DE", "fr-FR", "en-GB", "?!"])

    # when
    sync_directory()

    # then: mirrored, best first, and bob's default languages follow them
    eu = Community.objects.get(tg_id="COMM-EU-RETAIL")
    assert eu.tg_languages == ["de-DE", "fr-FR", "en-GB"] and eu.languages == []
    bob = User.objects.get(email="bob@alpine-outfitters.example")
    assert locale_preferences(bob).languages == ["de-DE", "fr-FR", "en-GB"]
    assert Community.objects.get(tg_id="COMM-JP-RESELL").tg_languages == []

    # when: the content team sets its own, and Trading Grid changes its list again
    content = f.UserFactory(is_staff=True)
    community_set_defaults(community=eu, languages=["en-GB"], presets=[], actor=content)
    tg_emulator.update_community("COMM-EU-RETAIL", languages=["fr-FR"])
    sync_directory()

    # then: the mirror follows Trading Grid, the content team's choice still wins
    eu.refresh_from_db()
    assert (eu.tg_languages, eu.languages) == (["fr-FR"], ["en-GB"])
    assert locale_preferences(bob).languages == ["en-GB"]

    # and a sync that finds nothing new writes nothing
    with CaptureQueriesContext(connection) as ctx:
        sync_directory()
    assert not [q for q in ctx.captured_queries
                if q["sql"].lstrip().upper().startswith('UPDATE "COMMUNITIES_COMMUNITY"')]
