"""Command line: `python -m emulators.tradinggrid --port 8702 --webhook-url URL ...`."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from .emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_WEBHOOK_SECRET,
    TradingGridEmulator,
)
from .oidc import DEFAULT_PASSWORD


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m emulators.tradinggrid",
        description="Trading Grid (Active Community) emulator; see docs/trading-grid.md.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702, help="0 picks a free port")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--webhook-url", default=None, help="where events are POSTed")
    parser.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET)
    parser.add_argument("--seed", choices=["demo", "empty"], default="demo")
    parser.add_argument("--state", metavar="DIR", default=None,
                        help="keep the directory in DIR/directory.json across restarts")
    parser.add_argument("--fail-rate", type=float, default=0.0,
                        help="probability (0-1) that an API request answers 503")
    parser.add_argument("--sso-password", default=DEFAULT_PASSWORD,
                        help="password of every directory person at the OIDC sign-in page")
    parser.add_argument("--sso-redirect-uri", action="append", default=None, metavar="PREFIX",
                        help="allowed OIDC redirect URI prefix (repeatable; default: any)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    emulator = TradingGridEmulator(
        seed=args.seed, host=args.host, port=args.port, client_id=args.client_id,
        client_secret=args.client_secret, webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret, state_dir=args.state, fail_rate=args.fail_rate,
        sso_password=args.sso_password, sso_redirect_uris=args.sso_redirect_uri,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    with emulator:
        print(f"Trading Grid emulator listening on {emulator.url}", flush=True)
        print(f"TRADING_GRID_URL={emulator.trading_grid_url}", flush=True)
        print(f"webhooks -> {args.webhook_url or '(none)'}", flush=True)
        print(f"OpenID Connect issuer {emulator.oidc.issuer}", flush=True)
        stopped.wait()


if __name__ == "__main__":
    main()
