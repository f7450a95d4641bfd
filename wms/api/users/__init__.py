"""User administration endpoints (admin only)."""
