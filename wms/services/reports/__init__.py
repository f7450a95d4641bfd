"""The end-of-day report's sections (rule L2), each computed from the ledger and the documents."""
