"""Stations and their devices: configuration, scale readings, labels, camera decoding."""
