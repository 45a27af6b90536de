"""The model permissions each staff group holds in the admin, granted after every migrate."""

from django.contrib.auth.models import Group, Permission

from accounts.roles import CONTENT_TEAM, SUPPORT_STAFF

GROUP_PERMISSIONS = {
    CONTENT_TEAM: [
        "assets.view_asset", "assets.change_asset", "assets.approve_asset",
        "assets.publish_asset", "assets.view_assetversion",
        "assets.view_productline", "assets.change_productline", "assets.add_productline",
        "assets.view_campaign", "assets.change_campaign", "assets.add_campaign",
        "assets.view_market", "assets.change_market", "assets.add_market",
        "assets.view_assetkind", "assets.change_assetkind", "assets.add_assetkind",
        "assets.view_downloadpreset", "assets.change_downloadpreset",
        "assets.add_downloadpreset", "assets.view_syncrun", "assets.view_derivativefact",
        "communities.view_community", "communities.change_community",
        "communities.view_partner",
        "communities.view_membership", "communities.view_publication",
        "communities.add_publication", "communities.delete_publication",
        "communities.view_invitation", "communities.view_tradinggridevent",
        "communities.view_directorysync", "communities.view_presetoverride",
        "audit.view_event", "audit.view_chainverification",
    ],
    SUPPORT_STAFF: [
        "cases.view_case", "cases.change_case", "cases.view_message", "cases.add_message",
        "assets.view_asset", "assets.view_assetversion",
        "communities.view_community", "communities.view_partner",
        "communities.view_membership", "communities.view_presetoverride",
        "audit.view_event", "audit.view_chainverification",
    ],
}


def grant_group_permissions(**kwargs) -> None:
    """Give each staff group its permissions; permissions not yet created are skipped."""
    for group_name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label,
                                             codename=codename).first()
            if perm:
                group.permissions.add(perm)
