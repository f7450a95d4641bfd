"""The audit trail: the device a call came from, its row's facts, and the supervisor's search."""
