"""Stock on hand, lots, and the scans that move stock."""
