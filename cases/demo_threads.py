"""The demo's community thread that became a case (called from cases.demo.seed).

Bob opens a thread in EU Retailers on the local Trading Grid emulator (through its admin
hook, as if he wrote it there), naming an asset he sees; the portal pulls it into a case
and support answers, which goes back to the thread through the outbox. Idempotent. Only
for the emulator: a real Trading Grid has no /_admin hooks, and then nothing is seeded.
"""

from __future__ import annotations

import requests

from accounts.models import User
from assets.models import Asset
from cases import services, threads
from cases.thread_models import CaseThread
from communities import tradinggrid

BOB = "bob@alpine-outfitters.example"
COMMUNITY = "COMM-EU-RETAIL"
TITLE = "Banner shows last season's colourway"
BODY = ("Hi! The hero banner we downloaded for the winter campaign still shows the old red "
        "colourway. Is there a corrected file?")
REPLY = ("Thanks Bob, good catch. The studio is exporting the corrected banner; we will post "
         "the new version in this thread.")


def seed(stdout, support: User | None) -> None:
    """Open the demo thread once, pull it into a case, and answer it."""
    if CaseThread.objects.filter(origin=CaseThread.Origin.TRADING_GRID).exists():
        return
    bob = User.objects.filter(email=BOB).first()
    asset = Asset.objects.visible_to(bob).order_by("pk").first() if bob else None
    if asset is None:
        stdout.write("  demo thread skipped: bob sees no asset\n")
        return
    config = tradinggrid.TradingGridConfig.from_url(tradinggrid._setting("TRADING_GRID_URL"))
    root = config.base_url.removesuffix("/v1")
    attachment = {"type": "asset", "urn": threads.asset_urn(asset, None),
                  "url": threads.asset_page_url(asset), "title": asset.title}
    try:
        answer = requests.post(root + "/_admin/threads/create", timeout=10,
                               auth=(config.client_id, config.client_secret),
                               json={"community_id": COMMUNITY, "email": BOB, "title": TITLE,
                                     "body": BODY, "attachments": [attachment]})
        answer.raise_for_status()
    except requests.RequestException as exc:
        stdout.write(f"  demo thread skipped: the Trading Grid emulator said {exc}\n")
        return
    thread_id = answer.json()["thread"]["id"]
    outcome = threads.thread_pull(COMMUNITY, thread_id)
    thread = CaseThread.objects.filter(tg_thread_id=thread_id).first()
    if thread is None or thread.case is None:
        stdout.write(f"  demo thread {thread_id}: {outcome}\n")
        return
    if support is not None:
        services.case_reply(case=thread.case, author=support, body=REPLY)
    stdout.write(f"  {thread.case.reference} (from Trading Grid thread {thread_id}): {TITLE}\n")
