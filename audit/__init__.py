"""The audit trail. Write with `audit.record(action, actor=..., target=..., ...)`.

The functions here import the models lazily, so importing `audit` while Django
loads apps (e.g. from another app's models or services) is safe.
"""


def record(*args, **kwargs):
    """See audit.services.record."""
    from audit.services import record as _record

    return _record(*args, **kwargs)


def record_many(*args, **kwargs):
    """See audit.services.record_many."""
    from audit.services import record_many as _record_many

    return _record_many(*args, **kwargs)


__all__ = ["record", "record_many"]
