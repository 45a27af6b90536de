"""The `SOCIALACCOUNT_PROVIDERS` entry for "Sign in with Trading Grid" (no Django imports).

Settings and tests build it from TRADING_GRID_OIDC_* values; without all three there is no
app, so allauth lists no provider and the login page shows no button.
"""

PROVIDER_ID = "tradinggrid"


def trading_grid_providers(server_url: str, client_id: str, secret: str) -> dict:
    """allauth's openid_connect provider, with our stricter subclass and PKCE."""
    apps = []
    if server_url and client_id and secret:
        apps.append({
            "provider_id": PROVIDER_ID,
            "name": "Trading Grid",
            "client_id": client_id,
            "secret": secret,
            # The ID token (signature checked) is the only source of claims; no userinfo.
            "settings": {"server_url": server_url.rstrip("/"), "fetch_userinfo": False,
                         "oauth_pkce_enabled": True},
        })
    return {"openid_connect": {
        "provider_class": "accounts.sso_provider.TradingGridProvider",
        "APPS": apps,
    }}
