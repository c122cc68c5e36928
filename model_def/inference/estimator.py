"""``PoseEstimator``: BGR images in, people out, exactly as the official test pipeline (tools/valid.py).

Per image: resize and align at every scale (largest first), normalise, run the network (and on the
mirrored input with ``flip_test``), aggregate the maps over scales, group the joints into people with
``group_keypoints`` and map them back to image pixels. Images whose network inputs have the same
sizes go through the network together; every per-image step after the network treats images one at a
time, so a batch gives the same result as each image alone.
"""
import contextlib
import copy
import numbers
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import torch
from mmengine.registry import MODELS

from ..checkpoint import load_official_checkpoint
from ..configs import load_config, resolve_config
from ..grouping import group_keypoints
from ..untrained import load_untrained_weights
from .backends import DEFAULT_BACKEND, build_networks, check_backend
from .test_time_augmentation import aggregate_scales, scale_maps
from .geometry import check_interpolation, get_final_preds, get_multi_scale_size, resize_align_multi_scale

# ImageNet statistics of torchvision's Normalize, RGB order, applied to pixels / 255 (float32).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# The official test settings of the released configs, for a model built without a test_cfg.
OFFICIAL_TEST_CFG = {
    'flip_test': True, 'scale_factor': [1], 'project2image': True, 'adjust': True, 'refine': True,
    'detection_threshold': 0.1, 'tag_threshold': 1.0, 'max_num_people': 30, 'use_detection_val': True,
    'ignore_too_much': False, 'nms_kernel': 5, 'nms_padding': 2, 'input_size': 512,
}
# test_cfg keys handed to the grouping; the others shape the maps (flip_test, scale_factor,
# project2image, input_size).
GROUPING_KEYS = ('adjust', 'refine', 'detection_threshold', 'tag_threshold', 'max_num_people',
                 'use_detection_val', 'ignore_too_much', 'nms_kernel', 'nms_padding')
# Options of the pipeline itself (not in the official test_cfg), with their defaults.
PIPELINE_DEFAULTS = {
    'filter_redundant_poses': False,  # simple-HigherHRNet's duplicate filter; off = official
    'max_batch_size': 32,  # network inputs per forward pass (a mirrored copy counts as one)
    'return_heatmaps': False,
    'interpolation': cv2.INTER_LINEAR,  # OpenCV flags of the resize; official: bilinear
}
# simple-HigherHRNet drops a person whose joints lie on average closer than this to a kept one.
REDUNDANT_POSE_PIXELS = 3.0
# The long side of the network input may be at most this many times the short side; beyond it
# an image is a strip of pixels whose maps would need gigabytes (a 1 x 4000 image: 512 x 2048000).
MAX_ASPECT_RATIO = 32

def _as_devices(device):
    devices = list(device) if isinstance(device, (list, tuple)) else [device]
    if not devices:
        raise ValueError('device: give at least one device')
    devices = [torch.device(d) for d in devices]
    for d in devices:
        if d.type == 'cuda' and not torch.cuda.is_available():
            raise ValueError(f'device {d}: CUDA is not available on this machine')
    return devices


def _check_image(image, index):
    where = f'image {index}' if index is not None else 'image'
    if not isinstance(image, np.ndarray):
        raise TypeError(f'{where}: expected a numpy array (H x W x 3 uint8 BGR), got {type(image).__name__}')
    if image.dtype != np.uint8:
        raise TypeError(f'{where}: expected dtype uint8, got {image.dtype}')
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'{where}: expected shape H x W x 3 (BGR), got {image.shape}')
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f'{where}: empty image of shape {image.shape}')
    return np.ascontiguousarray(image)


def pose_bboxes(keypoints):
    """(x1, y1, x2, y2) of each person's joints with a positive value.

    Joints with value 0 were never found (not even by refine) and sit at the image position of heatmap
    pixel (0, 0), so they are left out; a person with no positive joint (only possible with a negative
    detection_threshold) falls back to all joints.
    """
    bboxes = np.zeros((len(keypoints), 4), dtype=np.float32)
    for p, joints in enumerate(keypoints):
        found = joints[joints[:, 2] > 0]
        if len(found) == 0:
            found = joints
        bboxes[p, :2] = found[:, :2].min(axis=0)
        bboxes[p, 2:] = found[:, :2].max(axis=0)
    return bboxes


def redundant_pose_mask(keypoints):
    """simple-HigherHRNet's filter: keep people (in order) unless their mean absolute x/y difference
    over all joints to an already kept person is below 3 image pixels. Returns a boolean keep mask."""
    keep = np.zeros(len(keypoints), dtype=bool)
    for p in range(len(keypoints)):
        kept = keypoints[keep, :, :2]
        if len(kept) and np.any(np.abs(kept - keypoints[p, :, :2]).mean(axis=(1, 2)) < REDUNDANT_POSE_PIXELS):
            continue
        keep[p] = True
    return keep


class PoseEstimator:
    """Bottom-up multi-person pose estimation with a built HigherHRNet model.

    ``device``: one device or a list (one model replica each; batches are spread over them).
    ``fp16``: network in half precision on CUDA with BatchNorm kept in float32 (as the official test
    of the 640 models); refused on the CPU. ``options``: any ``test_cfg`` key (official names in
    lower case) and the pipeline options ``filter_redundant_poses``, ``max_batch_size``,
    ``return_heatmaps``, ``interpolation`` (OpenCV flags of the resize); they become the defaults of
    ``predict``.

    ``backend`` runs the network (only the network: everything else is the same pipeline): ``torch``
    (the model), ``onnxruntime``, ``openvino`` (CPU) or ``tensorrt`` (NVIDIA GPUs), the last three on
    the model's ONNX graph. ``backend_options``: ``onnx_path`` (a graph exported by ``higherhrnet
    export``, else the model is exported now), ``cache_dir`` (compiled models and engines kept for
    the next start), ``threads`` (default: PyTorch's) and the backend's own (openvino's
    ``precision``; tensorrt's profile sizes).
    """

    def __init__(self, model, device='cpu', fp16=False, backend=DEFAULT_BACKEND, backend_options=None, **options):
        # before anything is loaded or exported: a missing runtime costs one line
        check_backend(backend)
        self.devices = _as_devices(device)
        check_backend(backend, [d.type for d in self.devices])
        if fp16 and any(d.type != 'cuda' for d in self.devices):
            raise ValueError('fp16=True needs CUDA devices: half-precision convolutions are not '
                             'supported (or far slower) on the CPU; use fp32 there')
        self.fp16 = bool(fp16)
        self.backend = backend
        self.dataset_meta = dict(model.dataset_meta)
        self.num_joints = model.num_joints
        self.test_cfg = {**OFFICIAL_TEST_CFG, **model.test_cfg}
        self.options = {**PIPELINE_DEFAULTS}
        self._set_options(self.test_cfg, self.options, options)
        model.eval()
        if backend == DEFAULT_BACKEND:
            if backend_options:
                raise TypeError(f'backend_options are for the other backends, not torch: {sorted(backend_options)}')
            self.replicas = [self._prepare(model, self.devices[0])]
            self.replicas += [self._prepare(copy.deepcopy(model), d) for d in self.devices[1:]]
        else:
            # the runtime holds the network from here on (the model's weights are in its graph)
            self.replicas = build_networks(backend, model, self.devices, fp16=self.fp16, **(backend_options or {}))
        self.config_name = None
        # Set to a dict to collect the seconds of each stage (preprocess, network, aggregation,
        # grouping, back-projection) over the following predict calls: the handler (metrics) and
        # bench/pipeline.py do.
        self.stage_seconds = None

    @classmethod
    def from_config(cls, config, checkpoint=None, device='cpu', backend=DEFAULT_BACKEND, **options):
        """Build the model of a config (path, or name in registry/configs) and load an official checkpoint
        (a file or a loaded dict); without one, the seeded untrained weights and an ``UntrainedWeightsWarning``."""
        check_backend(backend)
        check_backend(backend, [d.type for d in _as_devices(device)])
        path = resolve_config(config)
        model = MODELS.build(load_config(path).model)
        if checkpoint is None:
            load_untrained_weights(model)
        else:
            load_official_checkpoint(model, checkpoint)
        estimator = cls(model, device=device, backend=backend, **options)
        estimator.config_name = path.stem
        return estimator

    @property
    def model(self):
        """The model on the first device."""
        return self.replicas[0]

    def _prepare(self, model, device):
        model = model.to(device)
        if self.fp16:
            model.half()
            for module in model.modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                    module.float()
        return model

    def _set_options(self, test_cfg, options, overrides):
        """Apply ``overrides`` to ``test_cfg`` / ``options`` (in place) and check the result."""
        for key, value in overrides.items():
            if key in test_cfg:
                test_cfg[key] = value
            elif key in PIPELINE_DEFAULTS:
                options[key] = value
            else:
                raise TypeError(f'unknown option {key!r}; known: '
                                f'{sorted(set(test_cfg) | set(PIPELINE_DEFAULTS))}')
        scales = test_cfg['scale_factor']
        if not scales or any(not isinstance(s, numbers.Real) or s <= 0 for s in scales):
            raise ValueError(f'scale_factor must be a non-empty list of positive numbers, got {scales}')
        if len(scales) > 1 and 1 not in scales:
            raise ValueError(f'scale_factor {scales} must contain 1: the tags come from scale 1 only')
        if test_cfg['flip_test'] and 'flip_index' not in self.dataset_meta:
            raise ValueError('flip_test needs dataset_meta["flip_index"] (the joint permutation of '
                             'a mirrored image); the model has none: pass flip_test=False')
        if not isinstance(options['max_batch_size'], int) or options['max_batch_size'] < 1:
            raise ValueError(f'max_batch_size must be a positive int, got {options["max_batch_size"]}')
        check_interpolation(options['interpolation'])

    @contextlib.contextmanager
    def _stage(self, name, device):
        if self.stage_seconds is None:
            yield
            return
        start = time.perf_counter()
        yield
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        self.stage_seconds[name] = self.stage_seconds.get(name, 0.0) + time.perf_counter() - start

    def predict(self, images, **overrides):
        """People in one BGR image (a dict) or in a list of them (a list of dicts).

        Each dict: ``keypoints`` float32 [P, K, 3] (x, y, value in original image pixels),
        ``scores`` float32 [P] (official parse score: mean joint value before refine),
        ``bboxes`` float32 [P, 4] (x1, y1, x2, y2 over the joints with a positive value); with
        ``return_heatmaps`` also ``heatmaps`` [K, H, W] and ``tags`` [K, H, W, T] (the aggregated
        maps at the scale-1 network input size).
        """
        single = not isinstance(images, (list, tuple))
        images = [_check_image(images, None)] if single else [
            _check_image(image, i) for i, image in enumerate(images)]
        test_cfg, options = dict(self.test_cfg), dict(self.options)
        self._set_options(test_cfg, options, overrides)
        scales = sorted(test_cfg['scale_factor'], reverse=True)

        # Images sharing the network input size at every scale can share forward passes.
        groups = {}
        for index, image in enumerate(images):
            sizes = tuple(self._input_size(image, test_cfg, scale) for scale in scales)
            groups.setdefault(sizes, []).append(index)
        per_chunk = max(1, options['max_batch_size'] // (2 if test_cfg['flip_test'] else 1))
        chunks = [indices[i:i + per_chunk]
                  for indices in groups.values() for i in range(0, len(indices), per_chunk)]

        results = [None] * len(images)

        def run(replica_index):
            # chunks are dealt round-robin to the replicas; inference mode is per thread
            with torch.inference_mode():
                for chunk in chunks[replica_index::len(self.replicas)]:
                    chunk_results = self._predict_chunk(self.replicas[replica_index],
                                                        [images[i] for i in chunk], test_cfg, options)
                    for i, result in zip(chunk, chunk_results):
                        results[i] = result

        if len(self.replicas) > 1 and len(chunks) > 1 and all(d.type == 'cuda' for d in self.devices):
            with ThreadPoolExecutor(len(self.replicas)) as pool:
                list(pool.map(run, range(len(self.replicas))))
        else:
            # CPU replicas share the same cores, and oneDNN results can depend on the thread count
            # a calling thread sees: run them one after the other.
            for replica_index in range(len(self.replicas)):
                run(replica_index)
        return results[0] if single else results

    @staticmethod
    def _input_size(image, test_cfg, scale):
        height, width = image.shape[:2]
        size, _, _ = get_multi_scale_size(height, width, test_cfg['input_size'], scale,
                                          min(test_cfg['scale_factor']))
        if max(size) > MAX_ASPECT_RATIO * min(size):
            # sizes W x H, as in every message of the project; size is (width, height)
            raise ValueError(f'image of {width} x {height} pixels (W x H) is too elongated: its network '
                             f'input would be {size[0]} x {size[1]}; the long side may be at most '
                             f'{MAX_ASPECT_RATIO} times the short side')
        return size

    def _predict_chunk(self, model, images, test_cfg, options):
        device = next(model.parameters()).device
        num_joints = self.num_joints
        flip_index = self.dataset_meta['flip_index'] if test_cfg['flip_test'] else None
        scales = sorted(test_cfg['scale_factor'], reverse=True)
        min_scale = min(scales)
        base_sizes = [get_multi_scale_size(image.shape[0], image.shape[1], test_cfg['input_size'],
                                           1.0, min_scale)[0] for image in images]

        raw = []  # per scale: (outputs, flipped outputs) for the whole chunk
        for scale in scales:
            with self._stage('preprocess', device):
                inputs, centers, scale_pairs = self._network_inputs(images, test_cfg, scale, device,
                                                                    options['interpolation'])
            with self._stage('network', device):
                raw.append(self._forward(model, inputs, flip_index is not None,
                                         options['max_batch_size']))

        results = []
        for i in range(len(images)):
            with self._stage('aggregation', device):
                per_scale = []
                for scale, (outputs, flipped) in zip(scales, raw):
                    heatmaps, tags = scale_maps(
                        [o[i:i + 1] for o in outputs], num_joints,
                        flip_outputs=None if flipped is None else [o[i:i + 1] for o in flipped],
                        flip_index=flip_index,
                        projected_size=base_sizes[i] if test_cfg['project2image'] else None)
                    per_scale.append((scale, heatmaps, tags))
                final_heatmaps, final_tags = aggregate_scales(per_scale)
                del per_scale
            with self._stage('grouping', device):
                poses, scores = group_keypoints(
                    final_heatmaps[0], final_tags[0],
                    joint_order=self.dataset_meta.get('joint_order'),
                    **{key: test_cfg[key] for key in GROUPING_KEYS})
            with self._stage('back-projection', device):
                # the center/scale of the last (smallest) scale map back, as in the official code
                map_size = (final_heatmaps.shape[3], final_heatmaps.shape[2])
                preds = get_final_preds(poses, centers[i], scale_pairs[i], map_size)
                result = self._result(preds, scores, options)
                if options['return_heatmaps']:
                    result['heatmaps'] = final_heatmaps[0].float().cpu().numpy()
                    result['tags'] = final_tags[0].float().cpu().numpy()
            results.append(result)
        return results

    def _network_inputs(self, images, test_cfg, scale, device, interpolation=cv2.INTER_LINEAR):
        """Normalised RGB inputs [N, 3, H, W] of one scale, with the centers and scales of the warp."""
        resized, centers, scale_pairs = [], [], []
        for image in images:
            warped, center, scale_pair = resize_align_multi_scale(
                image, test_cfg['input_size'], scale, min(test_cfg['scale_factor']), interpolation)
            resized.append(warped)
            centers.append(center)
            scale_pairs.append(scale_pair)
        # BGR -> RGB after the warp (the warp treats channels independently), then ToTensor and
        # Normalize in float32 with torchvision's operation order: x / 255, - mean, / std.
        # contiguous(): a permuted NHWC array would stay channels-last through the arithmetic, and
        # oneDNN's channels-last convolutions round differently (~1e-6) from the official NCHW ones.
        batch = torch.from_numpy(np.stack(resized)).to(device)
        batch = batch.permute(0, 3, 1, 2).flip(1).contiguous().to(torch.float32).div(255)
        mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        return (batch - mean) / std, centers, scale_pairs

    def _forward(self, model, inputs, with_flip, max_batch_size):
        """Network outputs for ``inputs`` and, with flip, for the mirrored inputs (one pass for both
        when they fit in ``max_batch_size``). Returns ``(outputs, flipped_outputs or None)``.

        On the CPU every input gets a pass of its own: oneDNN picks its convolution kernels by batch
        size (3x3 convolutions on maps of 32 x 32 and below differ by ~1e-7 between batch 1 and
        batch 5, measured with torch 2.13), which would make an image's people depend on the other
        images of its batch. Batching buys little on a compute-bound CPU anyway.
        """
        count = len(inputs)
        if with_flip:
            inputs = torch.cat([inputs, torch.flip(inputs, [3])])
        if self.fp16 and self.backend == DEFAULT_BACKEND:
            inputs = inputs.half()  # the other backends take float32 and cast inside their graph
        # (ONNX Runtime and OpenVINO pick kernels per shape too: one input a pass on the CPU for them as well)
        step = 1 if inputs.device.type == 'cpu' else max_batch_size
        pieces = [model(inputs[i:i + step]) for i in range(0, len(inputs), step)]
        outputs = [torch.cat([piece[k] for piece in pieces]).float() for k in range(len(pieces[0]))]
        if not with_flip:
            return outputs, None
        return [o[:count] for o in outputs], [o[count:] for o in outputs]

    def _result(self, preds, scores, options):
        keypoints = np.ascontiguousarray(preds[..., :3], dtype=np.float32).reshape(-1, self.num_joints, 3)
        scores = np.asarray(scores, dtype=np.float32).reshape(-1)
        if options['filter_redundant_poses']:
            keep = redundant_pose_mask(keypoints)
            keypoints, scores = keypoints[keep], scores[keep]
        return {'keypoints': keypoints, 'scores': scores, 'bboxes': pose_bboxes(keypoints)}
