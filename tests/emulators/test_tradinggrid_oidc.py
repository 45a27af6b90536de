"""The Trading Grid emulator as an OpenID Connect provider, over real HTTP.

Runs without Django: `pytest tests/emulators/test_tradinggrid_oidc.py -p no:django`.
"""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from emulators.tradinggrid import TradingGridEmulator
from tests.sso_flow import sign_in_at_provider

PASSWORD = "portal-demo-2026"
BOB = "bob@alpine-outfitters.example"
CALLBACK = "http://portal.example/accounts/oidc/tradinggrid/login/callback/"


@pytest.fixture
def emu():
    with TradingGridEmulator(seed="demo") as emulator:
        yield emulator


def _pkce():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize_url(emu, challenge, **extra):
    params = {"response_type": "code", "client_id": emu.client_id, "redirect_uri": CALLBACK,
              "scope": "openid profile email", "state": "st-1", "nonce": "n-1",
              "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    return f"{emu.root_url}/oidc/authorize?{urlencode(params)}"


def _code(response):
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert location.geturl().startswith(CALLBACK) and query["state"] == ["st-1"]
    return query["code"][0]


def _redeem(emu, code, verifier, **overrides):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "code_verifier": verifier, "client_id": emu.client_id,
            "client_secret": emu.client_secret, **overrides}
    return requests.post(f"{emu.root_url}/oidc/token", data=data, timeout=10)


def _sign_in(emu, email=BOB, session=None):
    verifier, challenge = _pkce()
    code = _code(sign_in_at_provider(_authorize_url(emu, challenge), email, PASSWORD, session))
    return _redeem(emu, code, verifier)


def _verified_claims(emu, id_token):
    jwks = jwt.PyJWKClient(f"{emu.root_url}/oidc/jwks")
    key = jwks.get_signing_key_from_jwt(id_token)
    return jwt.decode(id_token, key, algorithms=["RS256"], audience=emu.client_id,
                      issuer=emu.root_url)


def test_discovery_names_every_endpoint_under_the_issuer(emu):
    config = requests.get(f"{emu.root_url}/.well-known/openid-configuration", timeout=5).json()
    assert config["issuer"] == emu.root_url
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "end_session_endpoint"):
        assert config[name].startswith(emu.root_url + "/oidc/")
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]


def test_bob_gets_an_rs256_id_token_with_his_member_id_company_and_communities(emu):
    tokens = _sign_in(emu).json()
    claims = _verified_claims(emu, tokens["id_token"])
    member = emu.directory.get_member("COMM-EU-RETAIL", BOB)
    assert jwt.get_unverified_header(tokens["id_token"])["alg"] == "RS256"
    assert claims["sub"] == claims["member_id"] == member["id"]
    assert (claims["email"], claims["name"]) == (BOB, "Bob Becker")
    assert (claims["company_id"], claims["communities"]) == ("TGC-1001", ["COMM-EU-RETAIL"])
    assert claims["nonce"] == "n-1"
    userinfo = requests.get(f"{emu.root_url}/oidc/userinfo", timeout=5, headers={
        "Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert userinfo["sub"] == member["id"] and userinfo["communities"] == ["COMM-EU-RETAIL"]


def test_the_claims_follow_the_directory_at_the_time_of_sign_in(emu):
    emu.add_member("COMM-NA-DIST", email=BOB, company_id="TGC-1001",
                   company_name="Alpine Outfitters GmbH")
    emu.remove_member("COMM-EU-RETAIL", BOB)
    claims = _verified_claims(emu, _sign_in(emu).json()["id_token"])
    assert claims["communities"] == ["COMM-NA-DIST"]


def test_a_wrong_password_shows_the_form_again_and_issues_no_code(emu):
    _, challenge = _pkce()
    answer = sign_in_at_provider(_authorize_url(emu, challenge), BOB, "not-the-password")
    assert answer.status_code == 401
    assert "wrong password" in answer.text and "Location" not in answer.headers


def test_a_code_is_redeemed_once_and_only_with_its_pkce_verifier(emu):
    verifier, challenge = _pkce()
    code = _code(sign_in_at_provider(_authorize_url(emu, challenge), BOB, PASSWORD))
    wrong = _redeem(emu, code, "another-verifier-" + "x" * 40)
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    code = _code(sign_in_at_provider(_authorize_url(emu, challenge), BOB, PASSWORD))
    assert _redeem(emu, code, verifier).status_code == 200
    again = _redeem(emu, code, verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_the_token_endpoint_refuses_a_wrong_client_secret(emu):
    verifier, challenge = _pkce()
    code = _code(sign_in_at_provider(_authorize_url(emu, challenge), BOB, PASSWORD))
    answer = _redeem(emu, code, verifier, client_secret="guess")
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_authorize_requires_pkce_and_a_known_client(emu):
    no_pkce = requests.get(_authorize_url(emu, "", code_challenge_method=""), timeout=5)
    stranger = requests.get(_authorize_url(emu, "c", client_id="stranger"), timeout=5)
    assert no_pkce.status_code == 400 and "PKCE" in no_pkce.text
    assert stranger.status_code == 400 and "client_id" in stranger.text


def test_a_signed_in_browser_gets_a_code_without_the_form_until_it_signs_out(emu):
    browser = requests.Session()
    assert _sign_in(emu, session=browser).status_code == 200
    _, challenge = _pkce()
    again = browser.get(_authorize_url(emu, challenge), allow_redirects=False, timeout=5)
    assert again.status_code == 302 and "code=" in again.headers["Location"]
    logout = browser.get(f"{emu.root_url}/oidc/logout", timeout=5, allow_redirects=False,
                         params={"client_id": emu.client_id,
                                 "post_logout_redirect_uri": "http://portal.example/"})
    assert logout.headers["Location"] == "http://portal.example/"
    after = browser.get(_authorize_url(emu, challenge), allow_redirects=False, timeout=5)
    assert after.status_code == 200 and 'name="password"' in after.text


def test_tampering_makes_the_next_id_token_fail_validation(emu):
    _sign_in(emu)
    for kind, error in (("foreign_key", jwt.InvalidSignatureError),
                        ("audience", jwt.InvalidAudienceError),
                        ("expired", jwt.ExpiredSignatureError)):
        emu.oidc.tamper_next(kind)
        with pytest.raises(error):
            _verified_claims(emu, _sign_in(emu).json()["id_token"])
    previous = emu.oidc.issued[-1]
    emu.oidc.tamper_next("replay")
    assert _sign_in(emu).json()["id_token"] == previous


def test_the_test_hooks_need_the_client_credentials_and_work_over_http(emu):
    hook = f"{emu.root_url}/_admin/oidc/identities"
    dana = {"email": "dana@elsewhere.example", "given_name": "Dana", "company_id": "TGC-9"}
    assert requests.post(hook, json=dana, timeout=5).status_code == 401
    created = requests.post(hook, json=dana, timeout=5,
                            auth=(emu.client_id, emu.client_secret)).json()
    claims = _verified_claims(emu, _sign_in(emu, "dana@elsewhere.example").json()["id_token"])
    assert claims["sub"] == created["id"] and claims["communities"] == []
    bad = requests.post(f"{emu.root_url}/_admin/oidc/tamper", json={"kind": "nonsense"},
                        auth=(emu.client_id, emu.client_secret), timeout=5)
    assert bad.status_code == 400
