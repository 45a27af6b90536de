"""A local stand-in for OpenText Trading Grid's Active Community directory.

Plain stdlib HTTP server, no Django. The contract it serves is docs/trading-grid.md.
Run it with `python -m emulators.tradinggrid --help`, or in process:

    from emulators.tradinggrid import TradingGridEmulator
    with TradingGridEmulator(seed="demo") as emu:
        ...  # emu.url, emu.trading_grid_url, emu.add_member(...), emu.wait_for_deliveries()
"""

from .directory import DirectoryError
from .emulator import TradingGridEmulator
from .recorder import RecordedRequest, WebhookRecorder
from .webhooks import WebhookAttempt, sign

__all__ = [
    "DirectoryError",
    "RecordedRequest",
    "TradingGridEmulator",
    "WebhookAttempt",
    "WebhookRecorder",
    "sign",
]
