"""Command line: ``python -m emulators.cloudinary --port 8701 --seed demo --state .state/cld``."""

from __future__ import annotations

import argparse
import logging
import sys

from .emulator import CloudinaryEmulator
from .faults import Faults


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The CLI options (see ``--help``)."""
    parser = argparse.ArgumentParser(prog="python -m emulators.cloudinary",
                                     description="A local Cloudinary emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--cloud", default="demo")
    parser.add_argument("--key", default="demo_key")
    parser.add_argument("--secret", default="demo_secret")
    parser.add_argument("--seed", choices=("demo", "empty"), default="demo")
    parser.add_argument("--seed-count", type=int, default=0,
                        help="also create this many synthetic bulk assets")
    parser.add_argument("--state", metavar="DIR", help="persist the cloud in DIR")
    parser.add_argument("--notification-url", help="cloud-wide webhook URL")
    parser.add_argument("--rate-limit", type=int, default=0,
                        help="Admin+Search calls per hour (0 = off)")
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--fail-codes", default="500,502,503")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--auth-token-key", metavar="HEX",
                        help="enable token-based access (__cld_token__) with this hex key")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    faults = Faults(fail_rate=args.fail_rate, latency_ms=args.latency_ms,
                    drop_rate=args.drop_rate,
                    fail_codes=tuple(int(c) for c in args.fail_codes.split(",") if c))
    emu = CloudinaryEmulator(cloud=args.cloud, api_key=args.key, api_secret=args.secret,
                             seed=args.seed, rate_limit=args.rate_limit or None,
                             notification_url=args.notification_url, state_dir=args.state,
                             host=args.host, port=args.port, faults=faults,
                             seed_count=args.seed_count or None,
                             auth_token_key=args.auth_token_key or None)
    emu.start()
    print(f"Cloudinary emulator: {len(emu.store)} assets at {emu.url}", flush=True)
    print(f"CLOUDINARY_URL={emu.cloudinary_url}", flush=True)
    emu.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
