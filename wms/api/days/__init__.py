"""The warehouse's business days: their list, closing a day and reopening it (rule L2)."""
