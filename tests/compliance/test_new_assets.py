"""'New assets in my communities': one notice per member for what became visible to them,
once, respecting preferences; the first sweep only sets the starting point."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from compliance.new_assets import announce_new_assets
from notifications.models import Notice
from notifications.services import set_preferences
from tests import factories as f


def test_members_are_told_once_about_assets_published_to_their_community(
        bob, alice, charlie, eu_retailers, jp_resellers, django_capture_on_commit_callbacks):
    # given: the starting point, then three assets published to EU Retailers, one to Japan
    start = timezone.now()
    assert announce_new_assets(at=start) == 0
    for n in range(3):
        f.PublicationFactory(community=eu_retailers, asset=f.AssetFactory(title=f"Boot {n}"))
    f.PublicationFactory(community=jp_resellers, asset=f.AssetFactory(title="JP only"))
    set_preferences(alice, {"new_asset": "off"})
    # when: the sweep runs, then runs again
    with django_capture_on_commit_callbacks(execute=True):
        first = announce_new_assets(at=timezone.now() + timedelta(seconds=1))
        again = announce_new_assets(at=timezone.now() + timedelta(seconds=2))
    # then: bob (one notice, one email) and charlie (his own one); alice chose off
    assert (first, again) == (2, 0)
    notices = {n.user.email: n for n in Notice.objects.filter(kind="new_asset")}
    assert sorted(notices) == [bob.email, charlie.email]
    assert notices[bob.email].title == "3 new assets in your communities"
    assert "Boot 0" in notices[bob.email].body and "JP only" not in notices[bob.email].body
    assert notices[charlie.email].title == "New in your communities: JP only"
    assert sorted(m.to[0] for m in mail.outbox) == [bob.email, charlie.email]


def test_the_first_sweep_does_not_announce_the_whole_catalog(bob, eu_retailers):
    # given: a catalog that existed before notices did
    f.PublicationFactory(community=eu_retailers, asset=f.AssetFactory())
    # when / then
    assert announce_new_assets() == 0 and not Notice.objects.exists()
