"""Template context every page needs: brand, roles and the navigation for them."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from accounts.roles import is_brand_staff, is_content_team, is_support_staff

# (label, url name, who sees it: "all" signed-in users, "partner", "support" or "staff")
NAV = [
    ("Catalog", "assets:catalog", "all"),
    ("My cases", "cases:list", "partner"),
    ("Case queue", "cases:queue", "support"),
    ("My communities", "communities:mine", "partner"),
    ("Who received what", "audit:received", "staff"),
]


def _nav_for(user, roles: dict) -> list[dict]:
    shown = {"all": True, "partner": not roles["is_brand_staff"],
             "support": roles["is_support_staff"], "staff": roles["is_brand_staff"]}
    items = []
    for label, name, audience in NAV:
        if not shown[audience]:
            continue
        try:
            items.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:  # the page's app is not installed in this deployment
            continue
    return items


def portal(request):
    user = getattr(request, "user", None)
    roles = {
        "is_content_team": bool(user) and is_content_team(user),
        "is_support_staff": bool(user) and is_support_staff(user),
        "is_brand_staff": bool(user) and is_brand_staff(user),
    }
    nav = _nav_for(user, roles) if user and user.is_authenticated else []
    return {"brand_name": settings.BRAND_NAME, "portal_nav": nav,
            "portal_open_signup": settings.PORTAL_OPEN_SIGNUP, **roles}
