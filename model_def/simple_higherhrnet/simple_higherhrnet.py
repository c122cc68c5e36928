"""A drop-in for simple-HigherHRNet's ``SimpleHigherHRNet`` class, running the official pipeline.

What its users see is kept: the constructor (every argument, ``enable_tensorrt`` included, with its
defaults), the public attributes its ``__init__`` sets, and what ``predict`` returns: per image a
float32 array (people, joints, 3) of (y, x, confidence); for a stack (N, H, W, 3) a list of them;
with ``return_heatmaps`` / ``return_bounding_boxes`` a list ``[heatmaps, boxes, joints]`` (those
asked for, in that order), the heatmaps one float32 torch tensor (N, joints, H, W) for a stack and
(joints, H, W) for one image, at the network input size, on the model's device. ``interpolation``
is handed to ``cv2.warpAffine`` for the resize to the network input, as simple-HigherHRNet does.
The people come from ``PoseEstimator``, i.e. the official grouping. Where it differs:

* thresholds and grouping are the official ones (detection_threshold 0.1, ignore_too_much False);
  simple-HigherHRNet used 0.3 / True and a grouping that cannot match more than one group, which is
  where its duplicate skeletons came from. ``max_nof_people`` sets the official max_num_people.
* no flip test and the single scale 1, as simple-HigherHRNet (it has no flip support);
* bounding boxes span the joints with a positive confidence (simple-HigherHRNet spans all joints,
  including never-found ones that sit at an arbitrary place);
* an image with no people gives a ``(0, nof_joints, 3)`` float32 array and ``(0, 4)`` boxes, the
  documented shapes (simple-HigherHRNet gave a shape-``(0,)`` float64 array and an empty list).
* ``nof_joints`` may be any count, for a model trained on a keypoint set of your own: the keypoint set
  (names, flip pairs, skeleton, the grouping's joint order) comes from the training checkpoint
  (``higherhrnet train`` checkpoints carry their dataset's meta), else it is generic (``joint_0``, ...).
"""
from pathlib import Path

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from ..checkpoint import load_checkpoint_file, load_official_checkpoint
from ..configs import official_configs
from ..keypoint_sets import complete_dataset_meta
from ..keypoint_sets.metainfo import model_dataset_meta
from ..inference.estimator import IMAGENET_MEAN, IMAGENET_STD, PoseEstimator
from ..untrained import load_untrained_weights
from .heatmap_parser import HeatmapParser
from ..inference.backends.tensorrt_network import TensorRTNetwork
from ..inference.geometry import check_interpolation

ENGINE_SUFFIXES = ('.engine', '.trt', '.plan')


def config_for(c, nof_joints, resolution, dataset_meta=None):
    """The config for width ``c``, ``nof_joints`` joints and input size ``resolution``: the official
    one made for that width and resolution, else one of that width, else (any other width, as
    simple-HigherHRNet's network accepts) the W32 one of the joint count, its width set to ``c``.

    A joint count without an official config (neither COCO's 17 nor CrowdPose's 14) takes the COCO
    W32 config with that many joints; its keypoint set is ``dataset_meta`` (a completed dataset meta)
    or, without one, generic (``joint_0`` ..., no left/right pairs, no skeleton). ``dataset_meta``
    also replaces the keypoint set of an official config."""
    if isinstance(nof_joints, bool) or not isinstance(nof_joints, int) or nof_joints < 1:
        raise ValueError(f'nof_joints must be a positive int (17 for COCO, 14 for CrowdPose, or the count of '
                         f'your keypoint set), got {nof_joints!r}')
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise ValueError(f'c (the HRNet width) must be a positive int, got {c!r}')
    # Any size works: the short side is rounded up to a multiple of 64 by the resize, as in
    # simple-HigherHRNet and the official code.
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise ValueError(f'resolution must be a positive int (the short side of the network input), '
                         f'got {resolution!r}')
    candidates = official_configs(c, nof_joints)
    exact = [path for path in candidates if path.stem.endswith(f'_{resolution}')]
    fallback = (official_configs(32, nof_joints) or official_configs(32, 17))[0]
    config = Config.fromfile(str((exact or candidates or [fallback])[0]))
    config.model.backbone.width = c
    config.model.head.in_channels = c
    config.model.test_cfg.input_size = resolution
    if dataset_meta is not None or config.model.head.num_joints != nof_joints:
        config.model.head.num_joints = nof_joints
        config.model.metainfo = None
        config.model.dataset_meta = dataset_meta or generic_dataset_meta(nof_joints)
    return config


def generic_dataset_meta(num_joints):
    """A keypoint set known only by its joint count: ``joint_0`` ..., no left/right pairs, no skeleton."""
    return complete_dataset_meta(dict(dataset_name=f'{num_joints}_joints',
                                      keypoint_names=[f'joint_{k}' for k in range(num_joints)]))


def checkpoint_dataset_meta(checkpoint, num_joints):
    """The keypoint set a training checkpoint of ours carries (mmengine stores the training dataset's meta
    in ``meta['dataset_meta']``) when it has ``num_joints`` joints; None otherwise."""
    meta = (checkpoint.get('meta') or {}).get('dataset_meta') if isinstance(checkpoint.get('meta'), dict) else None
    if not meta or len(meta.get('keypoint_names', [])) != num_joints:
        return None
    return complete_dataset_meta(meta)


def parse_device(device):
    """simple-HigherHRNet's ``device`` (a torch.device or a string; ``'cuda'`` = every GPU,
    ``'cuda:1,2'`` = those GPUs) -> (the ``torch.device`` it names, first GPU for a list; the
    devices for ``PoseEstimator``)."""
    name = str(device)
    if name == 'cuda':
        return torch.device('cuda'), [f'cuda:{i}' for i in range(max(1, torch.cuda.device_count()))]
    if name.startswith('cuda:') and ',' in name:
        devices = [f'cuda:{i.strip()}' for i in name[5:].split(',')]
    else:
        devices = [name]
    try:
        return torch.device(devices[0]), devices
    except RuntimeError:
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'cuda:N,M,...', got {device!r}") from None


class ToNormalizedTensor:
    """torchvision's ``Compose([ToTensor(), Normalize(ImageNet mean, std)])`` (simple-HigherHRNet's
    ``transform``) without torchvision: an H x W x C RGB image (numpy or PIL; uint8 is scaled to
    [0, 1], floats are kept) -> a normalised float tensor [C, H, W]."""

    mean = IMAGENET_MEAN
    std = IMAGENET_STD

    def __call__(self, image):
        array = np.asarray(image)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ValueError(f'expected an H x W x C image, got shape {array.shape}')
        tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))
        if tensor.dtype == torch.uint8:
            tensor = tensor.to(torch.float32).div(255)
        if not tensor.is_floating_point():
            raise TypeError(f'expected a uint8 or floating-point image, got {array.dtype}')
        mean = torch.tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return (tensor - mean) / std


class SimpleHigherHRNet:
    """simple-HigherHRNet's class on top of ``PoseEstimator`` (see the module docstring).

    ``enable_tensorrt=True``: ``checkpoint_path`` is a TensorRT engine built by
    ``higherhrnet export --format tensorrt`` (as simple-HigherHRNet takes its ``.engine`` file there)
    and ``device`` a CUDA device; it needs the ``tensorrt`` package.

    ``return_heatmaps``, ``return_bounding_boxes``, ``filter_redundant_poses``, ``max_batch_size``
    and ``interpolation`` are read at every ``predict`` (set them on the object to change them);
    the grouping settings live on ``output_parser`` (e.g. ``output_parser.detection_threshold``).
    """

    def __init__(self, c, nof_joints, checkpoint_path, model_name='HigherHRNet', resolution=512,
                 interpolation=cv2.INTER_LINEAR, return_heatmaps=False, return_bounding_boxes=False,
                 filter_redundant_poses=True, max_nof_people=30, max_batch_size=32,
                 device=torch.device('cpu'), enable_tensorrt=False):
        if model_name not in ('HigherHRNet', 'higherhrnet'):
            raise ValueError(f"model_name must be 'HigherHRNet', got {model_name!r}")
        check_interpolation(interpolation)
        checkpoint = dataset_meta = None
        if not enable_tensorrt and checkpoint_path is not None:
            if Path(str(checkpoint_path)).suffix in ENGINE_SUFFIXES:
                raise ValueError(f'{checkpoint_path} looks like a TensorRT engine: pass enable_tensorrt=True '
                                 '(or the checkpoint file of the weights)')
            checkpoint = load_checkpoint_file(checkpoint_path)
            dataset_meta = checkpoint_dataset_meta(checkpoint, nof_joints)
        config = config_for(c, nof_joints, resolution, dataset_meta)
        self.c = c
        self.nof_joints = nof_joints
        self.checkpoint_path = checkpoint_path
        self.model_name = model_name
        self.resolution = resolution
        self.interpolation = interpolation
        self.return_heatmaps = return_heatmaps
        self.return_bounding_boxes = return_bounding_boxes
        self.filter_redundant_poses = filter_redundant_poses
        self.max_nof_people = max_nof_people
        self.max_batch_size = max_batch_size
        self.device, devices = parse_device(device)
        self.enable_tensorrt = enable_tensorrt
        dataset_meta = model_dataset_meta(config.model.get('metainfo'), config.model.get('dataset_meta'), nof_joints)
        self.joint_set = dataset_meta['dataset_name']

        if enable_tensorrt:
            # one engine runs on one GPU
            network = TensorRTNetwork(checkpoint_path, self.device, test_cfg=dict(config.model.test_cfg),
                                      dataset_meta=dataset_meta)
            devices = [network.device]
            if network.num_joints != nof_joints:
                raise ValueError(f'the engine {checkpoint_path} has {network.num_joints} joints, '
                                 f'nof_joints is {nof_joints}')
        else:
            network = MODELS.build(config.model)
            if checkpoint_path is None:
                load_untrained_weights(network)
            else:
                load_official_checkpoint(network, checkpoint)
        self.estimator = PoseEstimator(
            network, device=devices, flip_test=False, scale_factor=[1], max_num_people=max_nof_people,
            max_batch_size=max_batch_size, filter_redundant_poses=filter_redundant_poses,
            interpolation=interpolation)
        self.model = self.estimator.model
        # shares the estimator's settings: changing the parser's thresholds changes predict's people
        self.output_parser = HeatmapParser(self.estimator.test_cfg, nof_joints, self.joint_set,
                                           joint_order=dataset_meta.get('joint_order'))
        self.transform = ToNormalizedTensor()

    def predict(self, image):
        """Joints of one BGR image (H, W, 3) or of a stack (N, H, W, 3) of uint8 images.

        Returns, per image, a float32 array (people, joints, 3) of (y, x, confidence) in image pixels:
        one array for one image, a list for a stack. With ``return_heatmaps`` and/or
        ``return_bounding_boxes`` a list ``[heatmaps, bounding boxes, joints]`` (those asked for, in
        that order): heatmaps a float32 torch tensor ([N,] joints, H, W) at the network input size on
        the model's device, boxes float32 (people, 4) as (x1, y1, x2, y2), a list of them for a stack.
        """
        image = np.asarray(image)
        if image.ndim == 3:
            parts = self._predict_parts(image[None])
            return [part[0] for part in parts] if len(parts) > 1 else parts[0][0]
        if image.ndim != 4:
            raise ValueError(f'expected an image (H, W, 3) or a stack (N, H, W, 3), got shape {image.shape}')
        if len(image) == 0:
            raise ValueError('expected a stack (N, H, W, 3) of at least one image, got N = 0')
        parts = self._predict_parts(image)
        return parts if len(parts) > 1 else parts[0]

    def _predict_parts(self, images):
        """``[heatmaps, boxes, joints]`` of a stack, each part only when asked for, joints always."""
        results = self.estimator.predict(
            list(images), return_heatmaps=bool(self.return_heatmaps),
            filter_redundant_poses=bool(self.filter_redundant_poses),
            max_batch_size=self.max_batch_size, interpolation=self.interpolation)
        parts = []
        if self.return_heatmaps:
            heatmaps = torch.from_numpy(np.stack([r['heatmaps'] for r in results]))
            parts.append(heatmaps.to(self.estimator.devices[0]))
        if self.return_bounding_boxes:
            parts.append([r['bboxes'] for r in results])
        # (x, y) -> (y, x): simple-HigherHRNet keeps SimpleHRNet's row-first order
        parts.append([np.ascontiguousarray(r['keypoints'][..., [1, 0, 2]]) for r in results])
        return parts
