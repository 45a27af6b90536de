"""`{% asset_cards cards selectable %}`: the asset cards of assets/html.py in a template."""

from django import template

from assets.html import cards_html

register = template.Library()


@register.simple_tag
def asset_cards(cards, selectable=False):
    return cards_html(cards, selectable=bool(selectable))
