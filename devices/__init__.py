"""Devices for the warehouse: barcode scanners, weighing scales and label printers.

Standalone (no import of the service). Every device is a URL and a kind:

    from devices import open_device
    with open_device("scale:mt-sics", "/dev/ttyUSB0?baudrate=9600") as scale:
        reading = scale.read_stable()
"""

from .errors import DeviceError
from .registry import create_device, drivers, health_check, open_device
from .weight import Reading, Weight

__all__ = ["DeviceError", "Reading", "Weight", "create_device", "drivers", "health_check", "open_device"]
