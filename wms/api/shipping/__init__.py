"""Outbound: shipping documents, FIFO picking, the four steps, holds and exchanges."""
