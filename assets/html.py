"""The catalog's facet lists and asset cards as HTML, without the template engine.

A catalog page has ~150 facet options and up to 96 cards: through the template engine
(nested includes, a dozen variable lookups and filters per option) that was a third of
the page's Python at 100,000 assets (issue #17); here it is string formatting. The markup
is the one `templates/catalog/_facets.html` and `_card.html` had; every value is escaped.
Cards are used by the catalog, the asset page (related) and the home page (`{% asset_card %}`).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def facets_html(facets, *, staff: bool = False, review_states=(), review: str = "") -> SafeString:
    """The facet <fieldset>s (each a list of checkboxes or, for "updated since", radios),
    and for staff the review-state radios."""
    out = []
    for facet in facets:
        if not facet.values:
            continue
        name = escape(facet.name)
        kind = "radio" if facet.name == "updated_since" else "checkbox"
        out.append(f"<fieldset><legend>{escape(facet.label)}</legend>")
        for v in facet.values:
            field = f"facet-{name}-{escape(slugify(v.value))}"
            checked = " checked" if v.selected else ""
            out.append(
                f'<div class="facet-option"><input id="{field}" type="{kind}" name="{name}" '
                f'value="{escape(v.value)}"{checked}><label for="{field}">{escape(v.label)} '
                f'<span class="count">{int(v.count)}<span class="visually-hidden"> '
                f"asset{_plural(v.count)}</span></span></label></div>")
        if facet.name == "updated_since" and facet.any_selected:
            out.append('<div class="facet-option"><input id="facet-updated_since-any" '
                       'type="radio" name="updated_since" value=""><label '
                       'for="facet-updated_since-any">Any time</label></div>')
        out.append("</fieldset>")
    if staff:
        out.append('<fieldset><legend>Review state <span class="muted">(staff)</span></legend>')
        for value, label in review_states:
            value = escape(value)
            checked = " checked" if review == value else ""
            out.append(f'<div class="facet-option"><input id="facet-review-{value}" '
                       f'type="radio" name="review" value="{value}"{checked}><label '
                       f'for="facet-review-{value}">{escape(label)}</label></div>')
        checked = "" if review else " checked"
        out.append('<div class="facet-option"><input id="facet-review-all" type="radio" '
                   f'name="review" value=""{checked}><label for="facet-review-all">'
                   "Everything</label></div></fieldset>")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def card_html(card: dict, *, selectable: bool = False) -> SafeString:
    """One asset card (assets.views.card_image / _card)."""
    asset, shown = card["asset"], card["shown"]
    pk = int(asset.pk)
    title = escape(str(asset))
    out = [f'<article class="card asset-card" data-asset="{pk}">']
    if card.get("badge"):
        out.append(f'<span class="badge badge-new-item">{escape(card["badge"])}</span>')
    if card.get("state"):
        out.append(f'<span class="badge badge-staff-state">{escape(card["state"])}</span>')
    out.append(f'<a href="{escape(reverse("assets:detail", args=[pk]))}" class="card-link">'
               '<span class="thumb">')
    if card.get("thumbnail"):
        srcset = (f' srcset="{escape(card["srcset"])}" sizes="(max-width: 560px) 90vw, 260px"'
                  if card.get("srcset") else "")
        alt = escape(asset.title or asset.public_id)
        width, height = escape(card["width"]), escape(card["height"])
        out.append(f'<img src="{escape(card["thumbnail"])}"{srcset} width="{width}" '
                   f'height="{height}" loading="lazy" decoding="async" alt="{alt}">')
    else:
        label = escape((asset.format or "").upper() or "FILE")
        out.append(f'<span class="no-preview" aria-hidden="true">{label}</span>')
    out.append(f"</span><h3>{title}</h3></a>")
    locales = card.get("locales") or []
    if locales:
        variant = (f'<span class="variant-label">{escape(card["variant_label"])}</span> · '
                   if card.get("variant_label") else "")
        out.append(f'<p class="card-locales"><span class="visually-hidden">Languages: </span>'
                   f"{variant}{len(locales)} language{_plural(len(locales))}: "
                   f'{", ".join(escape(tag) for tag in locales)}</p>')
    facts = []
    if asset.product_line_id:
        facts.append(f"{escape(str(asset.product_line))} · ")
    if asset.kind_id:
        facts.append(f"{escape(str(asset.kind))} · ")
    facts.append(escape((getattr(shown, "format", "") or "").upper()))
    if getattr(shown, "width", None):
        facts.append(f" · {escape(shown.width)}×{escape(shown.height)}")
    out.append(f'<p class="muted">{"".join(facts)}</p>')
    if selectable:
        out.append(f'<div class="select"><input type="checkbox" id="select-{pk}" name="asset" '
                   f'value="{pk}" form="zip-form" data-select><label for="select-{pk}">Select'
                   f'<span class="visually-hidden"> {title}</span></label></div>')
    out.append("</article>")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def cards_html(cards, *, selectable: bool = False) -> SafeString:
    return mark_safe("".join(card_html(card, selectable=selectable) for card in cards))  # noqa: S308
