"""Case threads on Trading Grid, both ways (docs/trading-grid.md, "Threads and posts").

Inbound: a verified `thread.*` / `post.*` event is a hint. `thread_pull` re-reads the thread
and applies its posts after `CaseThread.last_seq`, in seq order, so events that arrive twice
or out of order change nothing twice; `sync_threads` repairs whatever a lost event missed.
A thread with an asset reference (or tagged `media-case`) becomes a case opened by the
matching partner user, found by member id.

Outbound: every partner-visible message written on the portal for a case with a thread
becomes a `ThreadOutbox` row in the same transaction (a post_save receiver); the task
`deliver_thread_posts` sends the rows in order, each with its idempotency key. Posts the
portal wrote come back by webhook with author type `integration`: they are recognised and
never become messages, so no loop is possible.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import audit
from assets.models import Asset
from cases.models import Case, Message
from cases.thread_models import CaseThread, CommunityThreadSetting, ThreadOutbox, ThreadPost
from communities import tradinggrid
from communities.models import Community, Membership

logger = logging.getLogger(__name__)

ACTOR = "tradinggrid-threads"
MEDIA_CASE_TAG = "media-case"
MAX_BACKOFF = 3600
RESOLUTION_KEY_PREFIX = "resolution:"  # Message.event_key of a resolution (cases.services)
# One answer for "no such asset" and "not yours": nothing about the asset leaks.
RECEIVED_NOTICE = ("Thank you: the {brand} support team has received this and will answer "
                   "in this thread.")
NOT_MEMBER_NOTICE = ("Thank you for your message. We could not open a support case from it: "
                     "your Trading Grid account is not a current member of this community on "
                     "the {brand} Partner Portal. Please ask your partner administrator to add "
                     "you, or write to {support}.")

_inbound = contextvars.ContextVar("cases_threads_inbound", default=False)


@contextmanager
def _applying_inbound():
    """Messages written while set come from Trading Grid: they are not posted back."""
    token = _inbound.set(True)
    try:
        yield
    finally:
        _inbound.reset(token)


def client() -> tradinggrid.ThreadClient:
    """The one seam to Trading Grid threads (tests patch or point it at the emulator)."""
    return tradinggrid.ThreadClient()


def _brand() -> str:
    return getattr(settings, "BRAND_NAME", "brand")


def cloud_name() -> str:
    """The Cloudinary cloud the catalog mirrors (references to other clouds are not ours)."""
    from assets.cloudinary.config import parse_cloudinary_url

    return parse_cloudinary_url(settings.CLOUDINARY_URL)["cloud_name"]


def asset_urn(asset: Asset, version_number: int | None) -> str:
    """`cld:<cloud>:<asset_id>[:v<N>]` (N: Cloudinary's version number)."""
    return tradinggrid.AssetReference(cloud_name(), asset.asset_id, version_number).urn


def asset_page_url(asset: Asset) -> str:
    """The portal's asset page (never a CDN URL: the page checks visibility and signs)."""
    return settings.SITE_URL.rstrip("/") + reverse("assets:detail", args=[asset.pk])


def case_page_url(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("cases:detail", args=[case.reference])


# -- outbound --------------------------------------------------------------------------------

def on_message_saved(sender, instance: Message, created: bool, **kwargs) -> None:
    """post_save of Message: queue the post (same transaction) for a case with a thread."""
    if not created or instance.kind == Message.Kind.INTERNAL or _inbound.get():
        return
    thread = CaseThread.objects.filter(case_id=instance.case_id).first()
    kind = ThreadOutbox.Kind.POST
    if thread is None:
        thread = _portal_thread_for(instance)
        if thread is None:
            return
        kind = ThreadOutbox.Kind.CREATE_THREAD
    ThreadOutbox.objects.create(thread=thread, message=instance, kind=kind,
                                idempotency_key=f"portal-message-{instance.pk}")
    _queue_on_commit(thread.pk)


def _portal_thread_for(message: Message) -> CaseThread | None:
    """A case opened on the portal gets a thread when its community is configured for it."""
    case = message.case
    if case.community_id is None or not CommunityThreadSetting.objects.filter(
            community_id=case.community_id, open_threads_for_portal_cases=True).exists():
        return None
    if case.messages.exclude(pk=message.pk).exists():  # only the opening message creates it
        return None
    return CaseThread.objects.create(case=case, community_id=case.community_id,
                                     origin=CaseThread.Origin.PORTAL, title=case.subject)


def _notice(thread: CaseThread, key: str, text: str) -> None:
    """A post that is not a case message (a polite refusal or a receipt)."""
    ThreadOutbox.objects.get_or_create(
        idempotency_key=f"portal-notice-{thread.tg_thread_id}-{key}",
        defaults={"thread": thread, "payload": {"body": text, "attachments": []}})
    _queue_on_commit(thread.pk)


def _queue_on_commit(thread_pk: int) -> None:
    def queue() -> None:
        from cases.tasks import deliver_thread_posts

        try:
            deliver_thread_posts.delay(thread_pk)
        except Exception:  # the broker is down: the sweep sends it later
            logger.exception("could not queue thread delivery for %s", thread_pk)

    transaction.on_commit(queue)


def render_post(message: Message) -> dict:
    """What a thread gets for a portal message: its text, the asset reference of the corrected
    version or replacement, and asset-page links. Never an internal note or a CDN URL."""
    case = message.case
    header = f"{_brand()} Partner Portal ({case.reference}):"
    if message.author_id:
        who = message.author.get_full_name() or message.author.email
        header = f"{who} on the {header}"
    lines = [header, "", message.body]
    attachments: list[dict] = []
    if is_resolution_message(message):
        attachments = _resolution_attachments(case)
        lines += [""] + [f"{a.get('title', 'Link')}: {a['url']}" for a in attachments]
    for asset in message.referenced_assets.all():
        version = asset.approved_version
        attachments.append({"type": "asset", "urn": asset_urn(asset, getattr(version, "version",
                                                                            None)),
                            "url": asset_page_url(asset), "title": asset.title})
    lines += ["", f"Case: {case_page_url(case)}"]
    return {"body": "\n".join(lines).strip(), "attachments": attachments}


def is_resolution_message(message: Message) -> bool:
    """The status message `case_resolve` writes: recognised by its structured event key
    (`resolution:<when>`), never by its wording."""
    return (message.kind == Message.Kind.SYSTEM
            and message.event_key.startswith(RESOLUTION_KEY_PREFIX))


def _resolution_attachments(case: Case) -> list[dict]:
    if case.resolution_kind == Case.ResolutionKind.LINK:
        return [{"type": "link", "url": case.resolution_link, "title": "Link"}]
    asset, version = case.resolution_asset, case.resolution_version
    if asset is None:
        return []
    title = (f"Corrected version: {asset.title}" if case.resolution_kind == "version"
             else f"Replacement: {asset.title}")
    return [{"type": "asset", "urn": asset_urn(asset, getattr(version, "version", None)),
             "url": asset_page_url(asset), "title": title}]


def deliver_pending(thread_pk: int) -> int:
    """Send a thread's due outbox rows in order; stop at the first failure (order matters).

    Each row is its own transaction holding the thread row's lock, so two workers never
    send the same thread at once. Returns how many rows were sent.
    """
    sent = 0
    while True:
        with transaction.atomic():
            thread = CaseThread.objects.select_for_update().filter(pk=thread_pk).first()
            row = thread and thread.outbox.filter(sent_at__isnull=True).order_by("pk").first()
            if row is None or row.next_attempt_at > timezone.now():
                return sent
            if row.payload is None:
                row.payload = render_post(row.message) if row.message_id else {"body": "-"}
            post = _send(thread, row)  # TradingGridError: rolled back, see record_failure
            _sent(thread, row, post)
            sent += 1


def _send(thread: CaseThread, row: ThreadOutbox) -> tradinggrid.RemotePost:
    tg = client()
    community = thread.community.tg_id
    if row.kind == ThreadOutbox.Kind.CREATE_THREAD:
        remote, post = tg.create_thread(community, title=thread.title or thread.case.subject,
                                        body=row.payload["body"], tags=[MEDIA_CASE_TAG],
                                        attachments=row.payload["attachments"],
                                        idempotency_key=row.idempotency_key)
        thread.tg_thread_id, thread.url = remote.id, _web_url(remote.url)
        thread.save(update_fields=["tg_thread_id", "url"])
        return post
    return tg.add_post(community, thread.tg_thread_id, body=row.payload["body"],
                       attachments=row.payload["attachments"],
                       idempotency_key=row.idempotency_key)


def _sent(thread: CaseThread, row: ThreadOutbox, post: tradinggrid.RemotePost) -> None:
    row.sent_at, row.tg_post_id, row.last_error = timezone.now(), post.id, ""
    row.attempts += 1
    row.save()
    ThreadPost.objects.get_or_create(tg_post_id=post.id, defaults={
        "thread": thread, "message": row.message, "seq": post.seq,
        "direction": ThreadPost.Direction.OUTBOUND})
    case = thread.case
    if case is not None:
        audit.record("case.thread_posted", actor=ACTOR, target=case, asset=case.asset_id,
                     community=thread.community, partner=case.partner,
                     payload={"reference": case.reference, "thread": thread.tg_thread_id,
                              "post": post.id, "key": row.idempotency_key,
                              "message": row.message_id,
                              "attachments": [a.get("urn") for a in row.payload["attachments"]
                                              if a.get("urn")]})


def record_failure(thread_pk: int, exc: Exception) -> int:
    """After a failed delivery: count the attempt on the first unsent row; its backoff (s)."""
    row = (ThreadOutbox.objects.filter(thread_id=thread_pk, sent_at__isnull=True)
           .order_by("pk").first())
    if row is None:
        return 0
    delay = min(MAX_BACKOFF, 5 * 2 ** min(row.attempts, 10))
    ThreadOutbox.objects.filter(pk=row.pk).update(
        attempts=row.attempts + 1, last_error=repr(exc)[:2000],
        next_attempt_at=timezone.now() + timedelta(seconds=delay))
    return delay


def pending_threads() -> list[int]:
    """Threads with outbox rows due now (for the sweep)."""
    return sorted(set(ThreadOutbox.objects.filter(
        sent_at__isnull=True, next_attempt_at__lte=timezone.now()
    ).values_list("thread_id", flat=True)))


# -- inbound ---------------------------------------------------------------------------------

def on_thread_event(sender, *, row, **kwargs) -> str:
    """communities.thread_events receiver: pull the thread the stored event names."""
    thread, _post = tradinggrid.thread_event_parts(row.payload)
    if thread is None:
        return "ignored: no thread in the event"
    if thread.author.type == "integration" and not CaseThread.objects.filter(
            tg_thread_id=thread.id).exists() and row.type == "thread.created":
        return "ignored: a thread the portal opened"  # it links itself when delivered
    try:
        outcome = thread_pull(thread.community_id, thread.id)
        if row.type == "post.updated" and _post is not None:
            outcome = post_edited(_post) or outcome
        return outcome
    except tradinggrid.TradingGridError as exc:
        logger.warning("thread %s not pulled (%s); sync_threads will", thread.id, exc)
        return f"deferred: {exc}"


def thread_pull(community_tg_id: str, thread_id: str) -> str:
    """Apply a thread's posts not applied yet, in order; open its case on first sight."""
    community = Community.objects.filter(tg_id=community_tg_id).first()
    if community is None:
        return "ignored: unknown community"
    tg = client()
    with transaction.atomic(), _applying_inbound():
        thread = CaseThread.objects.select_for_update().filter(tg_thread_id=thread_id).first()
        remote = tg.get_thread(community_tg_id, thread_id)
        outcome = "posts applied"
        if thread is None:
            if remote.author.type == "integration":
                return "ignored: a thread the portal opened"
            thread, outcome = _intake(community, remote, tg)
            if thread is None:
                return outcome
        for post in tg.iter_posts(community_tg_id, thread_id, after_seq=thread.last_seq):
            _apply_post(thread, post)
            thread.last_seq = post.seq
        if remote.status != thread.remote_status:
            _remote_status(thread, remote.status)
        thread.synced_at = timezone.now()
        thread.save()
    return outcome


def _intake(community: Community, remote: tradinggrid.RemoteThread, tg
            ) -> tuple[CaseThread | None, str]:
    first = next(iter(tg.iter_posts(community.tg_id, remote.id, page_size=1)), None)
    refs = first.asset_references if first else []
    if not refs and MEDIA_CASE_TAG not in remote.tags:
        return None, "ignored: not a media case"
    thread = CaseThread.objects.create(
        community=community, tg_thread_id=remote.id, url=_web_url(remote.url),
        title=remote.title[:300],
        origin=CaseThread.Origin.TRADING_GRID, author_member_id=remote.author.id,
        remote_status=remote.status)
    user = _member_user(community, remote.author.id)
    if user is None:
        return _hold(thread, first, "The author is not a current member of this community.",
                     NOT_MEMBER_NOTICE.format(brand=_brand(), support=settings.SUPPORT_EMAIL))
    asset = _visible_asset(user, refs)
    from cases.services import case_open

    case = case_open(opener=user, asset=asset, community=community,
                     category=Case.Category.INCORRECT_ASSET,
                     subject=(remote.title or "Trading Grid thread")[:200],
                     body=(first.body if first else "") or remote.title or "(no text)")
    thread.case = case
    thread.save(update_fields=["case"])
    if first is not None:
        ThreadPost.objects.create(thread=thread, message=case.messages.order_by("pk").first(),
                                  tg_post_id=first.id, seq=first.seq,
                                  direction=ThreadPost.Direction.INBOUND,
                                  author_member_id=first.author.id)
        thread.last_seq = first.seq
    if asset is None:
        _opened_without_asset(thread, case, refs)
    _audit_received(thread, first, "case opened")
    return thread, "case opened"


def _opened_without_asset(thread: CaseThread, case: Case,
                          refs: list[tradinggrid.AssetReference]) -> None:
    """The author cannot see what the thread names (or it names nothing): the case carries no
    asset, support reads why in an internal note, and the thread gets the one receipt that a
    missing asset would get too, so nothing about a hidden asset leaks."""
    why = ("No asset was referenced in the Trading Grid thread." if not refs else
           "The Trading Grid thread references " + ", ".join(r.urn for r in refs[:5])
           + ": unknown in this catalog or not visible to the author, so the case names "
             "no asset.")
    Message.objects.create(case=case, kind=Message.Kind.INTERNAL, body=why,
                           event_key=f"tg-intake:{thread.tg_thread_id}"[:100])
    _notice(thread, "intake", RECEIVED_NOTICE.format(brand=_brand()))


def _web_url(url: str) -> str:
    """Only http(s) links from Trading Grid reach a page (never javascript: and friends)."""
    return url[:1000] if url.startswith(("https://", "http://")) else ""


def _hold(thread: CaseThread, first, why: str, notice: str) -> tuple[CaseThread, str]:
    """No case (the author is not a current member): support reads why in the admin; the
    thread gets one polite post."""
    thread.held_reason = why
    thread.last_seq = first.seq if first else 0
    thread.save()
    if first:
        ThreadPost.objects.create(thread=thread, tg_post_id=first.id, seq=first.seq,
                                  direction=ThreadPost.Direction.INBOUND,
                                  author_member_id=first.author.id, note=why[:300])
    _notice(thread, "intake", notice)
    logger.info("Trading Grid thread %s held: %s", thread.tg_thread_id, why)
    return thread, f"held: {why}"


def _member_user(community: Community, member_id: str):
    membership = (Membership.objects.current().filter(community=community,
                                                      tg_member_id=member_id)
                  .select_related("user").first()) if member_id else None
    return membership.user if membership else None


def _visible_asset(user, refs: list[tradinggrid.AssetReference]) -> Asset | None:
    ids = [ref.asset_id for ref in refs if ref.cloud == cloud_name()]
    return Asset.objects.visible_to(user).filter(asset_id__in=ids).order_by("pk").first()


def _apply_post(thread: CaseThread, post: tradinggrid.RemotePost) -> None:
    if ThreadPost.objects.filter(tg_post_id=post.id).exists():
        return  # ours (recorded when delivered) or applied before
    base = {"thread": thread, "tg_post_id": post.id, "seq": post.seq,
            "author_member_id": post.author.id}
    if post.author.type == "integration":  # the portal's own post coming back
        ThreadPost.objects.create(direction=ThreadPost.Direction.OUTBOUND, **base)
        return
    note, message = "", None
    user = _member_user(thread.community, post.author.id)
    if thread.case is None:
        note = "thread held: no case"
    elif user is None:
        note = "author is not a current member"
    else:
        from cases.services import CaseError, case_reopen, case_reply

        try:
            if not thread.case.is_open:  # writing again in the thread continues the case
                case_reopen(case=thread.case, actor=user)
                thread.case.refresh_from_db()
            message = case_reply(case=thread.case, author=user, body=post.body)
        except CaseError as exc:
            note = str(exc)[:300]
    ThreadPost.objects.create(direction=ThreadPost.Direction.INBOUND, message=message,
                              note=note, **base)
    _audit_received(thread, post, note or "message added")


@transaction.atomic
def post_edited(post: tradinggrid.RemotePost) -> str:
    """A mirrored post was edited in Trading Grid: its case message now reads the new text.

    The previous text is kept in the audit event (`case.thread_received`, outcome "post
    edited", payload `previous`); an edit older than the one applied changes nothing, so
    events that arrive twice or out of order are harmless.
    """
    mirrored = (ThreadPost.objects.select_for_update(of=("self",))
                .select_related("thread__case", "message")
                .filter(tg_post_id=post.id, direction=ThreadPost.Direction.INBOUND,
                        message__isnull=False).first())
    if mirrored is None or mirrored.thread.case is None:
        return ""
    message = mirrored.message
    stale = (post.updated_at is not None and mirrored.edited_at is not None
             and post.updated_at <= mirrored.edited_at)
    if stale or message.body == post.body.strip():
        return "edit already applied"
    previous = message.body
    message.body = post.body.strip() or message.body
    message.save(update_fields=["body"])
    mirrored.edited_at = post.updated_at or timezone.now()
    mirrored.save(update_fields=["edited_at"])
    _audit_received(mirrored.thread, post, "post edited",
                    extra={"message": message.pk, "previous": previous[:5000]})
    return "post edit applied"


def _remote_status(thread: CaseThread, status: str) -> None:
    thread.remote_status = status
    if thread.case is not None and status == "closed":
        Message.objects.create(case=thread.case, kind=Message.Kind.SYSTEM,
                               body="The Trading Grid thread was closed.",
                               event_key=f"tg-closed:{thread.tg_thread_id}")
        _audit_received(thread, None, "thread closed")


def _audit_received(thread: CaseThread, post, outcome: str, extra: dict | None = None) -> None:
    case = thread.case
    if case is None:
        return
    audit.record("case.thread_received", actor=ACTOR, target=case, asset=case.asset_id,
                 asset_version=case.asset_version, community=thread.community,
                 partner=case.partner,
                 payload={"reference": case.reference, "thread": thread.tg_thread_id,
                          "post": getattr(post, "id", None), "outcome": outcome,
                          **(extra or {})})


# -- reconciliation --------------------------------------------------------------------------

def sync_threads(*, communities=None) -> dict:
    """Repair what events missed: pull every thread of every community (or those given),
    then send every outbox row that is due. One service for beat and the command."""
    counts = {"threads": 0, "failed": 0, "delivered": 0}
    tg = client()
    for community in communities or Community.objects.filter(active=True):
        try:
            remote_threads = list(tg.iter_threads(community.tg_id))
        except tradinggrid.TradingGridError as exc:
            logger.warning("threads of %s not listed: %s", community.tg_id, exc)
            counts["failed"] += 1
            continue
        for remote in remote_threads:
            try:
                thread_pull(community.tg_id, remote.id)
                counts["threads"] += 1
            except tradinggrid.TradingGridError:
                counts["failed"] += 1
    for thread_pk in pending_threads():
        try:
            counts["delivered"] += deliver_pending(thread_pk)
        except tradinggrid.TradingGridError as exc:
            record_failure(thread_pk, exc)
            counts["failed"] += 1
    return counts
