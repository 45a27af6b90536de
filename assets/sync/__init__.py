"""The catalog mirror: full and delta syncs, bulk upserts, webhook notifications.

- runs.py: `sync_full`, `sync_delta` (SyncRun bookkeeping, resume, retirement)
- mirror.py: `upsert_resources` (mapping, fingerprints, versions, audit)
- notifications.py: `notification_apply` (stored webhook deliveries)
"""

from assets.sync.runs import SyncAlreadyRunning, sync_delta, sync_full  # noqa: F401
