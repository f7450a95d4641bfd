"""Use cases. Each runs in one transaction; services are the only code that commits."""
