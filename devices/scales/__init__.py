"""Weighing scale drivers: MT-SICS, Toledo continuous output, Yaohua XK3190-A9."""

from .base import ContinuousScale, Scale, WindowedScale
from .mtsics import MtSicsScale
from .toledo import ToledoScale
from .xk3190 import Xk3190Scale

__all__ = ["ContinuousScale", "MtSicsScale", "Scale", "ToledoScale", "WindowedScale", "Xk3190Scale"]
