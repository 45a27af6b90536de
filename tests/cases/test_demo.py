import io

from django.core import mail

from cases import demo
from cases.models import Case
from tests import factories as f


def test_the_demo_seeds_cases_in_different_states_once(alice, bob, charlie, support,
                                                       alice_asset, charlie_asset,
                                                       django_capture_on_commit_callbacks):
    # given
    f.PublicationFactory(community=charlie.memberships.get().community,
                         asset=f.AssetFactory(resource_type="video", title="Summit video"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    # then
    states = dict(Case.objects.values_list("opener__email", "status"))
    assert states == {bob.email: "in_progress", alice.email: "resolved", charlie.email: "new"}
    assert Case.objects.get(opener=charlie).asset.title == "Summit video"
    assert Case.objects.get(opener=alice).resolution_link.startswith("https://")
    assert any(m.to == [bob.email] for m in mail.outbox)
