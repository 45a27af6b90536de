"""Delivery protection of the Cloudinary emulator: token-based access and ``access_control``.

Two halves, both plain Python:

* **Tokens** as the SDK's ``cloudinary.auth_token.generate`` makes them:
  ``__cld_token__=[ip=<ip>~][st=<start>~]exp=<end>~(acl=<acl>|)hmac=<hex>``, where ``hmac``
  is HMAC-SHA256 (key: the account's hex auth-token key) over the other fields joined by
  ``~`` -- plus ``~url=<escaped path>`` when the token is bound to one URL instead of an ACL.
  ACL patterns (``!``-separated, ``*`` = any characters) and the URL are escaped with the
  SDK's lower-case percent escape. A token arrives in the query string or in the
  ``__cld_token__`` cookie; :class:`TokenVerifier` checks it against the request path.
* **access_control** (upload, explicit, Admin API update): ``[{"access_type": "token"}]``
  and/or ``[{"access_type": "anonymous", "start": ISO, "end": ISO}]``; several entries are
  alternatives. :func:`parse_access_control` validates the parameter, :func:`access_mode`
  derives the reported ``access_mode`` and :func:`anonymous_now` says whether an anonymous
  window is open.

:class:`DeliveryGate` combines them for one CDN request; ``delivery.Delivery.serve`` calls
it. What is checked, and the statuses chosen, are documented in ``ACCESS.md``.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import unquote

from .errors import bad_request
from .timefmt import iso, parse_iso

TOKEN_NAME = "__cld_token__"
ACL_FAILURE = "deny or ACL failure"  # Cloudinary's X-Cld-Error for token/ACL refusals
_TOKEN_UNSAFE = re.compile(rb"""([ "#%&'/:;<=>?@\[\\\]^`{|}~]+)""")
ACCESS_TYPES = ("token", "anonymous")


class AccessDenied(Exception):
    """A CDN request refused for access reasons: HTTP ``status`` and the X-Cld-Error text."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------- tokens


def escape_to_lower(text: str) -> str:
    """The SDK's ``auth_token._escape_to_lower``: percent-escape, hex digits in lower case."""
    escaped = _TOKEN_UNSAFE.sub(lambda m: "".join(f"%{b:02x}" for b in m.group(1)).encode(),
                                text.encode())
    return escaped.decode()


def token_from_request(raw_query: str, cookie_header: str | None) -> str | None:
    """The raw ``__cld_token__`` value from the query string (first) or the Cookie header.

    The raw, still escaped text is what the HMAC covers, so it is not decoded here.
    """
    for pair in (raw_query or "").split("&"):
        name, _, value = pair.partition("=")
        if name == TOKEN_NAME and value:
            return value
    for crumb in (cookie_header or "").split(";"):
        name, _, value = crumb.strip().partition("=")
        if name == TOKEN_NAME and value:
            return value.strip('"')
    return None


@dataclass(frozen=True)
class Token:
    """The fields of one token, as sent (``acl`` and ``url`` still escaped)."""

    fields: tuple[tuple[str, str], ...]  # every name=value but hmac, in the order sent
    hmac: str

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


def parse_token(raw: str) -> Token | None:
    """Split ``ip=..~st=..~exp=..~acl=..~hmac=..``; None when it is not token-shaped."""
    fields, digest = [], None
    # the SDK writes escapes in lower case; HTTP clients (requests) may upper-case them
    raw = re.sub(r"%[0-9A-Fa-f]{2}", lambda m: m.group(0).lower(), raw)
    for part in raw.split("~"):
        name, eq, value = part.partition("=")
        if not eq:
            return None
        if name == "hmac":
            digest = value
        else:
            fields.append((name, value))
    if not digest:
        return None
    return Token(tuple(fields), digest)


def acl_matches(escaped_acl: str, path: str) -> bool:
    """Whether `path` falls inside one of the ``!``-separated ACL patterns (``*`` wildcards)."""
    for pattern in escaped_acl.split("!"):
        plain = unquote(pattern)
        regex = ".*".join(re.escape(piece) for piece in plain.split("*"))
        if re.fullmatch(regex, path) or re.fullmatch(regex, unquote(path)):
            return True
    return False


class TokenVerifier:
    """Checks ``__cld_token__`` values made with one account's hex auth-token key."""

    def __init__(self, key_hex: str):
        try:
            self.key = binascii.a2b_hex(key_hex)
        except (binascii.Error, ValueError):
            raise ValueError("the auth-token key must be hexadecimal") from None
        if not self.key:
            raise ValueError("the auth-token key is empty")

    def _digest(self, message: str) -> str:
        return hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()

    def refusal(self, raw: str | None, paths: list[str], client_ip: str | None,
                now: float | None = None) -> str | None:
        """None when `raw` grants one of `paths` (the request path as sent, and as a private
        CDN sees it), else the reason the token is refused."""
        token = parse_token(raw) if raw else None
        if token is None:
            return "missing or malformed token"
        signed = "~".join(f"{k}={v}" for k, v in token.fields)
        if token.get("acl") is not None:
            if not hmac.compare_digest(self._digest(signed), token.hmac):
                return "token signature mismatch"
            if not any(acl_matches(token.get("acl"), path) for path in paths):
                return "path outside the token's ACL"
        elif not any(hmac.compare_digest(
                self._digest(f"{signed}~url={escape_to_lower(path)}"), token.hmac)
                for path in paths):
            return "token signature mismatch (or another URL)"
        return self._time_or_ip_refusal(token, client_ip, time.time() if now is None else now)

    @staticmethod
    def _time_or_ip_refusal(token: Token, client_ip: str | None, now: float) -> str | None:
        try:
            expires = int(token.get("exp") or "")
            start = int(token.get("st") or 0)
        except ValueError:
            return "malformed token times"
        if now >= expires:
            return "token expired"
        if start > now:
            return "token not yet valid"
        ip = token.get("ip")
        if ip is not None and ip != client_ip:
            return "token bound to another IP address"
        return None


# ---------------------------------------------------------------------- access_control


def parse_access_control(value) -> list[dict] | None:
    """The validated ``access_control`` parameter (a JSON string, a list or one dict).

    None: the parameter was not sent. ``[]``: sent empty (clears the restriction).
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return []
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(f"Invalid access_control {value[:60]}") from None
    entries = [value] if isinstance(value, dict) else value
    if not isinstance(entries, list):
        raise bad_request("Invalid access_control: expected a list of rules")
    return [_access_rule(entry) for entry in entries]


def _access_rule(entry) -> dict:
    if not isinstance(entry, dict) or entry.get("access_type") not in ACCESS_TYPES:
        raise bad_request(f"Invalid access_control rule {json.dumps(entry)[:80]}: "
                          f"access_type must be one of {', '.join(ACCESS_TYPES)}")
    rule = {"access_type": entry["access_type"]}
    if rule["access_type"] == "anonymous":
        for bound in ("start", "end"):
            if entry.get(bound):
                ts = parse_iso(str(entry[bound]))
                if ts is None:
                    raise bad_request(f"Invalid access_control {bound} {entry[bound]}")
                rule[bound] = iso(ts)
        if "start" in rule and "end" in rule and rule["end"] <= rule["start"]:
            raise bad_request("Invalid access_control: end must be after start")
    return rule


def anonymous_now(rules: list[dict], now: float | None = None) -> bool:
    """Whether an anonymous rule's window (open-ended when a bound is missing) is open."""
    now = time.time() if now is None else now
    for rule in rules:
        if rule["access_type"] != "anonymous":
            continue
        start = parse_iso(rule["start"]) if rule.get("start") else None
        end = parse_iso(rule["end"]) if rule.get("end") else None
        if (start is None or start <= now) and (end is None or now < end):
            return True
    return False


def access_mode(rules: list[dict] | None) -> str:
    """``public`` unless access_control restricts the asset (then ``authenticated``)."""
    if not rules:
        return "public"
    unbounded = any(r["access_type"] == "anonymous" and not r.get("start") and not r.get("end")
                    for r in rules)
    return "public" if unbounded else "authenticated"


def store_access_control(res, rules: list[dict] | None) -> bool:
    """Give `res` the parsed `rules` (None: leave as is); True when they changed."""
    if rules is None:
        return False
    before = res.access_control
    res.access_control = rules or None
    res.access_mode = access_mode(rules)
    return before != res.access_control


# ---------------------------------------------------------------------- the gate


class DeliveryGate:
    """Decides whether one CDN request may be served, beyond the ``s--SIG--`` check."""

    def __init__(self, cloud_name: str, auth_token_key: str | None = None):
        self.cloud_name = cloud_name
        self.verifier = TokenVerifier(auth_token_key) if auth_token_key else None

    def _paths(self, raw_path: str) -> list[str]:
        """The path as sent and as a private CDN / CNAME sees it (no ``/<cloud>`` prefix)."""
        prefix = f"/{self.cloud_name}/"
        if raw_path.startswith(prefix):
            return [raw_path, raw_path[len(prefix) - 1:]]
        return [raw_path]

    def token_refusal(self, raw_token, raw_path, client_ip) -> str | None:
        """None when token auth is on and the token grants this path; else why not."""
        if self.verifier is None:
            return "token-based access is not enabled"
        return self.verifier.refusal(raw_token, self._paths(raw_path), client_ip)

    def before_lookup(self, delivery_type: str, signed: bool, request) -> None:
        """``authenticated`` needs a valid signature or (token auth on) a valid token."""
        if delivery_type != "authenticated" or signed:
            return
        if self.verifier is None or request.token is None:
            raise AccessDenied(403, "Missing signature")
        reason = self.token_refusal(request.token, request.path, request.client_ip)
        if reason:
            raise AccessDenied(401, ACL_FAILURE)

    def after_lookup(self, resource, derived: bool, signed: bool, request) -> None:
        """``private`` originals need a signature; restricted ``upload`` assets a token."""
        if resource.type == "private" and not signed and not derived:
            raise AccessDenied(403, "Missing signature")
        rules = getattr(resource, "access_control", None)
        if resource.type != "upload" or not rules or anonymous_now(rules):
            return
        if not any(rule["access_type"] == "token" for rule in rules):
            raise AccessDenied(401, ACL_FAILURE)
        if self.token_refusal(request.token, request.path, request.client_ip):
            raise AccessDenied(401, ACL_FAILURE)


@dataclass(frozen=True)
class DeliveryRequest:
    """What the gate needs of an HTTP request: raw path, raw token, client address."""

    path: str
    token: str | None = None
    client_ip: str | None = None
    accept: str | None = None  # the Accept header (f_auto, see transform.output_format)

    @classmethod
    def from_http(cls, path: str, raw_query: str = "", cookie: str | None = None,
                  client_ip: str | None = None, accept: str | None = None) -> DeliveryRequest:
        return cls(path, token_from_request(raw_query, cookie), client_ip, accept)
