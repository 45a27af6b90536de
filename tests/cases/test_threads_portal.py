"""Cases opened on the portal, and what the case pages show about their thread."""



from cases import services, threads
from cases.models import Case, Message
from cases.thread_models import CommunityThreadSetting, ThreadOutbox
from communities.models import Community
from tests import factories as f
from tests.cases.threads_fixtures import BOB, EU, published_asset, reference


def _bob():
    from accounts.models import User

    return User.objects.get(email=BOB)


def test_a_portal_case_opens_a_thread_when_its_community_is_configured_for_it(tg):
    # given
    CommunityThreadSetting.objects.create(community=Community.objects.get(tg_id=EU),
                                          open_threads_for_portal_cases=True)
    asset = published_asset(f)
    # when
    case = services.case_open(opener=_bob(), asset=asset, category="quality",
                              subject="Blurry on phones", body="The 390px preview is soft.")
    threads.deliver_pending(case.tg_thread.pk)
    # then: one thread in the community, tagged as a media case, with the opening message
    (remote,) = tg.threads.list_threads(EU, 1, 10)["Resources"]
    assert remote["title"] == "Blurry on phones" and "media-case" in remote["tags"]
    (post,) = tg.threads.all_posts(remote["id"])
    assert "The 390px preview is soft." in post["body"]
    case.tg_thread.refresh_from_db()
    assert case.tg_thread.tg_thread_id == remote["id"]
    # ...and its echo (thread.created by our own client) is not a second case
    assert threads.thread_pull(EU, remote["id"]) == "posts applied"
    assert Case.objects.count() == 1


def test_a_portal_case_opens_no_thread_without_the_setting(tg):
    # when
    services.case_open(opener=_bob(), asset=published_asset(f), category="quality",
                       subject="Blurry", body="Soft.")
    # then
    assert not ThreadOutbox.objects.exists()
    assert tg.threads.list_threads(EU, 1, 10)["totalResults"] == 0


def test_the_staff_page_says_where_each_message_came_from_and_the_partner_page_links_the_thread(
        tg, support, client_for):
    # given: a case from a thread, with a support reply posted back
    asset = published_asset(f)
    thread_id = tg.create_thread(EU, BOB, title="Crop", body="Cropped at the top.",
                                 attachments=[reference(asset)])["thread"]["id"]
    threads.thread_pull(EU, thread_id)
    case = Case.objects.get()
    services.case_reply(case=case, author=support, body="Looking into it.")
    threads.deliver_pending(case.tg_thread.pk)
    # when
    staff_page = client_for(support).get(f"/cases/{case.reference}/").content.decode()
    # then
    assert "from Trading Grid" in staff_page and "portal, posted to Trading Grid" in staff_page
    assert case.tg_thread.url in staff_page and thread_id in staff_page
    # when
    partner_page = client_for(_bob()).get(f"/cases/{case.reference}/").content.decode()
    # then
    assert "Open the thread in Trading Grid" in partner_page
    assert "from Trading Grid" not in partner_page


def test_sync_threads_repairs_a_thread_and_a_post_whose_webhooks_were_lost(tg, capsys):
    # given: no webhook reached the portal (the emulator has no webhook URL)
    from django.core.management import call_command

    asset = published_asset(f)
    thread_id = tg.create_thread(EU, BOB, title="Crop", body="Cropped.",
                                 attachments=[reference(asset)])["thread"]["id"]
    # when
    call_command("sync_threads")
    tg.add_post(thread_id, BOB, body="Any news?")
    call_command("sync_threads", "--community", EU)
    call_command("sync_threads")  # nothing new: changes nothing
    # then
    case = Case.objects.get()
    assert [m.body for m in case.messages.filter(kind="reply")] == ["Cropped.", "Any news?"]
    assert "threads: 1" in capsys.readouterr().out


def test_a_resolution_post_is_recognised_by_its_flag_not_by_its_wording(tg, support):
    # given: a case from a thread, resolved with a link
    asset = published_asset(f)
    opened = tg.create_thread(EU, BOB, title="Crop", body="Cropped.",
                              attachments=[reference(asset)])
    threads.thread_pull(EU, opened["thread"]["id"])
    case = Case.objects.get()
    services.case_resolve(case=case, actor=support, resolution_kind="link",
                          link="https://brand.example/fixed", note="Use this one.")
    case.refresh_from_db()
    resolution = Message.objects.get(case=case, event_key__startswith="resolution:")
    # when: another system message that merely starts with the same word
    lookalike = Message.objects.create(case=case, kind=Message.Kind.SYSTEM,
                                       body="Resolved: nothing, this is a test.")
    # then: only the flagged message carries the resolution link
    assert threads.is_resolution_message(resolution)
    assert not threads.is_resolution_message(lookalike)
    assert threads.render_post(resolution)["attachments"] == [
        {"type": "link", "url": "https://brand.example/fixed", "title": "Link"}]
    assert threads.render_post(lookalike)["attachments"] == []
