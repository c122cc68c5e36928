"""HigherHRNet, the network of the bottom-up pose estimator: HRNet backbone + HigherHRNet head."""
from contextlib import contextmanager

import torch
from mmengine.model import BaseModel
from torch import nn

from higherhrnet.registry import MODELS

from ..checkpoint import CheckpointMismatchError, mismatch_report, to_model_state_dict, translate_on_load

# The lowest HRNet branch is at 1/32 of the input and is upsampled back by exact powers of two.
INPUT_MULTIPLE = 32


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

    ``model(inputs)`` takes ImageNet-normalised RGB images ``[N, 3, H, W]`` (H, W multiples of
    32) and returns the official output list ``[out0 [N, 2K, H/4, W/4], out1 [N, K, H/2, W/2]]``:
    ``out0`` holds K heatmaps then K tag maps, ``out1`` K heatmaps. Turning them into people
    (flip test, scales, grouping) is ``model_def.PoseEstimator``'s job.

    ``load_state_dict`` and ``mmengine.runner.load_checkpoint`` accept every official checkpoint
    layout (see ``model_def.checkpoint``).

    Args:
        backbone: config (or module) of the backbone, e.g. ``dict(type='HRNet', width=32)``.
        head: config (or module) of the head, e.g.
            ``dict(type='HigherHRNetHead', in_channels=32, num_joints=17)``.
        test_cfg: test-time settings read by the pipeline (official names in lower case).
        dataset_meta: keypoint names, flip_index, skeleton, joint_order of the dataset.
        data_preprocessor: mmengine data preprocessor config; the default passes tensors through.
        init_cfg: mmengine weight initialisation config.
    """

    def __init__(self, backbone, head, test_cfg=None, dataset_meta=None, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = build_part(backbone)
        self.head = build_part(head)
        self.test_cfg = dict(test_cfg or {})
        self.dataset_meta = dict(dataset_meta or {})
        self.report_mismatch_on_load = True
        self.register_load_state_dict_pre_hook(translate_on_load)

    @property
    def num_joints(self):
        return self.head.num_joints

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            raise NotImplementedError('training is out of scope for higherhrnet-serve: HigherHRNet has no loss; '
                                      'use the official training code and load its checkpoints here')
        if mode == 'predict':
            raise NotImplementedError("mode='predict' would need the test-time pipeline (flip test, scales, "
                                      "grouping): use model_def.PoseEstimator(model).predict(images), or "
                                      "mode='tensor' for the raw network outputs")
        if mode != 'tensor':
            raise ValueError(f"mode must be 'tensor', 'predict' or 'loss', got {mode!r}")
        if not isinstance(inputs, torch.Tensor) or inputs.ndim != 4 or not inputs.is_floating_point():
            raise TypeError('inputs must be a float tensor [N, 3, H, W], got '
                            f'{type(inputs).__name__} {getattr(inputs, "shape", "")}'.rstrip())
        height, width = inputs.shape[-2:]
        if inputs.shape[1] != 3 or height % INPUT_MULTIPLE or width % INPUT_MULTIPLE:
            raise ValueError(f'inputs must be [N, 3, H, W] with H and W multiples of {INPUT_MULTIPLE}, '
                             f'got {list(inputs.shape)}')
        return self.head(self.backbone(inputs))

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
