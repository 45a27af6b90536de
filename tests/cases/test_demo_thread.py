"""The demo's community thread that became a case (#16): `make run` shows the flow."""

import io

from cases import demo_threads
from cases.models import Case, Message
from cases.thread_models import CaseThread
from tests import factories as f
from tests.cases.threads_fixtures import BOB, published_asset, tg  # noqa: F401 (fixture)


def test_the_demo_opens_a_thread_in_trading_grid_pulls_it_into_a_case_and_answers_it_once(
        tg, support, django_capture_on_commit_callbacks):  # noqa: F811
    # given: an asset bob sees in EU Retailers
    asset = published_asset(f)
    out = io.StringIO()
    # when: the demo seeds its thread, twice (a second `make run`)
    with django_capture_on_commit_callbacks(execute=True):
        demo_threads.seed(out, support)
    with django_capture_on_commit_callbacks(execute=True):
        demo_threads.seed(io.StringIO(), support)
    # then: one case from a Trading Grid thread, opened by bob on that asset
    thread = CaseThread.objects.get(origin=CaseThread.Origin.TRADING_GRID)
    case = Case.objects.get()
    assert thread.case == case and case.asset == asset and case.opener.email == BOB
    assert case.subject == demo_threads.TITLE
    assert list(case.messages.filter(kind=Message.Kind.REPLY).order_by("pk").values_list(
        "author__email", "body")) == [(BOB, demo_threads.BODY), (support.email, demo_threads.REPLY)]
    # ...and the thread in Trading Grid holds bob's post, support's answer and the status
    # change it caused, once each
    bodies = [post["body"] for post in tg.threads.all_posts(thread.tg_thread_id)]
    assert bodies[0] == demo_threads.BODY
    assert len(bodies) == 3
    assert [demo_threads.REPLY in body for body in bodies[1:]].count(True) == 1
    assert ["from New to In progress" in body for body in bodies[1:]].count(True) == 1
    assert case.reference in out.getvalue()


def test_the_demo_thread_is_skipped_with_a_reason_when_bob_sees_nothing(tg, support):  # noqa: F811
    out = io.StringIO()
    demo_threads.seed(out, support)
    assert not Case.objects.exists() and not CaseThread.objects.exists()
    assert "bob sees no asset" in out.getvalue()
