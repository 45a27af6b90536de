"""Reactions of the cases app to other apps' signals."""

import logging

logger = logging.getLogger(__name__)


def on_asset_version_released(sender, *, asset, version, **kwargs) -> None:
    """Partners now get a new approved version of `asset`: tell its open cases (as a task,
    so the delivery worker stays quick and a failure here never breaks it)."""
    from cases.tasks import note_new_version

    try:
        note_new_version.delay(asset.pk, version.pk)
    except Exception:
        logger.exception("Could not queue the new-version note for asset %s", asset.pk)
