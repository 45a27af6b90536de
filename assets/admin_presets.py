"""Admin for download presets (the partner catalog)."""
