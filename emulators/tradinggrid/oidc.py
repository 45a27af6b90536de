"""The emulator's OpenID Connect provider: Trading Grid sign-in for its directory people.

Authorization code flow with PKCE (S256 only), ID tokens signed RS256 with a key made at
start-up and published as a JWKS. JOSE is PyJWT on `cryptography`; nothing here signs or
verifies by hand. The HTTP side (pages, redirects, JSON) lives in `oidc_http.py`.

A person may sign in when the directory lists them in any community, or when a test
registered them with `add_identity()` (a Trading Grid account in no community). Their
ID token carries the member id (`sub`), email, name, company and the ids of the
communities where they are an active, currently valid member, read at issue time.
`tamper_next()` makes the next token response misbehave, so tests can prove the portal
refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .directory import member_id_for

if TYPE_CHECKING:
    from .emulator import TradingGridEmulator

DEFAULT_PASSWORD = "portal-demo-2026"  # the portal demo's password (PORTAL_DEMO_PASSWORD)
CODE_TTL = 60  # seconds an authorization code stays redeemable
TOKEN_TTL = 300  # seconds an ID / access token is valid
TAMPERINGS = frozenset({"foreign_key", "audience", "expired", "replay"})
SCOPES = ("openid", "profile", "email")


class OidcError(Exception):
    """An OAuth/OIDC error answer: `error` code, description, HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _new_key() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    kid = hashlib.sha256(jwk["n"].encode()).hexdigest()[:16]
    return key, kid


def pkce_s256(verifier: str) -> str:
    """RFC 7636's S256 code challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class AuthRequest:
    """A validated /authorize request waiting for the person to sign in (or a code)."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: str
    member_id: str = ""
    auth_time: int = 0
    expires: float = field(default_factory=lambda: time.time() + CODE_TTL)


class OidcProvider:
    """Keys, sign-in sessions, authorization codes and access tokens of one emulator."""

    def __init__(self, emulator: TradingGridEmulator, *, password: str = DEFAULT_PASSWORD,
                 redirect_uris: list[str] | None = None) -> None:
        """`redirect_uris`: allowed redirect URI prefixes; None allows any http(s) URI."""
        self.emulator = emulator
        self.password = password
        self.redirect_uris = redirect_uris
        self._signing_key: tuple[rsa.RSAPrivateKey, str] | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, AuthRequest] = {}
        self._codes: dict[str, AuthRequest] = {}
        self._access_tokens: dict[str, tuple[str, float]] = {}
        self._sessions: dict[str, str] = {}  # browser session id -> member id
        self._identities: dict[str, dict] = {}  # extra people, by lower-cased email
        self._tamper: list[str] = []
        self.issued: list[str] = []  # every ID token issued, oldest first

    # -- configuration -------------------------------------------------------------------

    @property
    def _key(self) -> rsa.RSAPrivateKey:
        """The signing key, made on first use (most emulator runs never sign anything)."""
        with self._lock:
            if self._signing_key is None:
                self._signing_key = _new_key()
            return self._signing_key[0]

    @property
    def kid(self) -> str:
        """The signing key's id, in the JWKS and every token header."""
        self._key  # noqa: B018 - makes the key
        return self._signing_key[1]

    @property
    def issuer(self) -> str:
        """The issuer: the emulator's root URL (discovery lives under it)."""
        return self.emulator.root_url

    def discovery(self) -> dict:
        """The /.well-known/openid-configuration document."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oidc/authorize",
            "token_endpoint": f"{base}/oidc/token",
            "userinfo_endpoint": f"{base}/oidc/userinfo",
            "jwks_uri": f"{base}/oidc/jwks",
            "end_session_endpoint": f"{base}/oidc/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "member_id", "email", "email_verified", "name",
                                 "given_name", "family_name", "company_id", "company_name",
                                 "communities", "nonce", "auth_time"],
        }

    def jwks(self) -> dict:
        """The public signing key as a JWK set."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    # -- people --------------------------------------------------------------------------

    def add_identity(self, *, email: str, given_name: str = "", family_name: str = "",
                     company_id: str = "", company_name: str = "") -> dict:
        """Register a Trading Grid account that need not be in any community."""
        person = {"id": member_id_for(email), "email": email.strip(), "givenName": given_name,
                  "familyName": family_name, "company": {"id": company_id,
                                                         "name": company_name}}
        with self._lock:
            self._identities[email.strip().lower()] = person
        return dict(person)

    def person(self, *, email: str | None = None, member_id: str | None = None) -> dict | None:
        """A person's claims, read from the directory now; None if nobody matches."""
        found, communities = None, []
        today = date.today().isoformat()
        snapshot = self.emulator.directory.snapshot()
        for community_id, members in sorted(snapshot["members"].items()):
            for member in members:
                if not _matches(member, email, member_id):
                    continue
                found = found or member
                if _current(member, today):
                    communities.append(community_id)
        if found is None:
            with self._lock:
                found = next((p for p in self._identities.values()
                              if _matches(p, email, member_id)), None)
        return _claims(found, communities) if found else None

    def check_password(self, email: str, password: str) -> dict | None:
        """The person's claims if `password` is right for `email`; None otherwise."""
        right = hmac.compare_digest(password.encode(), self.password.encode())
        person = self.person(email=email)
        return person if right and person else None

    # -- authorization -------------------------------------------------------------------

    def begin(self, params: dict[str, str]) -> tuple[str, AuthRequest]:
        """Validate /authorize parameters; (pending request id, request)."""
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if not hmac.compare_digest(client_id.encode(), self.emulator.client_id.encode()):
            raise OidcError("unauthorized_client", "unknown client_id")
        if not self._redirect_allowed(redirect_uri):
            raise OidcError("invalid_request", "redirect_uri is not registered")
        request = AuthRequest(client_id=client_id, redirect_uri=redirect_uri,
                              state=params.get("state", ""), nonce=params.get("nonce", ""),
                              code_challenge=params.get("code_challenge", ""),
                              scope=params.get("scope", ""))
        if params.get("response_type") != "code":
            raise OidcError("unsupported_response_type", "only response_type=code")
        if "openid" not in request.scope.split():
            raise OidcError("invalid_scope", "the openid scope is required")
        if not request.code_challenge or params.get("code_challenge_method") != "S256":
            raise OidcError("invalid_request", "PKCE with code_challenge_method=S256 is required")
        request_id = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[request_id] = request
        return request_id, request

    def pending(self, request_id: str) -> AuthRequest | None:
        """A pending request, if it is still there and fresh."""
        with self._lock:
            request = self._pending.get(request_id)
        return request if request and request.expires > time.time() else None

    def complete(self, request_id: str, member_id: str) -> tuple[AuthRequest, str]:
        """The person signed in: turn the pending request into a one-time code."""
        with self._lock:
            request = self._pending.pop(request_id, None)
        if request is None or request.expires < time.time():
            raise OidcError("invalid_request", "the sign-in request expired; start again")
        request.member_id, request.auth_time = member_id, int(time.time())
        request.expires = time.time() + CODE_TTL
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = request
        return request, code

    def start_session(self, member_id: str) -> str:
        """A browser session id for the provider's cookie."""
        session_id = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[session_id] = member_id
        return session_id

    def session_member(self, session_id: str | None) -> str | None:
        """The member signed in under a session cookie, if any."""
        with self._lock:
            return self._sessions.get(session_id or "")

    def end_session(self, session_id: str | None) -> None:
        """Forget a browser session (single logout)."""
        with self._lock:
            self._sessions.pop(session_id or "", None)

    # -- tokens --------------------------------------------------------------------------

    def exchange(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict:
        """The token endpoint: redeem a code (once) for an ID token and an access token."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if not (hmac.compare_digest(client_id.encode(), self.emulator.client_id.encode())
                & hmac.compare_digest(secret.encode(), self.emulator.client_secret.encode())):
            raise OidcError("invalid_client", "client authentication failed", 401)
        if form.get("grant_type") != "authorization_code":
            raise OidcError("unsupported_grant_type", "only authorization_code")
        with self._lock:
            request = self._codes.pop(form.get("code", ""), None)
        if request is None or request.expires < time.time():
            raise OidcError("invalid_grant", "the code is unknown, used or expired")
        if form.get("redirect_uri") != request.redirect_uri:
            raise OidcError("invalid_grant", "redirect_uri differs from the authorization's")
        verifier = form.get("code_verifier", "")
        if not verifier or not hmac.compare_digest(pkce_s256(verifier).encode(),
                                                   request.code_challenge.encode()):
            raise OidcError("invalid_grant", "PKCE verification failed")
        person = self.person(member_id=request.member_id)
        if person is None:
            raise OidcError("invalid_grant", "the person no longer has a Trading Grid account")
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[access_token] = (request.member_id, time.time() + TOKEN_TTL)
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_TTL,
                "scope": request.scope, "id_token": self._id_token(person, request)}

    def userinfo(self, access_token: str) -> dict:
        """The userinfo endpoint's claims for a bearer token."""
        with self._lock:
            member_id, expires = self._access_tokens.get(access_token, ("", 0.0))
        person = self.person(member_id=member_id) if expires > time.time() else None
        if person is None:
            raise OidcError("invalid_token", "the access token is unknown or expired", 401)
        return person

    def tamper_next(self, kind: str) -> None:
        """Make the next token response carry a bad ID token (one of TAMPERINGS)."""
        if kind not in TAMPERINGS:
            raise ValueError(f"tampering must be one of {sorted(TAMPERINGS)}")
        with self._lock:
            self._tamper.append(kind)

    def _id_token(self, person: dict, request: AuthRequest) -> str:
        with self._lock:
            tamper = self._tamper.pop(0) if self._tamper else None
        if tamper == "replay" and self.issued:
            return self.issued[-1]
        now = int(time.time())
        claims = {**person, "iss": self.issuer, "aud": request.client_id, "iat": now,
                  "exp": now + TOKEN_TTL, "auth_time": request.auth_time,
                  "nonce": request.nonce, "jti": secrets.token_urlsafe(16)}
        key = self._key
        if tamper == "audience":
            claims["aud"] = "another-client"
        elif tamper == "expired":
            claims.update(iat=now - 2 * TOKEN_TTL, exp=now - TOKEN_TTL)
        elif tamper == "foreign_key":
            key, _ = _new_key()
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        self.issued.append(token)
        return token

    def _redirect_allowed(self, uri: str) -> bool:
        if not uri.startswith(("http://", "https://")):
            return False
        return self.redirect_uris is None or any(uri.startswith(p) for p in self.redirect_uris)


def _matches(member: dict, email: str | None, member_id: str | None) -> bool:
    if email is not None:
        return member["email"].lower() == email.strip().lower()
    return member_id is not None and member["id"] == member_id


def _current(member: dict, today: str) -> bool:
    return (member.get("status", "active") == "active"
            and (not member.get("validFrom") or member["validFrom"] <= today)
            and (not member.get("validUntil") or member["validUntil"] >= today))


def _claims(person: dict, communities: list[str]) -> dict:
    name = " ".join(part for part in (person.get("givenName"), person.get("familyName"))
                    if part)
    return {
        "sub": person["id"], "member_id": person["id"], "email": person["email"],
        "email_verified": True, "name": name or person["email"],
        "given_name": person.get("givenName", ""), "family_name": person.get("familyName", ""),
        "company_id": person["company"]["id"], "company_name": person["company"]["name"],
        "communities": communities,
        "updated_at": int(datetime.now(UTC).timestamp()),
    }

