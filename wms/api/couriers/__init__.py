"""Couriers as master data, and the electronic waybills of shipping orders."""
