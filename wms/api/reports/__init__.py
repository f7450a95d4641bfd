"""The end-of-day report (rule L2): its sections as JSON, the ledger entries behind a figure, files."""
