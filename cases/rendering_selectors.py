"""Reads for the staff report of rendering fixes (#15)."""

from django.db.models import Avg, Count, F, Sum
from django.utils.html import escape

from cases.rendering_models import RenderingFix

WIDTH = 560


def fixes_by_kind() -> list[dict]:
    """One row per fix kind: count, average bytes before/after and average saving."""
    labels = dict(RenderingFix.Kind.choices)
    rows = (RenderingFix.objects.values("kind")
            .annotate(fixes=Count("id"), before=Avg("before_bytes"), after=Avg("after_bytes"),
                      saving=Avg(F("before_bytes") - F("after_bytes")),
                      saved=Sum(F("before_bytes") - F("after_bytes")))
            .order_by("kind"))
    return [{**row, "label": labels.get(row["kind"], row["kind"]),
             "saving_percent": round(100 * row["saving"] / row["before"]) if row["before"]
             else 0} for row in rows]


def recent_fixes(limit: int = 50):
    return (RenderingFix.objects.select_related("case", "asset", "fixed_by", "community")
            .order_by("-created_at")[:limit])


def saving_chart(rows: list[dict]) -> str:
    """A server-rendered SVG: average byte saving per kind (bars may be negative)."""
    row_h, label_w = 30, 170
    top = max([abs(row["saving"] or 0) for row in rows] + [1])
    height = row_h * max(len(rows), 1) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} '
             f'{height}" width="100%" style="max-width:{WIDTH}px" '
             'aria-label="Average byte saving per fix, by kind">']
    if not rows:
        parts.append('<text x="0" y="20" font-size="13">No fixes yet</text>')
    for i, row in enumerate(rows):
        y, saving = 4 + i * row_h, row["saving"] or 0
        bar = int((WIDTH - label_w - 110) * abs(saving) / top)
        colour = "#2e7d32" if saving >= 0 else "#c62828"
        text = f"{saving / 1024:+.1f} KB"
        parts.append(f'<text x="0" y="{y + 18}" font-size="13">{escape(row["label"])}</text>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{bar}" height="18" '
                     f'fill="{colour}"><title>{escape(row["label"])}: {text} on average over '
                     f'{row["fixes"]} fixes</title></rect>'
                     f'<text x="{label_w + bar + 6}" y="{y + 18}" font-size="13">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)
