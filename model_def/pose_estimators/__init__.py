from .higherhrnet import HigherHRNet

__all__ = ['HigherHRNet']
