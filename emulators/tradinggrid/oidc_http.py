"""HTTP routes of the emulator's OpenID Connect provider (see `oidc.py` for the logic).

    GET  /.well-known/openid-configuration     discovery
    GET  /oidc/jwks                            the signing key
    GET  /oidc/authorize                       validate, then the sign-in page (or a code,
                                               when the browser is already signed in)
    POST /oidc/authorize                       email + password -> redirect with a code
    POST /oidc/token                           code + PKCE verifier -> tokens
    GET  /oidc/userinfo                        Bearer access token -> claims
    GET  /oidc/logout                          end the provider session (single logout)
    POST /_admin/oidc/tamper {kind}            the next ID token misbehaves (tests)
    POST /_admin/oidc/identities {email, ...}  a Trading Grid account in no community
"""

from __future__ import annotations

import base64
import binascii
import html
import json
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from .oidc import OidcError

if TYPE_CHECKING:
    from .oidc import OidcProvider
    from .server import TradingGridHandler

COOKIE = "tg_sso"
PATHS = ("/.well-known/openid-configuration", "/oidc/", "/_admin/oidc/")


def serves(path: str) -> bool:
    """Whether this module answers `path` (the server routes it here before Basic auth)."""
    return path.startswith(PATHS)


def serve(handler: TradingGridHandler, method: str, path: str, query: str) -> None:
    """Answer one request; every OidcError becomes the protocol's error answer."""
    provider: OidcProvider = handler.emulator.oidc
    params = {key: values[-1] for key, values in parse_qs(query).items()}
    try:
        _route(handler, provider, method, path.rstrip("/") or path, params)
    except OidcError as exc:
        if path.startswith("/oidc/authorize"):
            message = html.escape(exc.description)
            _page(handler, exc.status, "Sign-in request refused", f"<p>{message}</p>")
        else:
            _json(handler, exc.status, {"error": exc.error, "error_description":
                                        exc.description})


def _route(handler, provider, method, path, params) -> None:
    if path == "/.well-known/openid-configuration" and method == "GET":
        return _json(handler, 200, provider.discovery())
    if path == "/oidc/jwks" and method == "GET":
        return _json(handler, 200, provider.jwks())
    if path == "/oidc/authorize":
        return _authorize(handler, provider, method, params)
    if path == "/oidc/token" and method == "POST":
        return _json(handler, 200, provider.exchange(_form(handler), _basic(handler)),
                     {"Cache-Control": "no-store"})
    if path == "/oidc/userinfo" and method in ("GET", "POST"):
        scheme, _, token = handler.headers.get("Authorization", "").partition(" ")
        return _json(handler, 200, provider.userinfo(token if scheme == "Bearer" else ""))
    if path == "/oidc/logout" and method == "GET":
        return _logout(handler, provider, params)
    if path.startswith("/_admin/oidc/") and method == "POST":
        return _admin(handler, provider, path, json.loads(_raw(handler) or b"{}"))
    raise OidcError("not_found", f"no route for {method} {path}", 404)


# -- the browser side ------------------------------------------------------------------------


def _authorize(handler, provider: OidcProvider, method: str, params: dict) -> None:
    if method == "GET":
        request_id, request = provider.begin(params)
        member_id = provider.session_member(_cookie(handler))
        if member_id and params.get("prompt") != "login":
            _, code = provider.complete(request_id, member_id)
            return _redirect(handler, _with_query(request.redirect_uri,
                                                  code=code, state=request.state))
        return _login_page(handler, request_id)
    form = _form(handler)
    request = provider.pending(form.get("request_id", ""))
    if request is None:
        raise OidcError("invalid_request", "This sign-in request expired. Go back to the "
                        "portal and start again.")
    person = provider.check_password(form.get("email", ""), form.get("password", ""))
    if person is None:
        return _login_page(handler, form["request_id"], form.get("email", ""),
                           "Unknown email address or wrong password.", status=401)
    _, code = provider.complete(form["request_id"], person["sub"])
    session_id = provider.start_session(person["sub"])
    _redirect(handler, _with_query(request.redirect_uri, code=code, state=request.state),
              {"Set-Cookie": f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax"})


def _logout(handler, provider: OidcProvider, params: dict) -> None:
    provider.end_session(_cookie(handler))
    expire = {"Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"}
    target = params.get("post_logout_redirect_uri", "")
    if target and params.get("client_id") == provider.emulator.client_id \
            and provider._redirect_allowed(target):
        return _redirect(handler, _with_query(target, state=params.get("state")), expire)
    _page(handler, 200, "Signed out of Trading Grid",
          "<p>You are signed out of Trading Grid. You can close this window.</p>", expire)


def _login_page(handler, request_id: str, email: str = "", error: str = "",
                status: int = 200) -> None:
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""{alert}
<form method="post" action="/oidc/authorize">
  <input type="hidden" name="request_id" value="{html.escape(request_id)}">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" autocomplete="username" required
         value="{html.escape(email)}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password"
         required>
  <button type="submit">Sign in</button>
</form>
<p class="hint">Trading Grid emulator: every directory person signs in with the demo
password.</p>"""
    _page(handler, status, "Sign in to OpenText Trading Grid", body)


STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1d2733}
header{background:#0b3a66;color:#fff;padding:.8rem 1.2rem;font-weight:600}
main{max-width:24rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;
box-shadow:0 1px 4px #0002}h1{font-size:1.3rem;margin-top:0}label{display:block;
margin-top:.8rem;font-weight:600}input{width:100%;box-sizing:border-box;padding:.5rem;
font-size:1rem;border:1px solid #8a96a3;border-radius:4px}button{margin-top:1.2rem;
width:100%;padding:.6rem;font-size:1rem;background:#0b3a66;color:#fff;border:0;
border-radius:4px;cursor:pointer}.error{color:#a4000f;font-weight:600}.hint{color:#55606c;
font-size:.85rem}"""


def _page(handler, status: int, title: str, body: str, headers: dict | None = None) -> None:
    document = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{STYLE}</style></head>
<body><header>OpenText Trading Grid</header><main><h1>{html.escape(title)}</h1>
{body}</main></body></html>"""
    _send(handler, status, document.encode(), "text/html; charset=utf-8", headers or {})


# -- tests' hooks ----------------------------------------------------------------------------


def _admin(handler, provider: OidcProvider, path: str, body: dict) -> None:
    if not handler._authorised():
        raise OidcError("unauthorized", "missing or invalid client credentials", 401)
    try:
        if path == "/_admin/oidc/tamper":
            provider.tamper_next(str(body.get("kind")))
            return _json(handler, 200, {"tamper": body.get("kind")})
        if path == "/_admin/oidc/identities":
            return _json(handler, 200, provider.add_identity(**body))
    except (TypeError, ValueError) as exc:
        raise OidcError("invalid_request", str(exc))
    raise OidcError("not_found", f"no route for POST {path}", 404)


# -- plumbing --------------------------------------------------------------------------------


def _raw(handler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _form(handler) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(_raw(handler).decode()).items()}


def _basic(handler) -> tuple[str, str] | None:
    scheme, _, encoded = handler.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OidcError("invalid_client", "malformed Basic credentials", 401)
    return client_id, secret


def _cookie(handler) -> str | None:
    cookie = SimpleCookie(handler.headers.get("Cookie", ""))
    return cookie[COOKIE].value if COOKIE in cookie else None


def _with_query(url: str, **params: str | None) -> str:
    extra = urlencode({k: v for k, v in params.items() if v})
    if not extra:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{extra}"


def _redirect(handler, location: str, headers: dict | None = None) -> None:
    _send(handler, 302, b"", "text/plain", {"Location": location, **(headers or {})})


def _json(handler, status: int, payload, headers: dict | None = None) -> None:
    _send(handler, status, json.dumps(payload).encode(), "application/json", headers or {})


def _send(handler, status: int, body: bytes, content_type: str, headers: dict) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
