"""The unread count in the header."""


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.services import unread_count

    return {"unread_notices": unread_count(user)}
