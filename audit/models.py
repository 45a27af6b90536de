"""The audit trail: append-only, hash-chained events (see audit/chain.py).

Events keep plain values, never foreign keys: audit depends on no other app of
ours, and an event must outlive (and keep the label of) whatever it names.
"""

import json

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""

    def __init__(self, what: str = "changed or deleted"):
        super().__init__(f"Audit events are append-only: they cannot be {what}.")


class EventQuerySet(models.QuerySet):
    """Reads only: bulk update and delete are refused (the database refuses them too)."""

    def update(self, **kwargs):
        raise AppendOnlyError("updated")

    def delete(self):
        raise AppendOnlyError("deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("updated")

    def for_asset(self, asset_id):
        return self.filter(asset_id=asset_id)

    def for_target(self, target_type: str, target_id):
        return self.filter(target_type=target_type, target_id=str(target_id))


class Event(models.Model):
    """One thing that happened: who did what to which object, when, and where it went.

    `sequence` numbers events 1, 2, 3, ... without gaps; `hash` covers this event's
    content and the previous event's hash. Write events only with `audit.record()`.
    """

    sequence = models.PositiveBigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=64)

    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_system = models.CharField(max_length=64, blank=True,
                                    help_text="name of a system actor, e.g. cloudinary-sync")
    actor_label = models.CharField(max_length=254, help_text="user's email or system name")

    target_type = models.CharField(max_length=100, help_text='"app_label.model", e.g. assets.asset')
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300, blank=True)

    asset_id = models.BigIntegerField(null=True, blank=True)
    asset_version = models.BigIntegerField(null=True, blank=True)
    community_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    community_label = models.CharField(max_length=200, blank=True)
    partner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    partner_label = models.CharField(max_length=200, blank=True)

    payload = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)

    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["asset_id", "action"], name="audit_event_asset_action"),
            models.Index(fields=["target_type", "target_id"], name="audit_event_target"),
            models.Index(fields=["action", "occurred_at"], name="audit_event_action_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.target_label or self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("changed")
        if not self.hash:
            raise ValueError("Write audit events with audit.record(), which chains them.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("deleted")

    @property
    def actor_display(self) -> str:
        return self.actor_label if not self.actor_system else f"{self.actor_system} (system)"

    @property
    def payload_text(self) -> str:
        return json.dumps(self.payload, sort_keys=True, ensure_ascii=False) if self.payload else ""


class ChainVerification(models.Model):
    """The outcome of one walk of the chain (verify_audit, the admin's button, the task)."""

    ran_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    checked = models.PositiveBigIntegerField()
    first_broken_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    head_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        get_latest_by = "ran_at"

    def __str__(self) -> str:
        state = "intact" if self.ok else f"broken at #{self.first_broken_sequence}"
        return f"Chain {state} ({self.checked} events, {self.ran_at:%Y-%m-%d %H:%M})"
