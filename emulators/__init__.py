"""Local stand-ins for the external services the portal talks to (no Django here)."""
