"""factory_boy factories for the portal's models."""

import hashlib

import factory
from django.utils import timezone

from accounts.models import User
from assets.models import (
    ApprovalState,
    Asset,
    AssetKind,
    AssetVersion,
    Campaign,
    DownloadPreset,
    Market,
    ProductLine,
)
from cases.models import Case, Message
from communities.models import Community, Membership, Partner, Publication


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@partner.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"line-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class CampaignFactory(ProductLineFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"campaign-{n}")


class MarketFactory(ProductLineFactory):
    class Meta:
        model = Market
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"m{n}")


class AssetKindFactory(ProductLineFactory):
    class Meta:
        model = AssetKind
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"kind-{n}")


class AssetFactory(factory.django.DjangoModelFactory):
    """An approved, live image asset with one version."""

    class Meta:
        model = Asset
        skip_postgeneration_save = True

    asset_id = factory.Sequence(lambda n: hashlib.md5(f"asset-{n}".encode()).hexdigest())
    public_id = factory.Sequence(lambda n: f"kestrel/test/asset-{n}")
    title = factory.Sequence(lambda n: f"Test asset {n}")
    description = "A test asset."
    format = "jpg"
    bytes = 120_000
    width = 1600
    height = 1200
    version = factory.Sequence(lambda n: 1_700_000_000 + n)
    approval_state = ApprovalState.APPROVED
    cloudinary_created_at = factory.LazyFunction(timezone.now)
    cloudinary_updated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_version(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        approved = obj.approval_state == ApprovalState.APPROVED
        version = AssetVersion.objects.create(
            asset=obj, version=obj.version, bytes=obj.bytes, format=obj.format,
            width=obj.width, height=obj.height, etag=obj.asset_id[:32],
            created_at=obj.cloudinary_created_at or timezone.now(),
            review_state=obj.approval_state,
            # An approved factory asset is released: partners get a protected copy.
            delivery_public_id=f"partner-portal/releases/{obj.asset_id}/1-test" if approved
            else "", delivery_version=obj.version if approved else 0,
        )
        obj.current_version = version
        if approved:
            obj.approved_version = version
            obj.release_public_id, obj.release_version = (version.delivery_public_id,
                                                           version.delivery_version)
        obj.save(update_fields=["current_version", "approved_version", "release_public_id",
                                "release_version"])

    @factory.post_generation
    def markets(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.markets.set(extracted)


class AssetVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetVersion

    asset = factory.SubFactory(AssetFactory, with_version=False)
    version = factory.Sequence(lambda n: 1_800_000_000 + n)
    number = factory.LazyAttribute(lambda o: o.asset.versions.count() + 1)
    bytes = 100_000
    format = "jpg"
    width = 1600
    height = 1200
    created_at = factory.LazyFunction(timezone.now)
    review_state = "approved"  # a reviewed version; pass review_state="pending" for a new one


class DownloadPresetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DownloadPreset
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"preset-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    transformation = "c_limit,w_1200"
    format = "jpg"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ("tg_id",)

    tg_id = factory.Sequence(lambda n: f"COMM-{n}")
    name = factory.Sequence(lambda n: f"Community {n}")
    kind = Community.Kind.RETAILERS


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("tg_company_id",)

    tg_company_id = factory.Sequence(lambda n: f"TGC-9{n:03d}")
    name = factory.Sequence(lambda n: f"Partner Company {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Membership.Role.MEMBER
    state = Membership.State.ACTIVE


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    community = factory.SubFactory(CommunityFactory)
    asset = factory.SubFactory(AssetFactory)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"CASE-2026-{n:05d}")
    partner = factory.SubFactory(PartnerFactory)
    opener = factory.SubFactory(UserFactory)
    asset = factory.SubFactory(AssetFactory)
    asset_version = factory.LazyAttribute(lambda o: o.asset.current_version)
    category = Case.Category.INCORRECT_ASSET
    subject = "Wrong packaging photo"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    case = factory.SubFactory(CaseFactory)
    author = factory.SelfAttribute("case.opener")
    body = "The photo shows last year's box."
