"""Admin for the catalog. Download presets are registered in admin_presets.py."""

from assets import admin_presets  # noqa: F401
