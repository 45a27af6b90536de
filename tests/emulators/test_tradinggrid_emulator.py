"""The Trading Grid emulator over plain HTTP: contract shapes, paging, auth, faults, webhooks.

Runs without Django: `pytest tests/emulators/test_tradinggrid_emulator.py -p no:django`.
"""

import hashlib
import hmac
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import requests

from emulators.tradinggrid import TradingGridEmulator, WebhookRecorder

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-webhook-secret"
COMMUNITY_KEYS = {"id", "name", "kind", "markets", "languages", "description", "updated_at"}
MEMBER_KEYS = {
    "id", "email", "givenName", "familyName", "company", "role", "status", "validFrom",
    "validUntil", "updated_at",
}
LIST_KEYS = {"schemas", "totalResults", "startIndex", "itemsPerPage", "Resources"}


@pytest.fixture
def emu():
    with TradingGridEmulator(seed="demo", webhook_secret=SECRET) as emulator:
        yield emulator


@pytest.fixture
def hooks():
    with WebhookRecorder() as recorder:
        yield recorder


@pytest.fixture
def emu_with_hooks(hooks):
    with TradingGridEmulator(seed="demo", webhook_url=hooks.url, webhook_secret=SECRET,
                             webhook_backoff=0.01) as emulator:
        yield emulator


def get(emu, path, **params):
    return requests.get(emu.url + path, params=params, auth=(emu.client_id, emu.client_secret),
                        timeout=5)


def all_members(emu, community_id, count):
    """Page through a community with `count` per page, like a careful client would."""
    seen, start = [], 1
    while True:
        page = get(emu, f"/communities/{community_id}/members", startIndex=start,
                   count=count).json()
        seen.extend(page["Resources"])
        start += page["itemsPerPage"]
        if not page["Resources"] or start > page["totalResults"]:
            return seen, page["totalResults"]


def expected_signature(timestamp, body):
    return "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()


# -- API and contract --------------------------------------------------------------------


def test_ping_answers_ok_with_valid_credentials(emu):
    response = get(emu, "/ping")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("auth", [None, ("portal-demo", "wrong"), ("someone", "tg-demo-secret")])
def test_it_refuses_bad_credentials_with_401_and_a_json_error(emu, auth):
    response = requests.get(emu.url + "/communities", auth=auth, timeout=5)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.json()["error"]["code"] == "unauthorized"


def test_trading_grid_url_carries_the_credentials(emu):
    assert emu.trading_grid_url == f"http://portal-demo:tg-demo-secret@127.0.0.1:{emu.port}/v1"
    assert requests.get(emu.trading_grid_url + "/ping", timeout=5).status_code == 200


def test_communities_list_is_a_scim_list_of_the_demo_communities(emu):
    page = get(emu, "/communities").json()

    assert set(page) == LIST_KEYS
    assert page["totalResults"] == page["itemsPerPage"] == 5
    by_id = {c["id"]: c for c in page["Resources"]}
    assert all(set(c) == COMMUNITY_KEYS for c in page["Resources"])
    assert by_id["COMM-EU-RETAIL"]["name"] == "EU Retailers"
    assert by_id["COMM-EU-RETAIL"]["kind"] == "retailers"
    assert by_id["COMM-EU-RETAIL"]["markets"] == ["de", "fr", "gb"]
    assert by_id["COMM-NA-DIST"]["markets"] == ["us"]
    assert by_id["COMM-JP-RESELL"]["kind"] == "resellers"
    assert sorted(by_id["COMM-GLOBAL-LOG"]["markets"]) == ["de", "fr", "gb", "jp", "us"]
    assert by_id["COMM-PKG-SUPPLY"]["kind"] == "suppliers"


def test_one_community_by_id_and_404_for_an_unknown_one(emu):
    assert get(emu, "/communities/COMM-JP-RESELL").json()["name"] == "Japan Resellers"

    missing = get(emu, "/communities/COMM-NOPE")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": missing.json()[
        "error"]["message"]}}


def test_the_demo_personas_are_where_the_demo_needs_them(emu):
    def member(community_id, email):
        members, _ = all_members(emu, community_id, 100)
        return next((m for m in members if m["email"] == email), None)

    alice = member("COMM-EU-RETAIL", "alice@alpine-outfitters.example")
    bob = member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")
    charlie = member("COMM-JP-RESELL", "charlie@sakura-trading.example")
    assert (alice["givenName"], alice["familyName"], alice["role"]) == ("Alice", "Adler",
                                                                       "partner_admin")
    assert alice["company"] == {"id": "TGC-1001", "name": "Alpine Outfitters GmbH"}
    assert (bob["role"], bob["status"], bob["company"]["id"]) == ("member", "active", "TGC-1001")
    assert charlie["company"] == {"id": "TGC-2001", "name": "Sakura Trading KK"}
    assert charlie["role"] == "member"
    others = [c for c in emu.directory.community_ids() if c != "COMM-JP-RESELL"]
    assert all(member(c, "charlie@sakura-trading.example") is None for c in others)


def test_members_have_the_contract_shape(emu):
    members, _ = all_members(emu, "COMM-EU-RETAIL", 100)

    for member in members:
        assert set(member) == MEMBER_KEYS
        assert set(member["company"]) == {"id", "name"}
        assert member["role"] in {"member", "partner_admin"}
        assert member["status"] in {"active", "suspended"}
        for key in ("validFrom", "validUntil"):
            assert member[key] is None or date.fromisoformat(member[key])


@pytest.mark.parametrize("community_id", [
    "COMM-EU-RETAIL", "COMM-NA-DIST", "COMM-JP-RESELL", "COMM-GLOBAL-LOG", "COMM-PKG-SUPPLY",
])
def test_paging_with_count_10_returns_every_member_exactly_once(emu, community_id):
    paged, total = all_members(emu, community_id, 10)
    everyone = get(emu, f"/communities/{community_id}/members", count=200).json()["Resources"]

    assert len(paged) == total == len(everyone)
    assert sorted(m["id"] for m in paged) == sorted(m["id"] for m in everyone)
    assert len({m["id"] for m in paged}) == total


def test_a_page_of_10_really_pages_in_the_bigger_communities(emu):
    first = get(emu, "/communities/COMM-EU-RETAIL/members", startIndex=1, count=10).json()
    second = get(emu, "/communities/COMM-EU-RETAIL/members", startIndex=11, count=10).json()

    assert first["itemsPerPage"] == 10 and first["totalResults"] > 10
    assert second["startIndex"] == 11
    assert second["itemsPerPage"] == first["totalResults"] - 10


def test_the_demo_directory_has_every_kind_of_membership(emu):
    members = [m for c in emu.directory.community_ids() for m in all_members(emu, c, 50)[0]]
    people = {m["id"]: m for m in members}
    today = date(2026, 11, 26)

    assert len(people) == 43  # the three personas and 40 others
    assert len({m["company"]["id"] for m in members}) == 15
    assert sum(m["status"] == "suspended" for m in people.values()) == 2
    assert any(m["validUntil"] and date.fromisoformat(m["validUntil"]) < today for m in members)
    assert any(m["validFrom"] and date.fromisoformat(m["validFrom"]) > today for m in members)


@pytest.mark.parametrize("params", [{"startIndex": "x"}, {"count": "many"}])
def test_bad_paging_parameters_answer_400(emu, params):
    response = get(emu, "/communities", **params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


# -- faults ------------------------------------------------------------------------------


def test_injected_failures_answer_503_then_recover(emu):
    emu.faults.fail_next(2)

    statuses = [get(emu, "/ping").status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_injected_rate_limit_answers_429_with_retry_after(emu):
    emu.faults.rate_limit_next(1, retry_after=7)

    response = get(emu, "/communities")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error"]["code"] == "rate_limited"


def test_a_fail_rate_of_one_fails_every_api_request():
    with TradingGridEmulator(fail_rate=1.0) as emulator:
        assert {get(emulator, "/ping").status_code for _ in range(5)} == {503}


# -- webhooks ----------------------------------------------------------------------------


def test_adding_a_member_sends_a_signed_member_added_webhook(emu_with_hooks, hooks):
    emu_with_hooks.add_member("COMM-NA-DIST", email="dana@prairie-supply.example",
                              given_name="Dana", family_name="Diaz", company_id="TGC-3001",
                              company_name="Prairie Supply Co.")

    emu_with_hooks.wait_for_deliveries(5)
    [request] = hooks.requests
    body = json.loads(request.body)
    assert request.path == "/hooks/tradinggrid/"
    assert request.headers["X-TG-Event-Id"] == body["id"]
    assert request.headers["X-TG-Signature"] == expected_signature(
        request.headers["X-TG-Timestamp"], request.body)
    assert abs(int(request.headers["X-TG-Timestamp"]) - time.time()) < 60
    assert body["type"] == "member.added"
    assert body["community"]["id"] == "COMM-NA-DIST"
    assert body["member"]["email"] == "dana@prairie-supply.example"
    assert set(body) == {"id", "type", "occurred_at", "community", "member"}


def test_the_directory_changes_along_with_the_webhook(emu_with_hooks, hooks):
    emu_with_hooks.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")
    emu_with_hooks.update_member("COMM-EU-RETAIL", "alice@alpine-outfitters.example",
                                 role="member", valid_until="2027-03-31")
    emu_with_hooks.update_community("COMM-NA-DIST", name="NA Distributors")

    emu_with_hooks.wait_for_deliveries(5)
    types = [json.loads(r.body)["type"] for r in hooks.requests]
    assert sorted(types) == ["community.updated", "member.removed", "member.updated"]
    emails = {m["email"] for m in all_members(emu_with_hooks, "COMM-EU-RETAIL", 10)[0]}
    assert "bob@alpine-outfitters.example" not in emails
    alice = next(r for r in hooks.requests if json.loads(r.body)["type"] == "member.updated")
    assert json.loads(alice.body)["member"]["validUntil"] == "2027-03-31"
    assert get(emu_with_hooks, "/communities/COMM-NA-DIST").json()["name"] == "NA Distributors"


def test_a_failed_webhook_is_retried_with_the_same_event_id(emu_with_hooks, hooks):
    hooks.fail_next(2, status=500)

    emu_with_hooks.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")

    attempts = emu_with_hooks.wait_for_deliveries(5)
    assert [r.answered for r in hooks.requests] == [500, 500, 204]
    assert len({r.headers["X-TG-Event-Id"] for r in hooks.requests}) == 1
    assert [(a.attempt, a.delivered) for a in attempts] == [(1, False), (2, False), (3, True)]
    for request in hooks.requests:  # each retry is signed afresh
        assert request.headers["X-TG-Signature"] == expected_signature(
            request.headers["X-TG-Timestamp"], request.body)


def test_it_gives_up_after_the_last_attempt(hooks):
    hooks.fail_next(10, status=503)
    with TradingGridEmulator(webhook_url=hooks.url, webhook_secret=SECRET, webhook_attempts=3,
                             webhook_backoff=0.01) as emulator:
        emulator.update_community("COMM-JP-RESELL", description="changed")

        attempts = emulator.wait_for_deliveries(5)

    assert len(attempts) == 3
    assert attempts[-1].final and not attempts[-1].delivered


def test_an_unreachable_receiver_is_retried_without_blocking_the_api():
    with TradingGridEmulator(webhook_url="http://127.0.0.1:9/hooks/", webhook_attempts=2,
                             webhook_backoff=0.01) as emulator:
        emulator.add_community("COMM-TEST", name="Test", kind="other", markets=["us"])
        attempts = emulator.wait_for_deliveries(10)
        assert get(emulator, "/communities/COMM-TEST").status_code == 200

    assert [a.status for a in attempts] == [None, None]
    assert attempts[0].error


# -- admin endpoint, state, CLI ----------------------------------------------------------


def admin(emu, path, payload, auth=None):
    return requests.post(emu.root_url + path, json=payload, timeout=5,
                         auth=auth or (emu.client_id, emu.client_secret))


def test_the_admin_endpoint_removes_a_member_and_sends_the_webhook(emu_with_hooks, hooks):
    response = admin(emu_with_hooks, "/_admin/members/remove",
                     {"community_id": "COMM-EU-RETAIL", "email": "bob@alpine-outfitters.example"})

    assert response.status_code == 200
    assert response.json()["email"] == "bob@alpine-outfitters.example"
    hooks.wait_for(1)
    assert json.loads(hooks.requests[0].body)["type"] == "member.removed"


def test_the_admin_endpoint_adds_and_updates_with_a_form_too(emu):
    added = requests.post(emu.root_url + "/_admin/members/add", timeout=5,
                          auth=(emu.client_id, emu.client_secret),
                          data={"community_id": "COMM-JP-RESELL", "email": "dan@kansai.example",
                                "company_id": "TGC-2003", "company_name": "Kansai Gear"})
    updated = admin(emu, "/_admin/members/update", {
        "community_id": "COMM-JP-RESELL", "email": "dan@kansai.example",
        "changes": {"status": "suspended"}})

    assert added.status_code == 200 and updated.json()["status"] == "suspended"
    assert [e["type"] for e in emu.events] == ["member.added", "member.updated"]


def test_a_communitys_languages_are_set_through_the_admin_endpoint_and_served(emu):
    assert get(emu, "/communities/COMM-EU-RETAIL").json()["languages"] == []

    updated = admin(emu, "/_admin/communities/update", {
        "id": "COMM-EU-RETAIL", "changes": {"languages": ["de-DE", " fr-FR", "de-de", ""]}})
    added = requests.post(emu.root_url + "/_admin/communities/add", timeout=5,
                          auth=(emu.client_id, emu.client_secret),
                          data={"id": "COMM-CH-RETAIL", "name": "Swiss Retailers",
                                "markets": "ch", "languages": "de-CH, fr-CH"})

    assert updated.json()["languages"] == ["de-DE", "fr-FR"]  # best first, once each
    assert added.status_code == 200
    assert get(emu, "/communities/COMM-CH-RETAIL").json()["languages"] == ["de-CH", "fr-CH"]
    assert [e["type"] for e in emu.events] == ["community.updated", "community.updated"]
    assert emu.events[0]["community"]["languages"] == ["de-DE", "fr-FR"]


def test_the_admin_endpoint_refuses_bad_input_and_bad_credentials(emu):
    assert admin(emu, "/_admin/members/remove", {"email": "x@y"}).status_code == 400
    assert admin(emu, "/_admin/members/remove", {"community_id": "COMM-EU-RETAIL",
                                                 "email": "nobody@x.example"}).status_code == 404
    assert admin(emu, "/_admin/members/update", {"community_id": "COMM-EU-RETAIL",
                                                 "email": "bob@alpine-outfitters.example",
                                                 "changes": {"role": "boss"}}).status_code == 400
    assert admin(emu, "/_admin/reset", {}, auth=("portal-demo", "nope")).status_code == 401


def test_a_state_directory_keeps_changes_across_restarts(tmp_path):
    with TradingGridEmulator(state_dir=tmp_path) as first:
        first.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")

    with TradingGridEmulator(state_dir=tmp_path) as second:
        emails = {m["email"] for m in all_members(second, "COMM-EU-RETAIL", 10)[0]}

    assert "bob@alpine-outfitters.example" not in emails
    assert "alice@alpine-outfitters.example" in emails


def test_the_empty_seed_has_no_communities():
    with TradingGridEmulator(seed="empty") as emulator:
        assert get(emulator, "/communities").json()["totalResults"] == 0


def test_the_command_line_serves_the_demo_directory():
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.tradinggrid", "--port", "0", "--seed", "demo"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        banner = process.stdout.readline()
        url = banner.rsplit(" ", 1)[-1].strip()
        response = requests.get(url + "/communities/COMM-EU-RETAIL", timeout=5,
                                auth=("portal-demo", "tg-demo-secret"))
        assert response.json()["name"] == "EU Retailers"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


# -- community threads (#16) ------------------------------------------------------------


def _thread_api(emu):
    import requests

    session = requests.Session()
    session.auth = (emu.client_id, emu.client_secret)
    return session, emu.url + "/communities/COMM-EU-RETAIL/threads"


def test_a_thread_write_with_the_same_idempotency_key_posts_once():
    from emulators.tradinggrid import TradingGridEmulator

    with TradingGridEmulator(seed="demo") as emu:
        session, base = _thread_api(emu)
        made = session.post(base, json={"title": "Crop", "body": "Top cut off"},
                            headers={"Idempotency-Key": "k-thread"})
        again = session.post(base, json={"title": "Crop", "body": "Top cut off"},
                             headers={"Idempotency-Key": "k-thread"})
        assert (made.status_code, again.status_code) == (201, 200)
        assert made.json()["thread"]["id"] == again.json()["thread"]["id"]
        assert session.get(base).json()["totalResults"] == 1
        assert [e["type"] for e in emu.events] == ["thread.created"]


def test_thread_writes_without_a_key_or_with_bad_attachments_are_refused():
    from emulators.tradinggrid import TradingGridEmulator

    with TradingGridEmulator(seed="demo") as emu:
        session, base = _thread_api(emu)
        no_key = session.post(base, json={"title": "x", "body": "y"})
        bad = session.post(base, headers={"Idempotency-Key": "k"},
                           json={"title": "x", "body": "y",
                                 "attachments": [{"type": "asset", "urn": "http://cdn/x.jpg"}]})
        assert (no_key.status_code, bad.status_code) == (400, 400)
        assert bad.json()["error"]["code"] == "invalid_request"
        assert session.get(base).json()["totalResults"] == 0


def test_posts_page_in_seq_order_and_a_lost_reply_keeps_the_write():
    from emulators.tradinggrid import TradingGridEmulator

    with TradingGridEmulator(seed="demo") as emu:
        thread = emu.create_thread("COMM-EU-RETAIL", "bob@alpine-outfitters.example",
                                   title="t", body="first")["thread"]
        session, base = _thread_api(emu)
        emu.write_faults.set(1.0, lost_reply_share=1.0)  # every write stored, answer lost
        lost = session.post(f"{base}/{thread['id']}/posts", json={"body": "second"},
                            headers={"Idempotency-Key": "k2"})
        emu.write_faults.set(0.0)
        retried = session.post(f"{base}/{thread['id']}/posts", json={"body": "second"},
                               headers={"Idempotency-Key": "k2"})
        page = session.get(f"{base}/{thread['id']}/posts", params={"startIndex": 2,
                                                                   "count": 5}).json()
        assert (lost.status_code, retried.status_code) == (503, 200)
        assert [p["seq"] for p in page["Resources"]] == [2]
        assert page["totalResults"] == 2
