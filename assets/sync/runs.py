"""Full and delta syncs: page through the Search API, upsert, checkpoint, retire.

One service serves the management command, the Celery tasks and the schedule. Each page is
upserted and its cursor checkpointed in the same transaction, so a run killed at any point
resumes (same SyncRun) at the first page it had not committed. A full run records, with
each page, the primary keys of the assets the page holds (`SyncRunPage`): when the run ends
it retires the live assets no page of it held. At most one sync runs at a
time (a partial unique index on SyncRun.state): a second start raises SyncAlreadyRunning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from assets.cloudinary import client
from assets.models import Asset, SyncRun, SyncRunPage
from assets.sync import relations
from assets.sync.mirror import ACTOR, Counts, upsert_resources
from assets.taxonomy import TermCache
from audit import record, record_many

log = logging.getLogger(__name__)
FULL_SORT = ("created_at", "asc")
DELTA_SORT = ("updated_at", "asc")
LAST_PAGE_DONE = "-"  # cursor checkpoint once the last page is in


class SyncAlreadyRunning(Exception):
    """Another sync holds the lock (its heartbeat is recent)."""


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def claim(kind: str) -> SyncRun:
    """Start a run, resuming a recent unfinished full run; refuses if one is running."""
    now = timezone.now()
    stale = now - timedelta(seconds=_setting("ASSET_SYNC_STALE_AFTER", 600))
    # A worker killed without a chance to say so leaves a "running" row with an old heartbeat.
    SyncRun.objects.filter(state=SyncRun.State.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    ).update(state=SyncRun.State.INTERRUPTED, error="worker stopped without finishing")
    try:
        with transaction.atomic():
            if kind == SyncRun.Kind.FULL:
                resumable = _resumable(now)
                if resumable is not None:
                    return resumable
            return SyncRun.objects.create(kind=kind, heartbeat_at=now)
    except IntegrityError:
        running = SyncRun.objects.filter(state=SyncRun.State.RUNNING).first()
        raise SyncAlreadyRunning(f"{running} is in progress") from None


def _resumable(now) -> SyncRun | None:
    window = now - timedelta(seconds=_setting("ASSET_SYNC_RESUME_WITHIN", 86400))
    run = SyncRun.objects.filter(
        kind=SyncRun.Kind.FULL,
        state__in=[SyncRun.State.FAILED, SyncRun.State.INTERRUPTED],
        started_at__gte=window,
    ).order_by("-started_at").first()
    newer_success = run and SyncRun.objects.filter(
        kind=SyncRun.Kind.FULL, state=SyncRun.State.SUCCEEDED, started_at__gt=run.started_at
    ).exists()
    if run is None or newer_success:
        return None
    SyncRun.objects.filter(pk=run.pk).update(
        state=SyncRun.State.RUNNING, attempts=F("attempts") + 1, error="", heartbeat_at=now,
        finished_at=None)
    run.refresh_from_db()
    return run


def sync_full(*, progress: Callable[[SyncRun], None] | None = None,
              page_size: int = client.PAGE_SIZE) -> SyncRun:
    """Mirror every asset of the cloud and retire the ones that are gone."""
    run = claim(SyncRun.Kind.FULL)
    return _execute(run, "", FULL_SORT, progress, page_size)


def sync_delta(*, progress: Callable[[SyncRun], None] | None = None,
               page_size: int = client.PAGE_SIZE) -> SyncRun:
    """Mirror the assets updated since the last watermark (with a safety overlap)."""
    run = claim(SyncRun.Kind.DELTA)
    previous = last_watermark()
    expression = ""
    if previous is not None:
        since = previous - timedelta(seconds=_setting("ASSET_SYNC_DELTA_OVERLAP", 120))
        expression = f'updated_at>"{since.strftime("%Y-%m-%dT%H:%M:%SZ")}"'
    run.watermark = previous
    return _execute(run, expression, DELTA_SORT, progress, page_size)


def last_watermark():
    """Where the next delta starts: the newest watermark of a successful run."""
    run = SyncRun.objects.filter(state=SyncRun.State.SUCCEEDED, watermark__isnull=False
                                 ).order_by("-watermark").first()
    return run.watermark if run else None


def _execute(run: SyncRun, expression, sort_by, progress, page_size) -> SyncRun:
    # API calls made by earlier attempts of this run, and the process counter now.
    run.calls_base, run.calls_mark = run.api_calls, client.budget.calls
    try:
        _pages(run, expression, sort_by, progress, page_size)
        _finish(run)
    except BaseException as exc:
        _fail(run, exc)
        raise
    return run


def _pages(run, expression, sort_by, progress, page_size) -> None:
    cache = TermCache()
    if run.cursor == LAST_PAGE_DONE:
        return  # only the finish (retirement) failed last time
    cursor = run.cursor or None
    if run.kind == SyncRun.Kind.FULL and run.watermark is None:
        run.watermark = run.started_at  # the next delta picks up what changed meanwhile
    fetch = partial(client.search_page, expression=expression, sort_by=sort_by,
                    max_results=page_size)
    # The next page is fetched while this one is written: Cloudinary's answer and the
    # database's work overlap instead of adding up. One page ahead at most, so memory stays
    # flat; the cursor checkpoint still names the last page committed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-fetch") as ahead:
        pending = ahead.submit(fetch, cursor=cursor)
        while True:
            try:
                page = pending.result()
            except client.CloudinaryRejected:
                if not cursor or cursor != run.cursor:
                    raise
                # A checkpointed cursor can expire; the same run restarts from the
                # beginning, and pages already mirrored come back unchanged.
                log.warning("resumed cursor refused; %s restarts from the first page", run)
                cursor = None
                pending = ahead.submit(fetch, cursor=None)
                continue
            if page.next_cursor:
                pending = ahead.submit(fetch, cursor=page.next_cursor)
            _commit_page(run, page, cache)
            if progress:
                progress(run)
            if not page.next_cursor:
                return
            cursor = page.next_cursor


def _commit_page(run: SyncRun, page, cache: TermCache) -> None:
    for attempt in range(3):
        try:
            with transaction.atomic():
                counts = upsert_resources(page.resources, cache=cache)
                _checkpoint(run, page, counts)
            _refresh_relations(counts.changed_ids)
            return
        except IntegrityError:
            # A webhook created one of these assets between our read and our write.
            if attempt == 2:
                raise
            run.refresh_from_db()


def _refresh_relations(asset_ids: list[str]) -> None:
    """Masters of the page's new and changed localized assets (after its transaction)."""
    try:
        relations.refresh_relations(asset_ids)
    except client.CloudinaryError as exc:
        # the page is mirrored; `sync_assets --relations` and the next change repair this
        log.warning("relations of %d assets not read: %s", len(asset_ids), exc)


def _checkpoint(run: SyncRun, page, counts: Counts) -> None:
    run.cursor = page.next_cursor or LAST_PAGE_DONE
    run.pages += 1
    run.seen += len(page.resources)
    run.created += counts.created
    run.updated += counts.updated
    run.unchanged += counts.unchanged + counts.stale
    run.total = page.total_count if run.kind == SyncRun.Kind.FULL else (
        max(run.total or 0, page.total_count or 0))
    run.api_calls = run.calls_base + client.budget.calls - run.calls_mark
    if run.kind == SyncRun.Kind.DELTA:
        newest = max((r.get("updated_at") or (r.get("last_updated") or {}).get("updated_at")
                      for r in page.resources), default=None, key=lambda v: v or "")
        parsed = client.parse_time(newest)
        if parsed and (run.watermark is None or parsed > run.watermark):
            run.watermark = parsed
    run.heartbeat_at = timezone.now()
    run.save()
    if run.kind == SyncRun.Kind.FULL:
        SyncRunPage.objects.create(run=run, number=run.pages, asset_pks=counts.seen_pks)


def _finish(run: SyncRun) -> None:
    with transaction.atomic():
        if run.kind == SyncRun.Kind.FULL:
            run.retired = retire_absent(run)
        if run.kind == SyncRun.Kind.DELTA and run.watermark is None:
            run.watermark = run.started_at - timedelta(seconds=1)
        run.state = SyncRun.State.SUCCEEDED
        run.cursor = ""
        run.finished_at = run.heartbeat_at = timezone.now()
        run.save()
        # what the run saw matters only until it has retired the rest (older unfinished
        # runs can no longer resume once a newer one succeeded)
        SyncRunPage.objects.filter(run__started_at__lte=run.started_at).exclude(
            run__state=SyncRun.State.RUNNING).delete()
        record("sync.completed", actor=ACTOR, target=run, payload={
            "kind": run.kind, "seen": run.seen, "created": run.created,
            "updated": run.updated, "unchanged": run.unchanged, "retired": run.retired,
            "api_calls": run.api_calls, "attempts": run.attempts})


def retire_absent(run: SyncRun) -> int:
    """Retire live assets this full run did not see (never delete: cases refer to them).

    Seen: held by a page the run committed (`SyncRunPage`), or written since the run
    started (a webhook's upsert during the run).
    """
    now, count, after = timezone.now(), 0, 0
    while batch := _absent(run, after):
        after = batch[-1].pk
        Asset.objects.filter(pk__in=[a.pk for a in batch]).update(retired=True, retired_at=now)
        record_many({"action": "asset.retired", "actor": ACTOR, "target": asset,
                     "asset_version": asset.version,
                     "payload": {"reason": "no longer in Cloudinary", "sync_run": run.pk}}
                    for asset in batch)
        count += len(batch)
    return count


def _absent(run: SyncRun, after: int, size: int = 500) -> list[Asset]:
    """The next `size` live assets (by pk, after `after`) that no page of `run` held."""
    table, pages = Asset._meta.db_table, SyncRunPage._meta.db_table
    if connection.vendor == "postgresql":
        # an anti-join against the pages' unnested ids (NOT IN would need them all in memory)
        unseen = (f"NOT EXISTS (SELECT 1 FROM {pages} p CROSS JOIN LATERAL "  # noqa: S608
                  "jsonb_array_elements(p.asset_pks) seen(pk) WHERE p.run_id = %s "
                  f"AND (seen.pk)::bigint = {table}.id)")
    else:
        # SQLite evaluates an uncorrelated IN list once, into a temporary index
        unseen = (f"{table}.id NOT IN (SELECT seen.value FROM {pages} p, "  # noqa: S608
                  "json_each(p.asset_pks) seen WHERE p.run_id = %s)")
    return list(Asset.objects.live().filter(
        Q(synced_at__isnull=True) | Q(synced_at__lt=run.started_at),
        RawSQL(unseen, [run.pk], output_field=BooleanField()),  # noqa: S611 (model table names)
        pk__gt=after).order_by("pk")[:size])


def _fail(run: SyncRun, exc: BaseException) -> None:
    interrupted = isinstance(exc, (KeyboardInterrupt, SystemExit))
    state = SyncRun.State.INTERRUPTED if interrupted else SyncRun.State.FAILED
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    log.error("%s stopped: %s", run, reason)
    SyncRun.objects.filter(pk=run.pk, state=SyncRun.State.RUNNING).update(
        state=state, error=reason, finished_at=timezone.now(),
        api_calls=run.calls_base + client.budget.calls - run.calls_mark,
        errors=[*run.errors[-9:], reason])
    run.refresh_from_db()
