"""Images an email shows inline (CID parts), fetched when the email is sent.

A notice names its images by *source* strings (`"<prefix>:<rest>"`); the app that wrote the
notice registers a fetcher for its prefix (compliance: version previews). The notification
centre thus never knows what an asset is. A fetch that fails leaves the image out: the email
still goes, with its facts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Fetcher = Callable[[str], "tuple[bytes, str] | None"]  # rest -> (bytes, "image/jpeg")
_FETCHERS: dict[str, Fetcher] = {}


def register_source(prefix: str, fetcher: Fetcher) -> None:
    _FETCHERS[prefix] = fetcher


def fetch(source: str) -> tuple[bytes, str] | None:
    prefix, _, rest = source.partition(":")
    fetcher = _FETCHERS.get(prefix)
    if fetcher is None:
        return None
    try:
        return fetcher(rest)
    except Exception:  # an image must never stop an email
        logger.warning("inline image %s not fetched", source, exc_info=True)
        return None
