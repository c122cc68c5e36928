"""The HigherHRNet head: 1x1 prediction layers and the deconvolution branch to 1/2 resolution.

``final_layers`` and ``deconv_layers`` carry the official names, in the official registration
order (final layers first), so official key ``k`` is ``'head.' + k`` in the full model.
"""
from mmengine.model import BaseModule
from torch import nn
import torch

from higherhrnet.registry import MODELS

from ..blocks import BN_MOMENTUM, BasicBlock

# ConvTranspose2d (padding, output_padding) per kernel size, as in the official code: with
# stride 2 each of these exactly doubles the resolution.
DECONV_PADDING = {4: (1, 0), 3: (1, 1), 2: (0, 0)}


@MODELS.register_module()
class HigherHRNetHead(BaseModule):
    """Predicts ``[out0 [N, 2K, H/4, W/4] (K heatmaps then K tags), out1 [N, K, H/2, W/2]]``
    from the backbone's C-channel 1/4 map (official default settings).

    Args:
        in_channels: channels C of the backbone output (the HRNet width).
        num_joints: K (17 for COCO, 14 for CrowdPose).
        num_deconvs: deconvolution stages, each doubling the resolution (official: 1).
        deconv_channels: output channels of every deconvolution stage (official: C).
        deconv_kernel_size: 4, 3 or 2 (official: 4).
        num_basic_blocks: BasicBlocks after each deconvolution (official: 4).
        cat_output: concatenate the previous prediction to the features before each
            deconvolution, features first (official: True).
        tag_per_joint: one tag channel per joint, else a single tag channel (official: True).
        with_ae_loss: per output, whether it carries tag channels (official: (True, False)).
        final_conv_kernel: 1 or 3 for the prediction convolutions (official: 1).
        init_cfg: mmengine weight initialisation config.
    """

    def __init__(self, in_channels, num_joints, num_deconvs=1, deconv_channels=None, deconv_kernel_size=4,
                 num_basic_blocks=4, cat_output=True, tag_per_joint=True, with_ae_loss=(True, False),
                 final_conv_kernel=1, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels), ('num_joints', num_joints)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got {value!r}')
        if deconv_kernel_size not in DECONV_PADDING:
            raise ValueError(f'deconv_kernel_size must be one of {sorted(DECONV_PADDING)}, got {deconv_kernel_size!r}')
        if final_conv_kernel not in (1, 3):
            raise ValueError(f'final_conv_kernel must be 1 or 3, got {final_conv_kernel!r}')
        if len(with_ae_loss) != num_deconvs + 1:
            raise ValueError(f'with_ae_loss needs one entry per output ({num_deconvs + 1}), got {with_ae_loss!r}')
        self.num_joints = num_joints
        self.cat_output = cat_output
        deconv_channels = in_channels if deconv_channels is None else deconv_channels
        tag_channels = num_joints if tag_per_joint else 1
        out_channels = [num_joints + (tag_channels if ae else 0) for ae in with_ae_loss]
        feature_channels = [in_channels] + [deconv_channels] * num_deconvs

        self.final_layers = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size=final_conv_kernel, padding=final_conv_kernel // 2)
            for c_in, c_out in zip(feature_channels, out_channels))

        padding, output_padding = DECONV_PADDING[deconv_kernel_size]
        stages = []
        for i in range(num_deconvs):
            c_in = feature_channels[i] + (out_channels[i] if cat_output else 0)
            # each BasicBlock sits in its own one-element Sequential in the official model,
            # hence the extra '.0' in its keys
            stages.append(nn.Sequential(
                nn.Sequential(
                    nn.ConvTranspose2d(c_in, deconv_channels, deconv_kernel_size, stride=2, padding=padding,
                                       output_padding=output_padding, bias=False),
                    nn.BatchNorm2d(deconv_channels, momentum=BN_MOMENTUM),
                    nn.ReLU(inplace=True),
                ),
                *(nn.Sequential(BasicBlock(deconv_channels, deconv_channels)) for _ in range(num_basic_blocks)),
            ))
        self.deconv_layers = nn.ModuleList(stages)

    def forward(self, feats):
        """``feats``: the backbone output, a tuple whose first entry is the 1/4 map (or that map)."""
        x = feats if isinstance(feats, torch.Tensor) else feats[0]
        y = self.final_layers[0](x)
        outputs = [y]
        for deconv, final_layer in zip(self.deconv_layers, self.final_layers[1:]):
            if self.cat_output:
                x = torch.cat((x, y), dim=1)  # features first, then the prediction
            x = deconv(x)
            y = final_layer(x)
            outputs.append(y)
        return outputs
