"""The readiness matrix as HTML, from the matrix the recompute stored on the kit.

A kit of 40 slots × 10 markets is 400 cells, most with a fill form: through the template
engine that costs hundreds of milliseconds a view, here a few. Every value is escaped.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from launches.models import CellState

LABELS = dict(CellState.choices)


def matrix_html(kit, *, can_fill: bool, csrf_token: str) -> SafeString:
    """The <table> of slots × markets; an empty kit or one never computed says so."""
    matrix = kit.matrix or {}
    markets, rows = matrix.get("markets") or [], matrix.get("rows") or []
    if not rows:
        return mark_safe('<p class="muted">No cells yet: the kit has no slots or markets, or '
                         'its readiness is being computed.</p>')
    token = escape(csrf_token)
    out = ['<div class="matrix-wrap"><table class="matrix"><caption class="visually-hidden">'
           'Each slot in each market</caption><thead><tr><th scope="col">Slot</th>']
    out += [f'<th scope="col">{escape(name)}</th>' for _, name in markets]
    out.append("</tr></thead><tbody>")
    for row in rows:
        slot_id, name = int(row["id"]), escape(row["name"])
        out.append(f'<tr data-slot="{slot_id}"><th scope="row">{name}')
        if not row["required"]:
            out.append(' <span class="muted">(optional)</span>')
        if row.get("preset"):
            out.append(f'<span class="cell-reason">judged on {escape(row["preset"])}</span>')
        out.append("</th>")
        action = escape(reverse("launches:fill", args=[kit.pk, slot_id]))
        for (market_id, _), cell in zip(markets, row["cells"], strict=True):
            market_id = int(market_id)
            if cell is None:
                out.append(f'<td class="cell-pending" data-market="{market_id}">'
                           '<span class="cell-state">Not computed yet</span></td>')
                continue
            state, title, number, reasons = cell
            out.append(f'<td class="cell-{escape(state)}" data-market="{market_id}">'
                       f'<span class="cell-state">{escape(LABELS.get(state, state))}</span>')
            if title:
                version = f" · v{int(number)}" if number else ""
                out.append(f'<span class="cell-reason">{escape(title)}{version}</span>')
            out += [f'<span class="cell-reason">{escape(r)}</span>' for r in reasons]
            if can_fill and state != CellState.READY:
                field = f"fill-{slot_id}-{market_id}"
                out.append(
                    f'<form class="fill-form" method="post" action="{action}">'
                    f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                    f'<input type="hidden" name="market" value="{market_id}">'
                    f'<label class="visually-hidden" for="{field}">Asset for {name} in this '
                    f'market</label><input id="{field}" name="asset" list="kit-assets" '
                    f'placeholder="Public ID…" autocomplete="off" required>'
                    f'<button type="submit" class="button">Fill</button></form>')
            out.append("</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def datalist_html(choices) -> SafeString:
    """The shared list the fill pickers suggest: (public id, title) pairs."""
    options = "".join(f'<option value="{escape(public_id)}">{escape(title)}</option>'
                      for public_id, title in choices)
    return mark_safe(f'<datalist id="kit-assets">{options}</datalist>')  # noqa: S308
