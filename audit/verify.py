"""Walking the chain: recompute every hash and name the first broken link."""

from dataclasses import dataclass

from django.db import connections, router

from audit import triggers
from audit.chain import GENESIS_HASH, HASHED_FIELDS, compute_hash
from audit.models import ChainVerification, Event

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class VerifyResult:
    """What a walk of the chain found; `first_broken_sequence` is None when intact."""

    ok: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""
    head_sequence: int | None = None
    head_hash: str = ""
    triggers_installed: bool = True

    def describe(self) -> str:
        if self.ok:
            head = f"head #{self.head_sequence} {self.head_hash}" if self.head_sequence else "empty"
            return f"Audit chain intact: {self.checked} events checked, {head}."
        return (f"Audit chain BROKEN at sequence {self.first_broken_sequence}: {self.reason} "
                f"({self.checked} events checked).")


def verify_chain(*, using: str | None = None, save: bool = False) -> VerifyResult:
    """Walk events in sequence order (streamed, constant memory) and check each link.

    A changed row fails its own hash; a removed row leaves a gap in the sequence;
    swapped or reordered rows fail their hash (the sequence is hashed) or the
    link to the previous hash. `save=True` keeps the outcome for the admin.
    """
    using = using or router.db_for_read(Event)
    result = _walk(using)
    if not triggers.installed(connections[using]):
        result = VerifyResult(**{**result.__dict__, "triggers_installed": False})
    if save:
        ChainVerification.objects.using(using).create(
            ok=result.ok, checked=result.checked,
            first_broken_sequence=result.first_broken_sequence, reason=result.reason,
            head_sequence=result.head_sequence, head_hash=result.head_hash)
    return result


def _walk(using: str) -> VerifyResult:
    expected, prev_hash, checked = 1, GENESIS_HASH, 0
    rows = (Event.objects.using(using).order_by("sequence")
            .values(*HASHED_FIELDS, "hash").iterator(chunk_size=CHUNK_SIZE))
    for row in rows:
        problem = _problem(row, expected, prev_hash)
        if problem:
            return VerifyResult(False, checked, expected, problem)
        checked, expected, prev_hash = checked + 1, expected + 1, row["hash"]
    return VerifyResult(True, checked, head_sequence=expected - 1 if checked else None,
                        head_hash=prev_hash if checked else "")


def _problem(row: dict, expected: int, prev_hash: str) -> str:
    sequence = row["sequence"]
    if sequence != expected:
        return f"event {expected} is missing (the next stored event is {sequence})"
    if row["prev_hash"] != prev_hash:
        return f"event {sequence} does not link to event {sequence - 1} (previous hash differs)"
    if compute_hash(prev_hash, row) != row["hash"]:
        return f"event {sequence} was changed (its content no longer matches its hash)"
    return ""
