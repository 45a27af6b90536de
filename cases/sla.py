"""Service-level targets: how long support has to answer, by priority."""

from datetime import datetime, timedelta

from django.conf import settings

# Hours to resolve by priority; a deployment may override with CASE_SLA_HOURS.
DEFAULT_SLA_HOURS = {"urgent": 4, "high": 24, "normal": 72, "low": 120}
# Assignees are reminded when this many hours (or fewer) remain.
DEFAULT_REMINDER_HOURS = 4


def sla_hours(priority: str) -> int:
    return {**DEFAULT_SLA_HOURS, **getattr(settings, "CASE_SLA_HOURS", {})}[priority]


def sla_due(priority: str, start: datetime) -> datetime:
    """When a case of `priority` opened (or reopened) at `start` is due."""
    return start + timedelta(hours=sla_hours(priority))


def reminder_window() -> timedelta:
    return timedelta(hours=getattr(settings, "CASE_SLA_REMINDER_HOURS", DEFAULT_REMINDER_HOURS))
