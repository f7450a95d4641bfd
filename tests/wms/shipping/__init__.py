"""Outbound tests: rules S1-S7."""
