"""Trading Grid thread events arrive with the membership events (one webhook, one store).

`communities` stores and de-duplicates every verified event; the discussion threads belong
to `cases`, which depends on `communities` and not the reverse. So the event task hands a
stored `thread.*` / `post.*` event to whoever listens on `thread_event` (cases/threads.py).
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: the TradingGridEvent row class; kwargs: row (the stored event). A receiver
# returns a short outcome ("case opened", "post applied", "ignored: ...").
thread_event = Signal()


def dispatch(row) -> str:
    """Hand a stored thread event to its receiver; the outcome is the task's log line."""
    results = [outcome for _, outcome in thread_event.send(sender=type(row), row=row)
               if outcome]
    return results[0] if results else f"ignored: {row.type} (no thread handler)"
