"""Reconciliation (对账, rule L3): courier bills, differences to resolve, claim lists."""
