"""The emulated Trading Grid directory: communities, their members, and SCIM-style pages.

Everything here is plain data in the exact JSON shapes of docs/trading-grid.md, guarded by
one lock so the HTTP threads, the admin hooks and the tests can share a directory.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

KINDS = frozenset({"distributors", "resellers", "retailers", "suppliers", "logistics", "other"})
ROLES = frozenset({"member", "partner_admin"})
STATUSES = frozenset({"active", "suspended"})
MAX_PAGE_SIZE = 200
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

# Python keyword -> JSON key of a member; the JSON spelling is accepted as well.
MEMBER_FIELDS = {
    "email": "email",
    "given_name": "givenName",
    "family_name": "familyName",
    "role": "role",
    "status": "status",
    "valid_from": "validFrom",
    "valid_until": "validUntil",
}
COMMUNITY_FIELDS = ("name", "kind", "markets", "languages", "description")


class DirectoryError(Exception):
    """A request the directory refuses; carries the HTTP status and error code to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def utc_now_iso() -> str:
    """The current time as the contract writes it: ISO 8601, UTC, seconds, a trailing Z."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def member_id_for(email: str) -> str:
    """A stable member id derived from the email the person was first seen with."""
    return "TGU-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:10].upper()


def _iso_date(value: Any, field: str) -> str | None:
    """Normalise a date given as None, a date or an ISO string; refuse anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise DirectoryError(400, "invalid_request", f"{field} must be an ISO date (YYYY-MM-DD)")


def _choice(value: Any, allowed: frozenset[str], field: str) -> str:
    if value not in allowed:
        raise DirectoryError(400, "invalid_request", f"{field} must be one of {sorted(allowed)}")
    return value


def _markets(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    return [str(code).strip().lower() for code in value or []]


def _languages(value: Any) -> list[str]:
    """BCP 47 tags as given, best first (``"de-DE, fr-FR"`` or a list); blanks and repeats
    dropped. Their case is kept: a tag is ``de-DE``, not a market code."""
    if isinstance(value, str):
        value = value.split(",")
    tags: list[str] = []
    for tag in value or []:
        tag = str(tag).strip()
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags


def list_response(resources: list[dict], total: int, start_index: int) -> dict:
    """A SCIM 2.0 ListResponse around one page of resources."""
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _page(items: list[dict], start_index: int, count: int) -> dict:
    """Slice a sorted list by SCIM's 1-based startIndex and count (clamped to the maximum)."""
    start_index = max(start_index, 1)
    count = max(0, min(count, MAX_PAGE_SIZE))
    window = items[start_index - 1 : start_index - 1 + count]
    return list_response(copy.deepcopy(window), len(items), start_index)


class Directory:
    """Communities and memberships, keyed by community id and lower-cased email."""

    def __init__(self, clock: Callable[[], str] = utc_now_iso) -> None:
        """Start empty; `clock` stamps `updated_at` (swappable so seeds are deterministic)."""
        self._lock = threading.RLock()
        self.clock = clock
        self._communities: dict[str, dict] = {}
        self._members: dict[str, dict[str, dict]] = {}

    # -- reads ---------------------------------------------------------------------------

    def list_communities(self, start_index: int = 1, count: int = 100) -> dict:
        """One page of communities, ordered by id."""
        with self._lock:
            ordered = [self._communities[key] for key in sorted(self._communities)]
            return _page(ordered, start_index, count)

    def get_community(self, community_id: str) -> dict:
        """One community as JSON; DirectoryError 404 when unknown."""
        with self._lock:
            return copy.deepcopy(self._community(community_id))

    def list_members(self, community_id: str, start_index: int = 1, count: int = 100) -> dict:
        """One page of a community's members, ordered by member id (stable across pages)."""
        with self._lock:
            members = self._members_of(community_id)
            ordered = sorted(members.values(), key=lambda member: member["id"])
            return _page(ordered, start_index, count)

    def get_member(self, community_id: str, email: str) -> dict:
        """One membership as JSON; DirectoryError 404 when unknown."""
        with self._lock:
            return copy.deepcopy(self._member(community_id, email))

    def community_ids(self) -> list[str]:
        """Every community id, sorted."""
        with self._lock:
            return sorted(self._communities)

    # -- writes --------------------------------------------------------------------------

    def add_community(
        self,
        community_id: str,
        *,
        name: str,
        kind: str = "other",
        markets: Any = (),
        languages: Any = (),
        description: str = "",
    ) -> dict:
        """Create a community; DirectoryError 409 if the id is taken."""
        with self._lock:
            if community_id in self._communities:
                raise DirectoryError(409, "conflict", f"community {community_id} already exists")
            self._communities[community_id] = {
                "id": community_id,
                "name": name,
                "kind": _choice(kind, KINDS, "kind"),
                "markets": _markets(markets),
                "languages": _languages(languages),
                "description": description,
                "updated_at": self.clock(),
            }
            self._members[community_id] = {}
            return self.get_community(community_id)

    def update_community(self, community_id: str, **changes: Any) -> dict:
        """Change a community's name, kind, markets, languages or description."""
        with self._lock:
            community = self._community(community_id)
            unknown = set(changes) - set(COMMUNITY_FIELDS)
            if unknown:
                raise DirectoryError(400, "invalid_request", f"unknown fields {sorted(unknown)}")
            if "kind" in changes:
                _choice(changes["kind"], KINDS, "kind")
            if "markets" in changes:
                changes["markets"] = _markets(changes["markets"])
            if "languages" in changes:
                changes["languages"] = _languages(changes["languages"])
            community.update(changes, updated_at=self.clock())
            return copy.deepcopy(community)

    def add_member(
        self,
        community_id: str,
        *,
        email: str,
        company_id: str,
        company_name: str,
        given_name: str = "",
        family_name: str = "",
        role: str = "member",
        status: str = "active",
        valid_from: Any = None,
        valid_until: Any = None,
    ) -> dict:
        """Add a person to a community; the member id is reused if the email is known."""
        with self._lock:
            members = self._members_of(community_id)
            key = email.strip().lower()
            if key in members:
                raise DirectoryError(409, "conflict", f"{email} is already in {community_id}")
            members[key] = {
                "id": self._known_member_id(key) or member_id_for(key),
                "email": email.strip(),
                "givenName": given_name,
                "familyName": family_name,
                "company": {"id": company_id, "name": company_name},
                "role": _choice(role, ROLES, "role"),
                "status": _choice(status, STATUSES, "status"),
                "validFrom": _iso_date(valid_from, "validFrom"),
                "validUntil": _iso_date(valid_until, "validUntil"),
                "updated_at": self.clock(),
            }
            return copy.deepcopy(members[key])

    def remove_member(self, community_id: str, email: str) -> dict:
        """Remove a membership and return it as it was."""
        with self._lock:
            self._member(community_id, email)
            return self._members[community_id].pop(email.strip().lower())

    def update_member(self, community_id: str, email: str, **changes: Any) -> dict:
        """Change a membership's fields (Python or JSON spelling; company_id, company_name)."""
        with self._lock:
            member = copy.deepcopy(self._member(community_id, email))
            for field, value in changes.items():
                self._apply_member_change(member, field, value)
            members = self._members[community_id]
            new_key = member["email"].lower()
            if new_key != email.strip().lower() and new_key in members:
                raise DirectoryError(409, "conflict", f"{member['email']} is already a member")
            members.pop(email.strip().lower())
            member["updated_at"] = self.clock()
            members[new_key] = member
            return copy.deepcopy(member)

    # -- persistence ---------------------------------------------------------------------

    def snapshot(self) -> dict:
        """The whole directory as JSON-ready data."""
        with self._lock:
            members = copy.deepcopy(self._members)
            return {
                "communities": copy.deepcopy(list(self._communities.values())),
                "members": {cid: list(by_email.values()) for cid, by_email in members.items()},
            }

    def restore(self, snapshot: dict) -> None:
        """Replace the whole directory with a snapshot taken by snapshot()."""
        with self._lock:
            self._communities = {c["id"]: c for c in copy.deepcopy(snapshot["communities"])}
            for community in self._communities.values():  # a state file from before languages
                community.setdefault("languages", [])
            self._members = {cid: {} for cid in self._communities}
            for cid, members in copy.deepcopy(snapshot.get("members", {})).items():
                self._members[cid] = {m["email"].lower(): m for m in members}

    def save(self, path: Path) -> None:
        """Write the snapshot atomically (temporary file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.snapshot(), indent=2, sort_keys=True))
        os.replace(tmp, path)

    def load(self, path: Path) -> None:
        """Replace the directory with the snapshot stored at path."""
        self.restore(json.loads(path.read_text()))

    # -- internals -----------------------------------------------------------------------

    def _community(self, community_id: str) -> dict:
        try:
            return self._communities[community_id]
        except KeyError:
            raise DirectoryError(404, "not_found", f"community {community_id} does not exist")

    def _members_of(self, community_id: str) -> dict[str, dict]:
        self._community(community_id)
        return self._members[community_id]

    def _member(self, community_id: str, email: str) -> dict:
        try:
            return self._members_of(community_id)[email.strip().lower()]
        except KeyError:
            raise DirectoryError(404, "not_found", f"{email} is not a member of {community_id}")

    def _known_member_id(self, email_key: str) -> str | None:
        for members in self._members.values():
            if email_key in members:
                return members[email_key]["id"]
        return None

    @staticmethod
    def _apply_member_change(member: dict, field: str, value: Any) -> None:
        if field in ("company_id", "company_name"):
            member["company"][field.removeprefix("company_")] = value
            return
        key = MEMBER_FIELDS.get(field) or (field if field in MEMBER_FIELDS.values() else None)
        if key is None:
            raise DirectoryError(400, "invalid_request", f"unknown member field {field!r}")
        if key in ("validFrom", "validUntil"):
            value = _iso_date(value, key)
        elif key == "role":
            _choice(value, ROLES, "role")
        elif key == "status":
            _choice(value, STATUSES, "status")
        member[key] = value
