"""Ids taken from a request are range-checked before they reach the database.

Primary keys are 64-bit (BigAutoField). A larger number in an `IN (...)` list is an
OverflowError on SQLite and "out of range" on PostgreSQL: a 500 instead of a 400.
"""

MAX_ID = 2**63 - 1


def is_id(value) -> bool:
    """Whether `value` (a str or int from a request) is a possible primary key."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit():
            return False
        value = int(value)
    return isinstance(value, int) and 1 <= value <= MAX_ID


def ids_from(values) -> list[int]:
    """The possible primary keys among `values`; anything else is dropped."""
    return [int(value) for value in values if is_id(value)]
