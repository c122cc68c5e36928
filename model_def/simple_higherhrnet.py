"""A drop-in for simple-HigherHRNet's ``SimpleHigherHRNet`` class, running the official pipeline.

Same constructor and the same output convention (joints as (y, x, confidence), a list of arrays for a
stack of images, optional heatmaps and bounding boxes), so code written against simple-HigherHRNet
keeps working; the people come from ``PoseEstimator``, i.e. the official grouping. Choices:

* thresholds and grouping are the official ones (detection_threshold 0.1, ignore_too_much False);
  simple-HigherHRNet used 0.3 / True and a grouping that cannot match more than one group, which is
  where its duplicate skeletons came from. ``max_nof_people`` sets the official max_num_people.
* no flip test and the single scale 1, as simple-HigherHRNet (it has no flip support);
* ``filter_redundant_poses`` (default True, as simple-HigherHRNet) applies its 3-pixel rule;
* bounding boxes span the joints with a positive confidence (simple-HigherHRNet spans all joints,
  including never-found ones that sit at an arbitrary place);
* an image with no people gives an empty ``(0, nof_joints, 3)`` array (simple-HigherHRNet gave a
  shape-``(0,)`` array and an empty list of boxes).
"""
import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from .checkpoint import load_official_checkpoint
from .configs import CONFIG_DIR, DATASET_BY_JOINTS, official_configs
from .estimator import PoseEstimator


def config_for(c, nof_joints, resolution):
    """The config for width ``c``, ``nof_joints`` joints and input size ``resolution``: the official
    one made for that width and resolution, else one of that width, else (any other width, as
    simple-HigherHRNet's network accepts) the W32 one of the dataset, its width set to ``c``."""
    if nof_joints not in DATASET_BY_JOINTS:
        raise ValueError(f'nof_joints must be 17 (COCO) or 14 (CrowdPose), got {nof_joints} '
                         '(simple-HigherHRNet names 15 for MPII, which has no HigherHRNet model)')
    if not isinstance(c, int) or c < 1:
        raise ValueError(f'c (the HRNet width) must be a positive int, got {c!r}')
    if not isinstance(resolution, int) or resolution < 64 or resolution % 64:
        raise ValueError(f'resolution must be a positive multiple of 64, got {resolution!r}')
    candidates = official_configs(c, nof_joints)
    exact = [path for path in candidates if path.stem.endswith(f'_{resolution}')]
    fallback = CONFIG_DIR / f'higherhrnet_w32_{DATASET_BY_JOINTS[nof_joints]}_512.py'
    config = Config.fromfile(str((exact or candidates or [fallback])[0]))
    config.model.backbone.width = c
    config.model.head.in_channels = c
    config.model.test_cfg.input_size = resolution
    return config


class SimpleHigherHRNet:
    """simple-HigherHRNet's class on top of ``PoseEstimator`` (see the module docstring)."""

    def __init__(self, c, nof_joints, checkpoint_path, model_name='HigherHRNet', resolution=512,
                 interpolation=cv2.INTER_LINEAR, return_heatmaps=False, return_bounding_boxes=False,
                 filter_redundant_poses=True, max_nof_people=30, max_batch_size=32,
                 device=torch.device('cpu'), enable_tensorrt=False):
        if model_name not in ('HigherHRNet', 'higherhrnet'):
            raise ValueError(f"model_name must be 'HigherHRNet', got {model_name!r}")
        if interpolation != cv2.INTER_LINEAR:
            raise ValueError('only interpolation=cv2.INTER_LINEAR is supported (the official resize)')
        if enable_tensorrt:
            raise NotImplementedError('enable_tensorrt: TensorRT engines are not supported here')
        config = config_for(c, nof_joints, resolution)
        self.c, self.nof_joints, self.resolution = c, nof_joints, resolution
        self.return_heatmaps = return_heatmaps
        self.return_bounding_boxes = return_bounding_boxes
        # simple-HigherHRNet's 'cuda' (all GPUs) and 'cuda:0,1' forms -> a list of devices
        device = str(device)
        if device == 'cuda':
            device = [f'cuda:{i}' for i in range(max(1, torch.cuda.device_count()))]
        elif device.startswith('cuda:') and ',' in device:
            device = [f'cuda:{i}' for i in device[5:].split(',')]
        model = MODELS.build(config.model)
        load_official_checkpoint(model, checkpoint_path)
        self.estimator = PoseEstimator(
            model, device=device, flip_test=False, scale_factor=[1], max_num_people=max_nof_people,
            max_batch_size=max_batch_size, filter_redundant_poses=filter_redundant_poses,
            return_heatmaps=return_heatmaps)
        self.model = self.estimator.model

    def predict(self, image):
        """Joints of one BGR image (H, W, 3) or of a stack (N, H, W, 3).

        Returns, per image, a float32 array (people, joints, 3) of (y, x, confidence) in image pixels:
        one array for one image, a list for a stack. With ``return_heatmaps`` and/or
        ``return_bounding_boxes`` a list ``[heatmaps, bounding boxes, joints]`` (those asked for, in
        that order); heatmaps are the aggregated maps (joints, H, W) at the network input size,
        boxes float32 (people, 4) as (x1, y1, x2, y2).
        """
        image = np.asarray(image)
        if image.ndim == 4:
            return self._predict_batch(list(image))
        if image.ndim != 3:
            raise ValueError(f'expected an image (H, W, 3) or a stack (N, H, W, 3), got shape {image.shape}')
        result = self._predict_batch([image])
        if self.return_heatmaps or self.return_bounding_boxes:
            return [part[0] for part in result]
        return result[0]

    def _predict_batch(self, images):
        results = self.estimator.predict(images)
        # (x, y) -> (y, x): simple-HigherHRNet keeps SimpleHRNet's row-first order
        joints = [np.ascontiguousarray(r['keypoints'][..., [1, 0, 2]]) for r in results]
        parts = []
        if self.return_heatmaps:
            parts.append([r['heatmaps'] for r in results])
        if self.return_bounding_boxes:
            parts.append([r['bboxes'] for r in results])
        if not parts:
            return joints
        return parts + [joints]

