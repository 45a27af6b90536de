"""The unread count in the header (one query, only on pages that show it)."""

from django.utils.functional import SimpleLazyObject


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.services import unread_badge

    return {"unread_notices": SimpleLazyObject(lambda: unread_badge(user))}
