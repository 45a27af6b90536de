"""Every change to a case: one transaction, one audit event, emails queued on commit."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

import audit
from accounts.roles import is_brand_staff
from assets.models import Asset, AssetVersion
from cases import notifications
from cases.models import Case, CaseCounter, Message
from cases.sla import sla_due
from communities.models import Membership, Publication
from portal.validators import CONTROL_CHARACTERS

S = Case.Status
TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.IN_PROGRESS, S.WAITING_ON_PARTNER, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.WAITING_ON_PARTNER, S.RESOLVED, S.CLOSED},
    S.WAITING_ON_PARTNER: {S.IN_PROGRESS, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.CLOSED, S.IN_PROGRESS},
    S.CLOSED: {S.IN_PROGRESS},
}


PORTAL_ACTOR = "portal"  # the audit's actor for what the portal does on its own


class CaseError(Exception):
    """A request the workflow refuses; the message is shown to the person who asked."""


class CaseNotFound(CaseError):
    """The case or asset does not exist for this user (pages and API answer 404)."""


def _audit(action: str, *, actor, case: Case, payload: dict | None = None) -> None:
    audit.record(action, actor=actor, target=case, asset=case.asset_id,
                 asset_version=case.asset_version, community=case.community,
                 partner=case.partner, payload={"reference": case.reference, **(payload or {})})


def _next_reference(now) -> str:
    # One counter row per year, locked for the rest of the transaction: two cases opened
    # at once wait for each other instead of taking the same number.
    CaseCounter.objects.get_or_create(year=now.year)
    counter = CaseCounter.objects.select_for_update().get(year=now.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"CASE-{now.year}-{counter.last:05d}"


def _opening_membership(opener, asset: Asset | None, community=None) -> Membership:
    """The membership a case is opened under: in `community` when one is named (it must be
    one of the opener's), else one whose community publishes `asset` directly, else the first."""
    memberships = list(Membership.objects.current().filter(user=opener)
                       .select_related("partner", "community").order_by("pk"))
    if not memberships:
        raise CaseError("Only members of a partner organisation can open cases.")
    if community is not None:
        wanted = getattr(community, "pk", community)
        chosen = next((m for m in memberships if m.community_id == wanted), None)
        if chosen is None:
            raise CaseNotFound("No such community.")
        return chosen
    if asset is None:
        return memberships[0]
    granting = set(Publication.objects.filter(
        asset=asset, community_id__in=[m.community_id for m in memberships]
    ).values_list("community_id", flat=True))
    return next((m for m in memberships if m.community_id in granting), memberships[0])


def _visible_assets(user, assets: Iterable) -> list[Asset]:
    ids = {getattr(a, "pk", a) for a in assets}
    found = list(Asset.objects.visible_to(user).filter(pk__in=ids))
    if len(found) != len(ids):
        raise CaseNotFound("An asset referenced in the message does not exist.")
    return found


def _readable(case: Case, user) -> Case:
    if not Case.objects.for_user(user).filter(pk=case.pk).exists():
        raise CaseNotFound("No such case.")
    return case


def _require_staff(user) -> None:
    if not is_brand_staff(user):
        raise CaseError("Only support staff can do that.")


def _add_message(case: Case, *, author, kind: str, body: str, event_key: str = "",
                 referenced: Iterable[Asset] = ()) -> Message:
    message = Message.objects.create(case=case, author=author, kind=kind, body=body,
                                     event_key=event_key)
    if referenced:
        message.referenced_assets.set(referenced)
    return message


def _attach(message: Message, upload, *, uploader):
    """Store `upload` (validated again here: every caller gets the same rule) on `message`."""
    from django.core.exceptions import ValidationError as FileRefused

    from cases.attachments import display_name, inspect_upload
    from cases.models import CaseAttachment

    try:
        content_type, extension = inspect_upload(upload)
    except FileRefused as exc:
        raise CaseError(" ".join(exc.messages))
    attachment = CaseAttachment(case=message.case, message=message, uploaded_by=uploader,
                                name=display_name(upload.name, extension),
                                content_type=content_type, size=upload.size)
    attachment.file.save(f"upload{extension}", upload, save=False)
    attachment.save()
    return attachment


def _change_status(case: Case, *, actor, to: str, note: str = "") -> Message:
    previous = case.status
    if to not in TRANSITIONS[previous]:
        raise CaseError(f"A case cannot move from {case.get_status_display().lower()} "
                        f"to {Case.Status(to).label.lower()}.")
    now = timezone.now()
    case.status = to
    if to == S.CLOSED:
        case.closed_at = now
    case.save()
    who = ("the portal" if actor == PORTAL_ACTOR else actor) if isinstance(actor, str) else (
        actor.get_full_name() or actor.email)
    body = f"Status changed from {Case.Status(previous).label} to {Case.Status(to).label} by {who}."
    message = _add_message(case, author=None, kind=Message.Kind.SYSTEM,
                           body=f"{body}\n\n{note}".strip())
    _audit("case.status_changed", actor=actor, case=case, payload={"from": previous, "to": to})
    return message


@transaction.atomic
def case_open(*, opener, asset: Asset | int | None, category: str, subject: str, body: str,
              priority: str = Case.Priority.NORMAL, referenced_assets: Iterable = (),
              community=None, attachment=None, opened_by_portal: bool = False) -> Case:
    """Open a case about an asset the opener can see, on the version they saw — or, with
    `asset=None`, about something missing from the catalog.

    `opened_by_portal`: the portal opens it (an overdue acknowledgement) in the opener's
    name; its first message is then the portal's, not theirs.

    The partner and community come from the opener's current memberships (`community` when
    given, else one that publishes the asset directly when there is one). Support is
    emailed on commit.
    """
    found = None
    if asset is not None:
        found = Asset.objects.visible_to(opener).filter(pk=getattr(asset, "pk", asset)).first()
        if found is None:
            raise CaseNotFound("No such asset.")
    if category not in Case.Category.values or priority not in Case.Priority.values:
        raise CaseError("Choose a category and a priority from the lists.")
    if not subject.strip() or not body.strip():
        raise CaseError("A case needs a subject and a description.")
    if CONTROL_CHARACTERS.search(subject):
        raise CaseError("The subject must be a single line (it becomes an email subject).")
    membership = _opening_membership(opener, found, community)
    now = timezone.now()
    case = Case.objects.create(
        reference=_next_reference(now), partner=membership.partner, opener=opener,
        community=membership.community, asset=found,
        asset_version=found.approved_version if found else None,
        category=category, subject=subject.strip()[:200], priority=priority,
        sla_due_at=sla_due(priority, now), created_at=now, opened_by_portal=opened_by_portal,
    )
    message = _add_message(case, author=None if opened_by_portal else opener,
                           kind=Message.Kind.SYSTEM if opened_by_portal else Message.Kind.REPLY,
                           body=body.strip(),
                           referenced=_visible_assets(opener, referenced_assets))
    stored = _attach(message, attachment, uploader=opener) if attachment else None
    _audit("case.opened", actor=opener, case=case,
           payload={"category": category, "priority": priority, "message": message.pk,
                    **({"attachment": stored.pk} if stored else {}),
                    **({"opened_by_portal": True} if opened_by_portal else {})})
    notifications.announce(case, message, notifications.Kind.CASE_OPENED)
    return case


@transaction.atomic
def case_reply(*, case: Case, author, body: str, internal: bool = False,
               referenced_assets: Iterable = (), attachment=None) -> Message:
    """Add a reply (or, for staff, an internal note) and email the other side on commit.

    A partner's reply to a case waiting on them puts it back in progress; support's first
    public reply to a new case starts it.
    """
    case = _readable(Case.objects.select_for_update().get(pk=case.pk), author)
    staff = is_brand_staff(author)
    if internal and not staff:
        raise CaseError("Only support staff can write internal notes.")
    if not body.strip():
        raise CaseError("Write a message first.")
    if not internal and (case.status == S.CLOSED or (case.status == S.RESOLVED and not staff)):
        raise CaseError("This case is resolved or closed: reopen it to continue the thread.")
    referenced = _visible_assets(author, referenced_assets)
    if referenced and not internal:
        _visible_assets(case.opener, referenced)  # the partner must be able to open them
    kind = Message.Kind.INTERNAL if internal else Message.Kind.REPLY
    message = _add_message(case, author=author, kind=kind, body=body.strip(),
                           referenced=referenced)
    stored = _attach(message, attachment, uploader=author) if attachment else None
    _audit("case.replied", actor=author, case=case,
           payload={"message": message.pk, "kind": kind,
                    **({"attachment": stored.pk} if stored else {})})
    if not internal:
        # support's first answer starts the case; the partner's answer hands it back
        starts = S.NEW if staff else S.WAITING_ON_PARTNER
        if case.status == starts:
            _change_status(case, actor=author, to=S.IN_PROGRESS)
        notifications.announce(case, message, notifications.Kind.REPLY)
    case.save(update_fields=["updated_at"])
    return message


@transaction.atomic
def case_assign(*, case: Case, actor, assignee) -> Case:
    """Give a case to a member of staff (or to nobody)."""
    _require_staff(actor)
    if assignee is not None and not is_brand_staff(assignee):
        raise CaseError("Cases can only be assigned to support staff.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    previous = case.assignee_id
    case.assignee = assignee
    case.save()
    _audit("case.assigned", actor=actor, case=case,
           payload={"from": previous, "to": getattr(assignee, "pk", None),
                    "assignee": getattr(assignee, "email", "")})
    return case


@transaction.atomic
def case_set_status(*, case: Case, actor, status: str, note: str = "") -> Case:
    """Move a case along the workflow (staff). Resolving goes through case_resolve."""
    _require_staff(actor)
    if status not in Case.Status.values:
        raise CaseError("Unknown status.")
    if status == S.RESOLVED:
        raise CaseError("Resolve a case with a corrected version, a replacement or a link.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if status == S.IN_PROGRESS and case.status in (S.RESOLVED, S.CLOSED):
        return case_reopen(case=case, actor=actor)
    _change_status(case, actor=actor, to=status, note=note)
    return case


@transaction.atomic
def case_set_priority(*, case: Case, actor, priority: str) -> Case:
    """Change a case's priority; its SLA due time follows."""
    _require_staff(actor)
    if priority not in Case.Priority.values:
        raise CaseError("Unknown priority.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    previous, case.priority = case.priority, priority
    if case.is_open:
        case.sla_due_at = sla_due(priority, case.created_at)
    case.save()
    _audit("case.status_changed", actor=actor, case=case,
           payload={"field": "priority", "from": previous, "to": priority})
    return case


def _opener_can_see(case: Case, asset_id: int) -> None:
    try:
        _visible_assets(case.opener, [asset_id])
    except CaseNotFound:
        raise CaseNotFound(f"{case.opener} cannot see that asset (it is not published to "
                           "them), so the resolution would be a dead link. Choose one they "
                           "can see.")


def _resolution_target(case, kind, version, replacement_asset, link):
    if kind == Case.ResolutionKind.VERSION:
        if not isinstance(version, AssetVersion):
            raise CaseError("Choose the corrected version.")
        if version.review_state != "approved":
            raise CaseError("That version is not approved: partners only ever get approved "
                            "versions. Approve it in the admin first.")
        _opener_can_see(case, version.asset_id)
        return version, version.asset, ""
    if kind == Case.ResolutionKind.REPLACEMENT:
        if not isinstance(replacement_asset, Asset):
            raise CaseError("Choose the replacement asset.")
        _opener_can_see(case, replacement_asset.pk)
        return replacement_asset.approved_version, replacement_asset, ""
    if kind == Case.ResolutionKind.LINK:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise CaseError("Enter a full http(s) link.")
        return None, None, link
    raise CaseError("Choose how the case is resolved.")


@transaction.atomic
def case_resolve(*, case: Case, actor, resolution_kind: str, version: AssetVersion | None = None,
                 replacement_asset: Asset | None = None, link: str = "", note: str) -> Case:
    """Resolve with a corrected version, a replacement asset or a link, and a note.

    What is linked must be visible to the opener (else they would get a dead link). The
    opener and their organisation's partner admins are emailed on commit.
    """
    _require_staff(actor)
    if not note.strip():
        raise CaseError("Add a note for the partner.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise CaseError("Only an open case can be resolved.")
    version, target_asset, link = _resolution_target(
        case, resolution_kind, version, replacement_asset, link)
    case.resolution_kind, case.resolution_version = resolution_kind, version
    case.resolution_asset, case.resolution_link = target_asset, link
    case.resolution_note, case.resolved_at = note.strip(), timezone.now()
    case.fixed_confirmed_at = case.fixed_confirmed_by = None
    status_message = _change_status(case, actor=actor, to=S.RESOLVED)
    status_message.body = f"Resolved: {case.get_resolution_kind_display().lower()}.\n\n{note}"
    # The structured flag Trading Grid threads recognise a resolution by (cases.threads).
    status_message.event_key = case.resolution_event_key
    status_message.save(update_fields=["body", "event_key"])
    _audit("case.resolved", actor=actor, case=case, payload={
        "resolution_kind": resolution_kind, "resolution_version": getattr(version, "pk", None),
        "resolution_asset": getattr(target_asset, "pk", None), "link": link})
    notifications.announce(case, status_message, notifications.Kind.RESOLVED)
    return case


@transaction.atomic
def case_close(*, case: Case, actor) -> Case:
    """Close an open or resolved case (the partner who can read it, or staff)."""
    case = _readable(Case.objects.select_for_update().get(pk=case.pk), actor)
    _change_status(case, actor=actor, to=S.CLOSED)
    return case


@transaction.atomic
def close_by_portal(case: Case, *, note: str) -> Case:
    """Close a case the portal opened once its reason is gone (the organisation acknowledged);
    the partner and support are told by the status message, and it can be reopened as usual."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.is_open:
        _change_status(case, actor=PORTAL_ACTOR, to=S.CLOSED, note=note)
    return case


def reopen_deadline(case: Case):
    """Until when a resolved or closed case may be reopened (None: it is open)."""
    since = case.resolved_at or case.closed_at
    if since is None:
        return None
    return since + timezone.timedelta(days=settings.CASE_REOPEN_WINDOW_DAYS)


@transaction.atomic
def case_reopen(*, case: Case, actor) -> Case:
    """Reopen a resolved or closed case within CASE_REOPEN_WINDOW_DAYS of its resolution.

    The assignee (or the support mailbox, when nobody is assigned) is emailed on commit.
    """
    case = _readable(Case.objects.select_for_update().get(pk=case.pk), actor)
    deadline = reopen_deadline(case)
    if case.is_open or deadline is None:
        raise CaseError("Only a resolved or closed case can be reopened.")
    if timezone.now() > deadline:
        raise CaseError(f"This case can no longer be reopened (the window closed on "
                        f"{deadline:%Y-%m-%d}). Please open a new case.")
    now = timezone.now()
    case.resolved_at = case.closed_at = case.fixed_confirmed_at = None
    case.fixed_confirmed_by = None
    case.sla_due_at = sla_due(case.priority, now)
    case.sla_reminded_at = None
    message = _change_status(case, actor=actor, to=S.IN_PROGRESS)
    notifications.announce(case, message, notifications.Kind.REOPENED, actor=actor)
    return case


@transaction.atomic
def case_take(*, case: Case, actor) -> Case:
    """"Assign to me": a member of staff takes a case (audited like any assignment)."""
    return case_assign(case=case, actor=actor, assignee=actor)


@transaction.atomic
def case_confirm_fixed(*, case: Case, actor) -> Case:
    """The partner says the resolution fixed the problem ("This fixed it").

    Recorded on the case and in its thread (support sees it there and in the queue), and
    audited; the assignee (or the support mailbox) is emailed on commit. Saying it twice
    changes nothing.
    """
    case = _readable(Case.objects.select_for_update().get(pk=case.pk), actor)
    if is_brand_staff(actor):
        raise CaseError("Only the partner can say that the resolution fixed the problem.")
    if case.status != S.RESOLVED:
        raise CaseError("Only a resolved case can be confirmed as fixed.")
    if case.fixed_confirmed_at is not None:
        return case
    case.fixed_confirmed_at, case.fixed_confirmed_by = timezone.now(), actor
    case.save()
    who = actor.get_full_name() or actor.email
    message = _add_message(case, author=actor, kind=Message.Kind.SYSTEM,
                           event_key=f"fixed:{case.resolution_event_key}",
                           body=f"{who} confirmed that the resolution fixed the problem.")
    _audit("case.fix_confirmed", actor=actor, case=case,
           payload={"message": message.pk, "resolution_kind": case.resolution_kind})
    notifications.announce(case, message, notifications.Kind.REPLY)
    return case


BULK_ACTIONS = ("assign", "close", "priority")


@transaction.atomic
def case_bulk_update(*, actor, cases: Iterable[Case], action: str, assignee=None,
                     priority: str = "") -> int:
    """Assign, close or re-prioritise many cases at once; each change is audited."""
    _require_staff(actor)
    if action not in BULK_ACTIONS:
        raise CaseError("Unknown bulk action.")
    done = 0
    for case in sorted(cases, key=lambda c: c.pk):  # pk order: no deadlock between two bulks
        if action == "assign":
            case_assign(case=case, actor=actor, assignee=assignee)
        elif action == "priority":
            case_set_priority(case=case, actor=actor, priority=priority)
        elif case.status != S.CLOSED:
            case_close(case=case, actor=actor)
        else:
            continue
        done += 1
    return done


@transaction.atomic
def case_note_new_version(*, asset: Asset, version: AssetVersion,
                          actor: str = "portal-delivery") -> list[Message]:
    """Tell every open case on `asset` that a new version was published (once per version).

    Each case's opener is emailed on commit (once per version, like the note itself).
    """
    added = []
    for case in Case.objects.open().filter(asset=asset).order_by("pk"):
        key = f"version:{version.pk}"
        if case.messages.filter(event_key=key).exists():
            continue
        message = _add_message(
            case, author=None, kind=Message.Kind.SYSTEM, event_key=key,
            body=f"A new version of this asset was published ({version.label}).")
        _audit("case.replied", actor=actor, case=case,
               payload={"message": message.pk, "kind": Message.Kind.SYSTEM,
                        "asset_version": version.version})
        notifications.announce(case, message, notifications.Kind.NEW_VERSION)
        added.append(message)
    return added
