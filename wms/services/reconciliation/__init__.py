"""Reconciliation (对账, rule L3) in the database: runs, the differences they find, their
resolution, and the courier bills.

- ``differences``: ``store_findings`` (every kind stores its run's findings with it),
  listing, status changes with their history, ``open_differences`` for the end-of-day
  report;
- ``courier_bills``: a courier's bill read, matched and stored; bill column mappings and
  rate tables per courier;
- ``claims``: the claim list per courier (XLSX).

The model and its contract: ``wms.models.reconciliation`` and ``wms.domain.reconciliation``.
"""

from wms.services.reconciliation.differences import (
    DifferenceFilter,
    change_status,
    list_differences,
    open_differences,
    read_difference,
    store_findings,
)

__all__ = ["DifferenceFilter", "change_status", "list_differences", "open_differences", "read_difference",
           "store_findings"]
