"""The brand's staff roles. Partners have no group: their access is their memberships."""

CONTENT_TEAM = "Content team"
SUPPORT_STAFF = "Support staff"
STAFF_GROUPS = (CONTENT_TEAM, SUPPORT_STAFF)


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._portal_group_names = cached
    return cached


def is_content_team(user) -> bool:
    """May approve, reject and publish assets."""
    return bool(getattr(user, "is_superuser", False)) or CONTENT_TEAM in _group_names(user)


def is_support_staff(user) -> bool:
    """May answer and resolve cases."""
    return bool(getattr(user, "is_superuser", False)) or SUPPORT_STAFF in _group_names(user)


def is_brand_staff(user) -> bool:
    """Content team, support staff or superuser: sees every asset."""
    return is_content_team(user) or is_support_staff(user)
