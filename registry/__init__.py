"""The mmengine registries of higherhrnet-serve.

Each is a child of mmengine's root registry of the same kind with the scope ``higherhrnet``, so
any mmengine project can build ``type='higherhrnet.HigherHRNet'`` (or use ``higherhrnet.HRNet`` as
a backbone, ``higherhrnet.BottomUpCocoDataset`` as a dataset, ...) once this package is imported,
e.g. through ``custom_imports`` in a config. ``locations`` makes a build import the modules that
register the classes, so a config needs nothing but ``custom_imports=['higherhrnet.registry']``.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

# The network, its loss and its data preprocessor.
MODELS = Registry('model', parent=MMENGINE_MODELS, scope='higherhrnet',
                  locations=['higherhrnet.model_def'])
# Training and evaluation data: COCO-format keypoint datasets, and their transforms.
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='higherhrnet',
                    locations=['higherhrnet.model_def.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='higherhrnet',
                      locations=['higherhrnet.model_def.datasets.transforms'])
# Evaluation metrics (COCO / CrowdPose keypoint AP).
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='higherhrnet',
                   locations=['higherhrnet.model_def.evaluation'])

# Training-loop hooks.
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='higherhrnet', locations=['higherhrnet.model_def.engine'])
# The picture of an image's predicted people (and maps) that the visualization hook hands to the vis backends.
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, scope='higherhrnet',
                       locations=['higherhrnet.model_def.visualization'])
# How the training log writes its values (loss terms with significant digits).
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS, scope='higherhrnet',
                          locations=['higherhrnet.model_def.engine'])

__all__ = ['MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'VISUALIZERS', 'LOG_PROCESSORS']
