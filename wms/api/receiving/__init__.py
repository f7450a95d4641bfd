"""Receiving: inbound documents, receipts, inspection, posting and put-away (R1-R9)."""
