"""communities.tradinggrid against the real Trading Grid emulator, over HTTP.

Needs no Django settings: every call passes its url or secret explicitly, so this runs with
`pytest tests/communities/test_tradinggrid_client.py -p no:django`.
"""

import json
import socket
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from communities import tradinggrid as tg
from emulators.tradinggrid import TradingGridEmulator, WebhookRecorder

ROOT = Path(__file__).resolve().parents[2]
SECRET = "client-test-webhook-secret"


@pytest.fixture
def emu():
    with TradingGridEmulator(seed="demo") as emulator:
        yield emulator


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(emu, sleeps):
    return tg.TradingGridClient(emu.trading_grid_url, backoff=0.01, sleep=sleeps.append)


def api_calls(emu):
    return [path for _, path, _ in emu.requests_log if path.startswith("/v1/")]


# -- configuration -----------------------------------------------------------------------


def test_it_takes_the_credentials_from_the_url_userinfo():
    config = tg.TradingGridConfig.from_url("https://portal%40x:s3cr%3At@tg.example:8443/v1/")

    assert config.base_url == "https://tg.example:8443/v1"
    assert (config.client_id, config.client_secret) == ("portal@x", "s3cr:t")


@pytest.mark.parametrize("url", ["http://tg.example/v1", "ftp://a:b@tg.example/v1", "nonsense"])
def test_it_refuses_a_url_without_credentials_or_http(url):
    with pytest.raises(tg.TradingGridError, match="TRADING_GRID_URL"):
        tg.TradingGridConfig.from_url(url)


def test_it_reads_django_settings_only_when_called_without_a_url(emu):
    script = (
        "import sys; import communities.tradinggrid as tg;"
        "assert 'django.conf' not in sys.modules, 'imported Django settings eagerly';"
        "from django.conf import settings;"
        f"settings.configure(TRADING_GRID_URL={emu.trading_grid_url!r});"
        "print(tg.ping())"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=30)

    assert result.stdout.strip() == "True", result.stderr


# -- reading -----------------------------------------------------------------------------


def test_ping_is_true_against_the_emulator(client):
    assert client.ping() is True


def test_communities_come_back_as_typed_dataclasses(client):
    communities = {c.id: c for c in client.iter_communities()}

    eu = communities["COMM-EU-RETAIL"]
    assert isinstance(eu, tg.RemoteCommunity)
    assert (eu.name, eu.kind, eu.markets) == ("EU Retailers", "retailers", ("de", "fr", "gb"))
    assert isinstance(eu.updated_at, datetime) and eu.updated_at.tzinfo is not None
    assert set(communities) == {"COMM-EU-RETAIL", "COMM-NA-DIST", "COMM-JP-RESELL",
                                "COMM-GLOBAL-LOG", "COMM-PKG-SUPPLY"}


def test_get_community_returns_one_and_raises_not_found_for_an_unknown_one(client):
    assert client.get_community("COMM-JP-RESELL").name == "Japan Resellers"

    with pytest.raises(tg.TradingGridNotFound) as excinfo:
        client.get_community("COMM-NOPE")
    assert excinfo.value.status == 404 and excinfo.value.code == "not_found"


def test_members_are_paged_lazily(client, emu):
    members = client.iter_members("COMM-EU-RETAIL", page_size=10)

    assert api_calls(emu) == []
    first = next(members)
    assert len(api_calls(emu)) == 1
    rest = list(members)
    assert len(api_calls(emu)) == 2
    assert len(rest) + 1 == emu.directory.list_members("COMM-EU-RETAIL")["totalResults"]
    assert isinstance(first, tg.RemoteMember)


@pytest.mark.parametrize("page_size", [1, 3, 10, 100])
def test_paging_covers_every_member_exactly_once(client, emu, page_size):
    for community_id in emu.directory.community_ids():
        ids = [m.id for m in client.iter_members(community_id, page_size=page_size)]
        expected = emu.directory.list_members(community_id, count=200)["Resources"]

        assert sorted(ids) == sorted(m["id"] for m in expected)
        assert len(ids) == len(set(ids))


def test_members_carry_persona_details_and_validity(client):
    members = {m.email: m for m in client.iter_members("COMM-EU-RETAIL", page_size=5)}

    alice = members["alice@alpine-outfitters.example"]
    assert (alice.given_name, alice.family_name, alice.role) == ("Alice", "Adler",
                                                                "partner_admin")
    assert alice.company == tg.RemoteCompany("TGC-1001", "Alpine Outfitters GmbH")
    assert alice.is_active_on(date(2026, 11, 26))
    suspended = [m for m in members.values() if m.status == "suspended"]
    assert suspended and not suspended[0].is_active_on(date(2026, 11, 26))


def test_the_module_functions_accept_an_explicit_url(emu):
    url = emu.trading_grid_url

    assert tg.ping(url=url)
    assert tg.get_community("COMM-NA-DIST", url=url).markets == ("us",)
    assert len(list(tg.iter_communities(url=url, page_size=2))) == 5
    assert {m.email for m in tg.iter_members("COMM-JP-RESELL", url=url)} >= {
        "charlie@sakura-trading.example"}


# -- failures and retries ----------------------------------------------------------------


def test_bad_credentials_raise_an_auth_error_without_retrying(emu):
    url = emu.trading_grid_url.replace("tg-demo-secret", "wrong")
    client = tg.TradingGridClient(url, backoff=0.01)

    with pytest.raises(tg.TradingGridAuthError) as excinfo:
        client.ping()
    assert excinfo.value.status == 401
    assert len(api_calls(emu)) == 1
    assert "wrong" not in str(excinfo.value)


def test_injected_5xx_answers_are_retried_with_backoff(client, emu, sleeps):
    emu.faults.fail_next(2, status=503)

    communities = list(client.iter_communities())

    assert len(communities) == 5
    assert len(api_calls(emu)) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]


def test_it_gives_up_with_unavailable_after_the_last_retry(emu, sleeps):
    emu.faults.fail_rate = 1.0
    client = tg.TradingGridClient(emu.trading_grid_url, max_retries=2, backoff=0.01,
                                  sleep=sleeps.append)

    with pytest.raises(tg.TradingGridUnavailable, match="3 attempts") as excinfo:
        client.get_community("COMM-EU-RETAIL")
    assert excinfo.value.status == 503
    assert len(api_calls(emu)) == 3


def test_a_failure_in_the_middle_of_paging_is_retried_transparently(client, emu):
    members = client.iter_members("COMM-EU-RETAIL", page_size=10)
    first_page = [next(members) for _ in range(10)]
    emu.faults.fail_next(1, status=502)

    rest = list(members)

    assert len(first_page) + len(rest) == 12


def test_a_429_waits_for_its_retry_after(client, emu, sleeps):
    emu.faults.rate_limit_next(1, retry_after=2)

    assert client.ping()

    assert sleeps == [2.0]
    assert len(api_calls(emu)) == 2


def test_a_429_asking_for_too_long_a_wait_raises_with_the_wait(emu, sleeps):
    emu.faults.rate_limit_next(1, retry_after=600)
    client = tg.TradingGridClient(emu.trading_grid_url, max_retry_after=30, sleep=sleeps.append)

    with pytest.raises(tg.TradingGridUnavailable) as excinfo:
        client.ping()
    assert excinfo.value.retry_after == 600.0 and excinfo.value.status == 429
    assert sleeps == []


def test_an_unreachable_server_raises_unavailable(sleeps):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = tg.TradingGridClient(f"http://a:b@127.0.0.1:{port}/v1", max_retries=1,
                                  sleep=sleeps.append)

    with pytest.raises(tg.TradingGridUnavailable, match="ConnectionError"):
        client.ping()
    assert len(sleeps) == 1


# -- webhooks ----------------------------------------------------------------------------


@pytest.fixture
def delivered():
    """One real member.removed webhook, as the portal's endpoint would receive it."""
    with WebhookRecorder() as hooks, TradingGridEmulator(
        webhook_url=hooks.url, webhook_secret=SECRET, webhook_backoff=0.01,
    ) as emulator:
        emulator.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")
        [request] = hooks.wait_for(1)
    return request


def signed_at(request):
    return int(request.headers["X-TG-Timestamp"])


def test_a_real_emulator_webhook_verifies_into_a_typed_event(delivered):
    event = tg.verify_webhook(delivered.body, delivered.headers, secret=SECRET)

    assert event.id == delivered.headers["X-TG-Event-Id"]
    assert event.type == "member.removed"
    assert event.community.id == "COMM-EU-RETAIL"
    assert event.member.email == "bob@alpine-outfitters.example"
    assert event.member.company.id == "TGC-1001"
    assert isinstance(event.occurred_at, datetime)


def test_django_meta_style_headers_are_accepted(delivered):
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in delivered.headers.items()}

    assert tg.verify_webhook(delivered.body, meta, secret=SECRET).type == "member.removed"


def test_a_one_byte_change_is_rejected(delivered):
    body = bytearray(delivered.body)
    body[body.index(b"bob")] = ord("B")

    with pytest.raises(tg.InvalidSignature, match="does not match"):
        tg.verify_webhook(bytes(body), delivered.headers, secret=SECRET)


def test_a_wrong_secret_is_rejected(delivered):
    with pytest.raises(tg.InvalidSignature, match="wrong secret"):
        tg.verify_webhook(delivered.body, delivered.headers, secret="not-the-secret")


def test_a_stale_timestamp_is_rejected(delivered):
    with pytest.raises(tg.StaleWebhook, match="old"):
        tg.verify_webhook(delivered.body, delivered.headers, secret=SECRET,
                          now=signed_at(delivered) + 301)


def test_a_timestamp_just_inside_five_minutes_is_accepted(delivered):
    event = tg.verify_webhook(delivered.body, delivered.headers, secret=SECRET,
                              now=signed_at(delivered) + 299)

    assert event.type == "member.removed"


def test_a_replayed_body_with_a_new_timestamp_is_rejected(delivered):
    headers = dict(delivered.headers.items())
    headers["X-TG-Timestamp"] = str(signed_at(delivered) + 60)

    with pytest.raises(tg.InvalidSignature):
        tg.verify_webhook(delivered.body, headers, secret=SECRET)


@pytest.mark.parametrize("drop", ["X-TG-Signature", "X-TG-Timestamp"])
def test_missing_signature_headers_are_rejected(delivered, drop):
    headers = {k: v for k, v in delivered.headers.items() if k.lower() != drop.lower()}

    with pytest.raises(tg.InvalidSignature, match="missing"):
        tg.verify_webhook(delivered.body, headers, secret=SECRET)


def test_an_event_id_header_that_disagrees_with_the_signed_body_is_rejected(delivered):
    headers = dict(delivered.headers.items())
    headers["X-TG-Event-Id"] = "evt_forged"

    with pytest.raises(tg.WebhookVerificationError, match="Event-Id"):
        tg.verify_webhook(delivered.body, headers, secret=SECRET)
    assert json.loads(delivered.body)["id"] != "evt_forged"
