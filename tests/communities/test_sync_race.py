"""The full sync and a webhook task creating the same membership at the same moment.

Either may lose the race to insert the row; the loser updates the winner's row instead of
failing (before, the unique constraint aborted the loser's whole community for the run).
"""

import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from accounts.models import User
from audit.models import Event
from communities import services, sync
from communities.models import Community, DirectorySync, Membership, TradingGridEvent
from communities.services import MembershipTerms, membership_apply
from communities.sync import _create_or_reread, apply_event, sync_directory
from tests import factories as f
from tests.services import need_postgres

REAL_READ = services._locked_membership


def _competitor_commits_after_the_read(email: str):
    """The locked read, after which another transaction inserts the same membership."""

    def read(user, community):
        found = REAL_READ(user, community)
        if found is None and user.email == email:
            Membership.objects.create(user=user, community=community,
                                      partner=f.PartnerFactory(), state="suspended")
        return found

    return read


def test_a_full_sync_that_loses_the_race_updates_the_row_instead_of_failing(db, tg_emulator):
    # given
    race = _competitor_commits_after_the_read("bob@alpine-outfitters.example")

    # when
    with mock.patch("communities.services._locked_membership", autospec=True,
                    side_effect=race):
        run = sync_directory()

    # then
    assert run.state == DirectorySync.State.SUCCEEDED
    membership = Membership.objects.get(user__email="bob@alpine-outfitters.example",
                                        community__tg_id="COMM-EU-RETAIL")
    assert membership.state == "active"
    assert membership.partner.tg_company_id == "TGC-1001"
    assert run.counts["memberships_updated"] == 1
    assert Event.objects.filter(action="membership.updated",
                                target_label__startswith="Bob").count() == 1


def test_a_webhook_that_loses_the_race_updates_the_row_instead_of_failing(synced):
    # given
    synced.add_member("COMM-EU-RETAIL", email="erin@alpine-outfitters.example",
                      given_name="Erin", family_name="Ehrlich", company_id="TGC-1001",
                      company_name="Alpine Outfitters GmbH")
    event = synced.events[-1]
    row = TradingGridEvent.objects.create(event_id=event["id"], type=event["type"],
                                          payload=event)

    # when
    with mock.patch("communities.services._locked_membership", autospec=True,
                    side_effect=_competitor_commits_after_the_read(
                        "erin@alpine-outfitters.example")):
        outcome = apply_event(row)

    # then
    assert outcome == "membership updated"
    membership = Membership.objects.get(user__email="erin@alpine-outfitters.example")
    assert membership.state == "active"
    assert membership.partner.tg_company_id == "TGC-1001"


def test_a_row_removed_while_the_sync_held_it_is_not_granted_back(db, eu_retailers, alpine,
                                                                 bob):
    # given: the sync read bob's row, then a member.removed webhook deleted it
    stale = Membership.objects.get(user=bob)
    Membership.objects.filter(pk=stale.pk).delete()

    # when
    membership, outcome = membership_apply(
        user=bob, community=eu_retailers, actor="tradinggrid-sync", existing=stale,
        terms=MembershipTerms(partner=alpine, state="suspended"))

    # then
    assert (membership, outcome) == (None, "vanished")
    assert not Membership.objects.filter(user=bob).exists()


def test_a_new_members_user_created_meanwhile_is_reused(synced):
    # given: the full sync creates erin's user between the webhook's read and its insert
    synced.add_member("COMM-EU-RETAIL", email="erin@alpine-outfitters.example",
                      given_name="Erin", family_name="Ehrlich", company_id="TGC-1001",
                      company_name="Alpine Outfitters GmbH")
    event = synced.events[-1]
    row = TradingGridEvent.objects.create(event_id=event["id"], type=event["type"],
                                          payload=event)
    real_users_by_email = sync.users_by_email

    def read_then_competitor_inserts(emails):
        found = real_users_by_email(emails)
        User.objects.create_user("erin@alpine-outfitters.example", password=None)
        return found

    # when
    with mock.patch("communities.sync.users_by_email", autospec=True,
                    side_effect=read_then_competitor_inserts):
        outcome = apply_event(row)

    # then
    assert outcome == "membership granted"
    user = User.objects.get(email="erin@alpine-outfitters.example")
    assert (user.first_name, user.last_name) == ("Erin", "Ehrlich")


def test_an_integrity_error_without_a_competing_row_is_raised(db):
    def create():
        raise IntegrityError("another constraint failed")

    with pytest.raises(IntegrityError):
        _create_or_reread(create, lambda: None)


@pytest.mark.django_db(transaction=True)
def test_two_transactions_creating_one_membership_both_succeed_on_postgresql():
    need_postgres()
    # given
    community = f.CommunityFactory(tg_id="COMM-RACE")
    partner = f.PartnerFactory()
    user = f.UserFactory(email="race@partner.example")
    both_read = threading.Barrier(2, timeout=10)

    def read_then_wait(user, community):
        found = REAL_READ(user, community)
        both_read.wait()  # both transactions have seen "no row"; now both insert
        return found

    results, errors = [], []

    def apply(role):
        try:
            results.append(membership_apply(
                user=user, community=community, actor="tradinggrid-sync",
                terms=MembershipTerms(partner=partner, role=role))[1])
        except Exception as exc:  # noqa: BLE001 - the test reports it below
            errors.append(exc)
        finally:
            connection.close()

    # when
    with mock.patch("communities.services._locked_membership", autospec=True,
                    side_effect=read_then_wait):
        threads = [threading.Thread(target=apply, args=(role,))
                   for role in ("member", "partner_admin")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)

    # then
    assert errors == []
    assert sorted(results) == ["granted", "updated"]
    assert Membership.objects.filter(user=user, community=community).count() == 1
    assert Community.objects.filter(tg_id="COMM-RACE").exists()
