"""API tests of stations and their devices, against real simulators."""
