"""Acknowledgement prompts on pages other apps own (the asset page, the home page)."""

from django import template

register = template.Library()


@register.inclusion_tag("compliance/_asset_ack.html", takes_context=True)
def acknowledgement_for(context, asset):
    """The one-click "we work from version N" on an asset page, when the user's
    organisation owes it."""
    from compliance.services import open_for

    user = context["request"].user
    ack = None
    if user.is_authenticated:
        ack = open_for(user).filter(asset_id=asset.pk).first()
    return {"ack": ack, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("compliance/_home_count.html", takes_context=True)
def files_to_confirm(context):
    from compliance.services import open_for

    user = context["request"].user
    count = open_for(user).count() if user.is_authenticated else 0
    return {"count": count}
