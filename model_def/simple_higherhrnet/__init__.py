"""The drop-in for simple-HigherHRNet: its ``SimpleHigherHRNet`` class and its ``HeatmapParser``
interface, both over the official pipeline."""
from .simple_higherhrnet import SimpleHigherHRNet

__all__ = ['SimpleHigherHRNet']
