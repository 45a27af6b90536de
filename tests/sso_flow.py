"""The browser's part of a Trading Grid sign-in, over real HTTP (no Django needed).

`sign_in_at_provider()` follows the portal's redirect to the emulator's /authorize page,
submits its sign-in form and returns where the provider sends the browser back to.
"""

from __future__ import annotations

import re

import requests

REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')


def sign_in_at_provider(authorize_url: str, email: str, password: str,
                        session: requests.Session | None = None) -> requests.Response:
    """GET the authorize URL, POST the sign-in form; the provider's answer (not followed)."""
    session = session or requests.Session()
    page = session.get(authorize_url, allow_redirects=False, timeout=10)
    if page.status_code == 302:  # already signed in at the provider
        return page
    assert page.status_code == 200, page.text
    request_id = REQUEST_ID.search(page.text).group(1)
    root = authorize_url.split("/oidc/", 1)[0]
    return session.post(f"{root}/oidc/authorize", allow_redirects=False, timeout=10,
                        data={"request_id": request_id, "email": email,
                              "password": password})
