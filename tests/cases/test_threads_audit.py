"""The compliance export of an asset shows the partner discussion in its chain:
approval -> share -> thread -> case -> resolution -> post back; and the chain verifies."""

import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction

from assets.services import version_decide
from audit.export import ExportFilter, events_for_export, json_lines
from cases import services, threads
from cases.models import Case
from communities import tradinggrid
from communities.models import Community
from communities.services import publication_create
from communities.sync import sync_directory
from tests import factories as f
from tests.cases.threads_fixtures import BOB, EU, reference


@pytest.fixture
def tg(db, settings):
    from emulators.tradinggrid import TradingGridEmulator

    emu = TradingGridEmulator(seed="demo").start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    try:
        with mock.patch.object(threads, "client", lambda: tradinggrid.ThreadClient(
                max_retries=0, sleep=lambda s: None)):
            yield emu
    finally:
        emu.stop()


def test_the_asset_export_chains_the_thread_events_and_verify_audit_passes(
        tg, content, support, capsys):
    # given: a shared asset, a thread that became a case, a corrected version approved
    sync_directory()
    asset = f.AssetFactory(title="Trail boot packshot")
    publication_create(community=Community.objects.get(tg_id=EU), actor=content, asset=asset)
    thread_id = tg.create_thread(EU, BOB, title="Laces look blue", body="They are black.",
                                 attachments=[reference(asset)])["thread"]["id"]
    threads.thread_pull(EU, thread_id)
    corrected = f.AssetVersionFactory(asset=asset, number=2, review_state="pending")
    with transaction.atomic():
        version_decide(version=corrected, state="approved", actor=content)
    case = Case.objects.get(asset=asset)
    services.case_resolve(case=case, actor=support, resolution_kind="version",
                          version=corrected, note="Re-shot with black laces.")
    threads.deliver_pending(case.tg_thread.pk)
    tg.add_post(thread_id, BOB, body="Perfect, thanks!")
    threads.thread_pull(EU, thread_id)
    # when
    rows = [json.loads(line) for line in
            json_lines(events_for_export(ExportFilter(asset_id=asset.pk)))]
    # then
    actions = [row["action"] for row in rows]
    chain = ["asset.published", "case.opened", "case.thread_received", "asset.approved",
             "case.resolved", "case.thread_posted", "case.thread_received"]
    positions = [actions.index(a, actions.index(chain[i - 1]) + 1 if i else 0)
                 for i, a in enumerate(chain)]
    assert positions == sorted(positions)
    posted = next(r for r in rows if r["action"] == "case.thread_posted")
    assert posted["payload"]["thread"] == thread_id
    assert posted["payload"]["attachments"] == [
        threads.asset_urn(asset, corrected.version)]
    call_command("verify_audit")
    assert "broken" not in capsys.readouterr().out.lower()
