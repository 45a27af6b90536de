"""The brand's staff roles. Partners have no group: their access is their memberships."""

from django.db.models import Exists, OuterRef

CONTENT_TEAM = "Content team"
SUPPORT_STAFF = "Support staff"
STAFF_GROUPS = (CONTENT_TEAM, SUPPORT_STAFF)
# The annotation `staff_group_annotations` gives each staff group.
_FLAGS = {"in_content_team": CONTENT_TEAM, "in_support_staff": SUPPORT_STAFF}


def _group_names(user) -> frozenset[str]:
    """The staff groups `user` is in, read once per request (kept on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=STAFF_GROUPS)
                           .values_list("name", flat=True))
        user._portal_group_names = cached
    return cached


def staff_group_annotations(user_ref: str = "user_id") -> dict:
    """One Exists per staff group, for a query whose rows belong to one user (its column
    `user_ref`): each row then carries that user's staff groups, and `remember_staff_groups`
    spares the request its own groups query (a download reads the user's memberships this
    way, #17). Read in the same request, so a role removed is honoured at once."""
    from accounts.models import User

    in_group = User.groups.through.objects.filter(user_id=OuterRef(user_ref))
    return {flag: Exists(in_group.filter(group__name=name)) for flag, name in _FLAGS.items()}


def remember_staff_groups(user, row) -> None:
    """Keep on `user` (for this request) the staff groups a row annotated with
    `staff_group_annotations` says they are in, unless they were read already."""
    if getattr(user, "_portal_group_names", None) is None:
        user._portal_group_names = frozenset(
            name for flag, name in _FLAGS.items() if getattr(row, flag))


def is_content_team(user) -> bool:
    """May approve, reject and publish assets."""
    return bool(getattr(user, "is_superuser", False)) or CONTENT_TEAM in _group_names(user)


def is_support_staff(user) -> bool:
    """May answer and resolve cases."""
    return bool(getattr(user, "is_superuser", False)) or SUPPORT_STAFF in _group_names(user)


def is_brand_staff(user) -> bool:
    """Content team, support staff or superuser: sees every asset."""
    return is_content_team(user) or is_support_staff(user)
