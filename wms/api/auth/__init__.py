"""Logging in: bearer tokens for PDAs and devices, a session cookie for the web UI."""
