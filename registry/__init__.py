"""The mmengine registry of higherhrnet-serve.

``MODELS`` is a child of mmengine's root ``MODELS`` with its own scope, so any mmengine
project can build ``type='higherhrnet.HigherHRNet'`` (or use ``higherhrnet.HRNet`` as a
backbone) once this package is imported, e.g. through ``custom_imports`` in a config.
``locations`` makes a build import the modules that register the classes.
"""
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import Registry

MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='higherhrnet',
    locations=['model_def'],
)

__all__ = ['MODELS']
