"""``python -m devices``: the devices command line without the service."""

from .cli import devices_cli

devices_cli(prog_name="python -m devices")
