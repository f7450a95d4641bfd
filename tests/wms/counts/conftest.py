"""The cycle-count tests use the outbound helpers (orders picked through the real services)."""

from tests.wms.shipping.conftest import out  # noqa: F401  (the fixture)
