"""HigherHRNet, the network of the bottom-up pose estimator: HRNet backbone + HigherHRNet head."""
from contextlib import contextmanager

import numpy as np
import torch
import torch.distributed as dist
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement, InstanceData
from torch import nn

from higherhrnet.registry import MODELS

from ..checkpoint import CheckpointMismatchError, mismatch_report, to_model_state_dict, translate_on_load
from ..data_preprocessor import TARGET_FIELDS
from ..keypoint_sets.metainfo import model_dataset_meta

# The lowest HRNet branch is at 1/32 of the input and is upsampled back by exact powers of two.
INPUT_MULTIPLE = 32
# The official initialisation (get_pose_net(cfg, is_train=True)): every convolution and
# deconvolution weight ~ Normal(0, 0.001), their biases (only the final layers have one) 0, every
# BatchNorm weight 1 and bias 0. A backbone init_cfg of type 'Pretrained' is applied after it.
OFFICIAL_INIT_CFG = [
    dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001, bias=0),
    dict(type='Constant', layer='_BatchNorm', val=1, bias=0),
]
# The official loss settings of the released configs (see losses.HigherHRNetLoss).
OFFICIAL_LOSS = dict(type='HigherHRNetLoss')
# Whether this process has said that its logged losses are means over the processes (once a process).
_means_announced = False


def build_part(cfg):
    """A backbone or head from its config (or the module itself).

    The type is looked up in our registry first: inside another project's Runner, mmengine's
    default scope would otherwise send a bare ``type='HRNet'`` to that project's registry.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    cfg = dict(cfg)
    if isinstance(cfg.get('type'), str):
        part = MODELS.get(cfg['type'])
        if part is None:
            raise KeyError(f"{cfg['type']!r} is not in the registry {MODELS.scope}::{MODELS.name}")
        cfg['type'] = part
    return MODELS.build(cfg)


@MODELS.register_module()
class HigherHRNet(BaseModel):
    """The official ``PoseHigherResolutionNet`` as an mmengine model.

    ``model(inputs)`` (mode ``'tensor'``) takes ImageNet-normalised RGB images ``[N, 3, H, W]``
    (H, W multiples of 32) and returns the official output list
    ``[out0 [N, 2K, H/4, W/4], out1 [N, K, H/2, W/2]]``: ``out0`` holds K heatmaps then K tag
    maps, ``out1`` K heatmaps.

    ``mode='loss'``: ``inputs`` as above and training data samples with the fields ``heatmaps``
    (per output resolution [K, R, R]), ``masks`` ([R, R], 1 = counted) and ``joint_indices``
    ([max_num_people, K, 2]); returns the named loss terms of ``loss_module``.

    ``mode='predict'``: ``inputs`` a list of original images as uint8 RGB tensors [3, H, W];
    returns the data samples (new ones when None), each with ``pred_instances``, the people that
    ``PoseEstimator.predict`` finds with this model and its ``test_cfg`` (flip test, scales,
    grouping) as numpy arrays: ``keypoints`` float32 [P, K, 2] (x, y in original image pixels),
    ``keypoint_scores`` [P, K], ``scores`` [P] (the official person score), ``bboxes`` [P, 4].

    ``load_state_dict`` and ``mmengine.runner.load_checkpoint`` accept every official checkpoint
    layout (see ``model_def.checkpoint``).

    Args:
        backbone: config (or module) of the backbone, e.g. ``dict(type='HRNet', width=32)``.
        head: config (or module) of the head, e.g.
            ``dict(type='HigherHRNetHead', in_channels=32, num_joints=17)``.
        loss: config (or module) of the training loss; default the official ``HigherHRNetLoss``.
        test_cfg: test-time settings read by the pipeline (official names in lower case).
        dataset_meta: the keypoint set as a plain dict (keypoint names, flip_index, skeleton, optional
            joint_order; or mmpose's keys); completed with both spellings (``keypoint_sets``).
        metainfo: the keypoint set as mmpose's pose estimators take it, ``dict(from_file=PATH)``: a
            dataset-info file (a path, or a shipped one: ``'higherhrnet::_base_/datasets/coco.py'``).
            Give this or ``dataset_meta``; its keypoint count must equal the head's ``num_joints``.
        data_preprocessor: mmengine data preprocessor config; the default passes tensors through.
        init_cfg: mmengine weight initialisation config, applied by ``init_weights()``; default
            the official initialisation (``OFFICIAL_INIT_CFG``). Pretrained backbone weights go
            in the backbone's own ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
    """

    def __init__(self, backbone, head, loss=None, test_cfg=None, dataset_meta=None, metainfo=None,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=OFFICIAL_INIT_CFG if init_cfg is None else init_cfg)
        self.backbone = build_part(backbone)
        self.head = build_part(head)
        self.loss_module = build_part(OFFICIAL_LOSS if loss is None else loss)
        self.test_cfg = dict(test_cfg or {})
        self.dataset_meta = model_dataset_meta(metainfo, dataset_meta, self.head.num_joints)
        self.report_mismatch_on_load = True
        self.register_load_state_dict_pre_hook(translate_on_load)

    @property
    def num_joints(self):
        return self.head.num_joints

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'tensor':
            return self._network(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f"mode must be 'tensor', 'predict' or 'loss', got {mode!r}")

    def _network(self, inputs):
        if not isinstance(inputs, torch.Tensor) or inputs.ndim != 4 or not inputs.is_floating_point():
            raise TypeError('inputs must be a float tensor [N, 3, H, W], got '
                            f'{type(inputs).__name__} {getattr(inputs, "shape", "")}'.rstrip())
        height, width = inputs.shape[-2:]
        if inputs.shape[1] != 3 or height % INPUT_MULTIPLE or width % INPUT_MULTIPLE:
            raise ValueError(f'inputs must be [N, 3, H, W] with H and W multiples of {INPUT_MULTIPLE}, '
                             f'got {list(inputs.shape)}')
        return self.head(self.backbone(inputs))

    def loss(self, inputs, data_samples):
        """The loss terms (a dict) of a training batch; see the class docstring."""
        if data_samples is None or len(data_samples) != len(inputs):
            raise ValueError(f"mode='loss' needs one data sample with training targets per input image "
                             f'({len(inputs)}), got {None if data_samples is None else len(data_samples)}')
        outputs = self._network(inputs)
        targets = batch_targets(data_samples, len(outputs), outputs[0].device)
        target_joints = targets[0][0].shape[1]
        if target_joints != self.num_joints:
            raise ValueError(f"mode='loss': the training targets have {target_joints} joints, the model "
                             f'{self.num_joints}: the dataset and the model describe different keypoint sets '
                             '(set the same metainfo on both)')
        return self.loss_module(outputs, *targets)

    def parse_losses(self, losses):
        """mmengine's sum of the loss terms; in a multi-process run the logged values (not the loss that
        is back-propagated, which DDP averages through the gradients) are the means over the processes,
        where mmengine logs rank 0's own batch."""
        loss, log_vars = super().parse_losses(losses)
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            log_vars = mean_over_processes(log_vars)
        return loss, log_vars

    def predict(self, inputs, data_samples=None):
        """People in original images (uint8 RGB tensors [3, H, W]) through ``PoseEstimator``."""
        from ..inference.estimator import PoseEstimator  # the test-time pipeline pulls in OpenCV and the grouping
        images = [rgb_tensor_to_bgr(image, i) for i, image in enumerate(inputs)]
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in images]
        if len(data_samples) != len(images):
            raise ValueError(f'{len(images)} images but {len(data_samples)} data samples')
        was_training = self.training  # the estimator switches the model to eval mode
        try:
            results = PoseEstimator(self, device=next(self.parameters()).device).predict(images)
        finally:
            self.train(was_training)
        for sample, result in zip(data_samples, results):
            keypoints = result['keypoints']
            sample.pred_instances = InstanceData(
                keypoints=np.ascontiguousarray(keypoints[..., :2]),
                keypoint_scores=np.ascontiguousarray(keypoints[..., 2]),
                scores=result['scores'],
                bboxes=result['bboxes'])
        return data_samples

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """``nn.Module.load_state_dict`` for every official layout; a strict load of weights that do
        not fit raises ``CheckpointMismatchError`` naming the missing, unexpected and mis-shaped
        keys (and the config that fits them, when their shapes reveal it)."""
        translated = to_model_state_dict(state_dict)
        if strict:
            report = mismatch_report(self, translated)
            if report:
                raise CheckpointMismatchError(report)
        with self._mismatch_report_off():
            return super().load_state_dict(translated, strict=strict, assign=assign)

    @contextmanager
    def _mismatch_report_off(self):
        # torch raises on any hook message even when not strict; the check above already ran
        self.report_mismatch_on_load = False
        try:
            yield
        finally:
            self.report_mismatch_on_load = True


def mean_over_processes(log_vars):
    """``log_vars`` (name -> scalar tensor) averaged over the processes in one all-reduce of a detached
    copy; says once, on the first call, that the log shows means."""
    world_size = dist.get_world_size()
    values = torch.stack([value.detach().float() for value in log_vars.values()])
    dist.all_reduce(values)
    values /= world_size
    global _means_announced
    if not _means_announced:
        print_log(f'losses in the log are means over {world_size} processes', logger='current')
        _means_announced = True
    return type(log_vars)(zip(log_vars, values))


def batch_targets(data_samples, num_outputs, device):
    """``(heatmaps, masks, joint_indices)``, each a list over the output resolutions of the data
    samples' targets stacked into a batch: [B, K, R, R], [B, R, R], [B, max_num_people, K, 2]."""
    batched = []
    for field in TARGET_FIELDS:
        missing = [i for i, sample in enumerate(data_samples) if field not in sample]
        if missing:
            raise KeyError(f"mode='loss': data samples {missing} have no {field!r} (training targets: "
                           f'{", ".join(TARGET_FIELDS)}, one entry per output resolution)')
        per_sample = [sample.get(field) for sample in data_samples]
        if any(len(entries) != num_outputs for entries in per_sample):
            raise ValueError(f"mode='loss': every data sample needs {num_outputs} {field} (one per output "
                             f'resolution), got {[len(entries) for entries in per_sample]}')
        batched.append([torch.stack([torch.as_tensor(entries[r]) for entries in per_sample]).to(device)
                        for r in range(num_outputs)])
    return batched


def rgb_tensor_to_bgr(image, index):
    """An H x W x 3 uint8 BGR numpy image (what ``PoseEstimator`` takes) of a uint8 RGB tensor [3, H, W]."""
    if not isinstance(image, torch.Tensor) or image.dtype != torch.uint8 or image.ndim != 3 or image.shape[0] != 3:
        raise TypeError(f"mode='predict': image {index} must be a uint8 RGB tensor [3, H, W], got "
                        f'{type(image).__name__} {getattr(image, "dtype", "")} {list(getattr(image, "shape", []))}')
    return np.ascontiguousarray(image.permute(1, 2, 0).flip(2).cpu().numpy())
