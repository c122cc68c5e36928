"""HigherHRNet (bottom-up multi-person pose estimation) as mmengine components.

Importing this package registers the network parts and the losses in ``registry.MODELS``. The test-time
pipeline classes are imported lazily because they pull in OpenCV and the grouping code.
"""
from . import data_preprocessor  # noqa: F401  (registers BottomUpDataPreprocessor in MODELS)
from .backbones import HRNet
from .heads import HigherHRNetHead
from .losses import AssociativeEmbeddingLoss, HeatmapLoss, HigherHRNetLoss
from .pose_estimators import HigherHRNet

_LAZY = {
    'PoseEstimator': 'higherhrnet.model_def.inference',
    'SimpleHigherHRNet': 'higherhrnet.model_def.simple_higherhrnet',
}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = ['HRNet', 'HigherHRNetHead', 'HigherHRNetLoss', 'HeatmapLoss', 'AssociativeEmbeddingLoss', 'HigherHRNet', 'PoseEstimator', 'SimpleHigherHRNet']
