"""The stock ledger: entries, reversals and the on-hand check (rule L1)."""
