"""Template helpers for case pages and emails."""

from django import template
from django.utils.safestring import mark_safe

from cases.markdown import render_markdown

register = template.Library()


@register.filter
def case_markdown(text: str) -> str:
    """A message body as sanitised HTML (see cases.markdown)."""
    return mark_safe(render_markdown(text))  # noqa: S308 — cleaned by nh3's allowlist
