"""Personas and shared fixtures (healthchecks-style: alice, bob and charlie).

- alice: partner admin of Alpine Outfitters, in the EU Retailers community
- bob: member of Alpine Outfitters, in EU Retailers (sees what alice sees)
- charlie: member of Sakura Trading, in Japan Resellers: must see nothing of alice's
- content: content team (approves, publishes); support: support staff (answers cases)
"""

import pytest

PASSWORD = "correct horse battery staple"
# Django-dependent modules are imported inside the fixtures, so test files that need
# no Django (the emulators') also run with `-p no:django`.

pytest_plugins = ["tests.workers", "tests.cloudinary_fixtures"]


def _factories():
    from tests import factories

    return factories


@pytest.fixture
def eu_retailers(db):
    f = _factories()
    return f.CommunityFactory(tg_id="COMM-EU-RETAIL", name="EU Retailers")


@pytest.fixture
def jp_resellers(db):
    f = _factories()
    return f.CommunityFactory(tg_id="COMM-JP-RESELL", name="Japan Resellers",
                              kind="resellers")


@pytest.fixture
def alpine(db):
    f = _factories()
    return f.PartnerFactory(tg_company_id="TGC-1001", name="Alpine Outfitters GmbH")


@pytest.fixture
def sakura(db):
    f = _factories()
    return f.PartnerFactory(tg_company_id="TGC-2001", name="Sakura Trading KK")


def _partner_user(email, first, last, community, partner, role="member"):
    f = _factories()
    user = f.UserFactory(email=email, first_name=first, last_name=last)
    f.MembershipFactory(user=user, community=community, partner=partner, role=role)
    return user


@pytest.fixture
def alice(eu_retailers, alpine):
    return _partner_user("alice@alpine-outfitters.example", "Alice", "Adler", eu_retailers,
                         alpine, "partner_admin")


@pytest.fixture
def bob(eu_retailers, alpine):
    return _partner_user("bob@alpine-outfitters.example", "Bob", "Becker", eu_retailers, alpine)


@pytest.fixture
def charlie(jp_resellers, sakura):
    return _partner_user("charlie@sakura-trading.example", "Charlie", "Chen", jp_resellers,
                         sakura)


def _staff_user(email, group_name):
    from django.contrib.auth.models import Group

    f = _factories()
    user = f.UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def content(db):
    from accounts.roles import CONTENT_TEAM

    return _staff_user("content@brand.example", CONTENT_TEAM)


@pytest.fixture
def support(db):
    from accounts.roles import SUPPORT_STAFF

    return _staff_user("support@brand.example", SUPPORT_STAFF)


@pytest.fixture
def alice_asset(eu_retailers):
    """An approved asset published to alice's (and bob's) community."""
    f = _factories()
    asset = f.AssetFactory(title="Trailblazer 2 front view")
    f.PublicationFactory(community=eu_retailers, asset=asset)
    return asset


@pytest.fixture
def charlie_asset(jp_resellers):
    """An approved asset published only to charlie's community."""
    f = _factories()
    asset = f.AssetFactory(title="Summit Pro JP banner")
    f.PublicationFactory(community=jp_resellers, asset=asset)
    return asset


@pytest.fixture
def client_for(client):
    """Sign a persona in: `client_for(alice)` returns the logged-in test client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
