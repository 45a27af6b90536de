"""A small server-rendered SVG bar chart (no script, no CDN): counts with their labels."""

from django.utils.html import escape

COLOURS = {"on_current": "#2e7d32", "superseded": "#b26a00", "due": "#1565c0",
           "overdue": "#c62828", "acknowledged": "#6a1b9a"}


def bar_chart(bars: list[tuple[str, str, int]], *, width: int = 520) -> str:
    row_h, label_w = 28, 190
    top = max([count for _, _, count in bars] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} '
             f'{row_h * len(bars) + 8}" width="100%" style="max-width:{width}px" '
             'aria-label="Organisations by currency">']
    for i, (key, label, count) in enumerate(bars):
        y = 4 + i * row_h
        bar = int((width - label_w - 50) * count / top)
        parts.append(f'<text x="0" y="{y + 18}" font-size="13">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{bar}" height="18" '
                     f'fill="{COLOURS.get(key, "#555")}"><title>{escape(label)}: {count}</title>'
                     f'</rect><text x="{label_w + bar + 6}" y="{y + 18}" font-size="13">'
                     f'{count}</text>')
    parts.append("</svg>")
    return "".join(parts)
