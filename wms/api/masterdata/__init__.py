"""Master data endpoints: items, locations, suppliers, customers, owners, warehouses."""
