"""A server-rendered SVG line chart of readiness over time (no script, no CDN)."""

from django.utils.html import escape


def readiness_chart(points: list[tuple[str, int]], *, width: int = 520, height: int = 160) -> str:
    """`points`: (label, percent) in time order. An accessible SVG with a text fallback."""
    if not points:
        return '<p class="muted">No readiness recorded yet.</p>'
    left, top, bottom = 36, 10, 24
    inner_w, inner_h = width - left - 10, height - top - bottom
    step = inner_w / max(len(points) - 1, 1)
    xy = [(left + i * step, top + inner_h * (1 - p / 100)) for i, (_, p) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    summary = ", ".join(f"{label}: {p}%" for label, p in points[-12:])
    grid = "".join(
        f'<line x1="{left}" x2="{width - 10}" y1="{top + inner_h * (1 - g / 100):.1f}" '
        f'y2="{top + inner_h * (1 - g / 100):.1f}" stroke="#ddd"/>'
        f'<text x="{left - 4}" y="{top + inner_h * (1 - g / 100) + 4:.1f}" font-size="10" '
        f'text-anchor="end">{g}%</text>' for g in (0, 50, 100))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f6f50"/>' for x, y in xy)
    first, last = escape(points[0][0]), escape(points[-1][0])
    return (f'<svg viewBox="0 0 {width} {height}" role="img" width="100%" '
            f'style="max-width:{width}px" aria-label="Readiness over time: {escape(summary)}">'
            f'{grid}<polyline fill="none" stroke="#1f6f50" stroke-width="2" points="{path}"/>'
            f'{dots}<text x="{left}" y="{height - 6}" font-size="10">{first}</text>'
            f'<text x="{width - 10}" y="{height - 6}" font-size="10" text-anchor="end">{last}'
            f'</text></svg>')
