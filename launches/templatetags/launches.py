"""`{% kit_of case cases %}`: the launch kit and slot a case was flagged on, for case lists.

Loads the kit links of all `cases` on the page with one query (cached in the template
context), so the staff queue shows kits without an N+1 and without cases importing launches.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def kit_of(context, case, cases):
    links = context.get("_kit_links")
    if links is None:
        from launches.models import KitCase

        ids = [c.pk for c in cases]
        links = {k.case_id: k for k in KitCase.objects.filter(case_id__in=ids)
                 .select_related("kit", "slot")}
        context.dicts[0]["_kit_links"] = links
    link = links.get(case.pk)
    if link is None:
        return ""
    return format_html('<br><span class="muted">Launch kit: <a href="{}">{}</a> · {}</span>',
                       reverse("launches:readiness", args=[link.kit_id]), link.kit.name,
                       link.slot.name)
