"""HRNet backbone as used by HigherHRNet: stem, layer1, then stages 2-4 of parallel branches.

Module and attribute names reproduce the official ``PoseHigherResolutionNet`` exactly, so every
official state-dict key is ``'backbone.' + <official key>`` here (see ``model_def.checkpoint``).
Entries that own no weights in the official model (unchanged transitions, the identity fuse
entries) are ``None`` here too, so indices in key names line up.
"""
from pathlib import Path

from mmengine.model import BaseModule
from torch import nn

from higherhrnet.registry import MODELS

from ..blocks import BLOCKS, BN_MOMENTUM, Bottleneck, conv3x3, make_blocks
from ..checkpoint import to_model_state_dict

STEM_CHANNELS = 64  # hard-wired in the official code (its STEM_INPLANES setting is never read)
BACKBONE_PREFIX = 'backbone.'  # where a full HigherHRNet state dict keeps these weights
# Where the pretrained files of the shipped configs are published, by the start of their name.
PRETRAINED_SOURCES = {
    'hrnet_w': 'the ImageNet HRNet of the HRNet-Image-Classification model zoo, '
               'https://github.com/HRNet/HRNet-Image-Classification',
    'pose_higher_hrnet_': 'the HigherHRNet model zoo, https://github.com/HRNet/HigherHRNet-Human-Pose-Estimation',
}


def check_pretrained_file(init_cfg):
    """A ``Pretrained`` init_cfg naming a local file that is not there raises ``FileNotFoundError`` in one
    line saying where the file is published and how to train without it (mmengine's own message names
    only the path, deep in a traceback)."""
    for entry in init_cfg if isinstance(init_cfg, list) else [init_cfg]:
        if not isinstance(entry, dict) or entry.get('type') != 'Pretrained':
            continue
        checkpoint = str(entry.get('checkpoint'))
        if '://' in checkpoint or Path(checkpoint).is_file():
            continue
        name = Path(checkpoint).name
        source = next((where for start, where in PRETRAINED_SOURCES.items() if name.startswith(start)), None)
        published = f'download it from {source}' if source else 'put the file there'
        raise FileNotFoundError(
            f'{checkpoint} can not be found: the backbone starts from it (model.backbone.init_cfg); {published}, '
            'or train from scratch: higherhrnet train CONFIG --from-scratch (in a config: '
            'model.backbone.init_cfg=None)')


def backbone_keys_on_load(module, state_dict, prefix, *args):
    """Load-state-dict pre-hook of ``HRNet``: rewrites, in place, the entries under ``prefix`` so
    that the backbone loads from any HigherHRNet layout (official bare keys, FP16, ``module.``,
    ours under ``backbone.``) as well as from the ImageNet HRNet files, whose backbone names are
    the same. Everything else (heads, the ImageNet classifier) is left for the loader to report as
    unexpected: this is what a backbone ``init_cfg=dict(type='Pretrained', ...)`` reads."""
    own = [k for k in state_dict if k.startswith(prefix)]
    if not own:
        return
    translated = to_model_state_dict({k[len(prefix):]: state_dict[k] for k in own})
    for key in own:
        del state_dict[key]
    state_dict.update((prefix + k.removeprefix(BACKBONE_PREFIX), v) for k, v in translated.items())


def _conv_bn(in_channels, out_channels, stride, relu):
    layers = [conv3x3(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class HighResolutionModule(nn.Module):
    """One exchange unit: per-branch residual blocks, then every output resolution sums all
    branches (the "fuse" layers).

    With ``multi_scale_output=False`` (the last module of stage 4) only output 0 (the highest
    resolution) is fused and returned; all branches still run and own their weights.
    """

    def __init__(self, block, in_channels, channels, num_blocks, multi_scale_output=True):
        super().__init__()
        if not len(in_channels) == len(channels) == len(num_blocks):
            raise ValueError(f'branch counts differ: in_channels {in_channels}, channels {channels}, '
                             f'num_blocks {num_blocks}')
        self.num_branches = len(channels)
        self.multi_scale_output = multi_scale_output
        self.branches = nn.ModuleList(
            make_blocks(block, c_in, c, n) for c_in, c, n in zip(in_channels, channels, num_blocks))
        self.out_channels = [c * block.expansion for c in channels]
        self.fuse_layers = self._make_fuse_layers() if self.num_branches > 1 else None
        self.relu = nn.ReLU(inplace=True)

    def _make_fuse_layers(self):
        c = self.out_channels
        num_outputs = self.num_branches if self.multi_scale_output else 1
        rows = []
        for i in range(num_outputs):
            row = []
            for j in range(self.num_branches):
                if j > i:
                    # lower resolution source: 1x1 conv to C_i, BN, nearest upsampling by 2^(j-i)
                    row.append(nn.Sequential(
                        nn.Conv2d(c[j], c[i], kernel_size=1, bias=False),
                        nn.BatchNorm2d(c[i], momentum=BN_MOMENTUM),
                        nn.Upsample(scale_factor=2 ** (j - i), mode='nearest'),
                    ))
                elif j == i:
                    row.append(None)
                else:
                    # higher resolution source: i-j stride-2 3x3 convs; channels change only in
                    # the last one, which has no ReLU (the ReLU comes after the sum)
                    steps = [_conv_bn(c[j], c[j], 2, relu=True) for _ in range(i - j - 1)]
                    steps.append(_conv_bn(c[j], c[i], 2, relu=False))
                    row.append(nn.Sequential(*steps))
            rows.append(nn.ModuleList(row))
        return nn.ModuleList(rows)

    def forward(self, x):
        x = [branch(xb) for branch, xb in zip(self.branches, x)]
        if self.fuse_layers is None:
            return x
        fused = []
        for i, row in enumerate(self.fuse_layers):
            # the official summation order: start from T_i0(x_0), add j = 1, 2, ... in turn,
            # ReLU after the full sum (matters at float rounding level only)
            y = x[0] if i == 0 else row[0](x[0])
            for j in range(1, self.num_branches):
                y = y + (x[j] if i == j else row[j](x[j]))
            fused.append(self.relu(y))
        return fused


@MODELS.register_module()
class HRNet(BaseModule):
    """HRNet-W``width`` (C) as in HigherHRNet; returns ``(features,)``, the C-channel map at 1/4
    of the input resolution (a tuple of all stage-4 branches when ``multi_scale_output=True``).

    Args:
        width: channels of the highest-resolution branch C; branch b has C * 2**b.
        num_modules: modules per stage 2, 3, 4 (official: 1, 4, 3).
        num_blocks: residual blocks per branch, one tuple per stage; its length is the
            stage's branch count (official: 4 everywhere, 2/3/4 branches).
        block: residual block of stages 2-4, 'BASIC' or 'BOTTLENECK' (official: 'BASIC').
        multi_scale_output: whether the last module of stage 4 fuses every branch (official:
            False, only the 1/4 map comes out).
        init_cfg: mmengine weight initialisation config.

    Input sides must be multiples of 32 (the lowest branch is at 1/32 and is upsampled by exact
    powers of two).
    """

    def __init__(self, width=32, num_modules=(1, 4, 3), num_blocks=((4, 4), (4, 4, 4), (4, 4, 4, 4)),
                 block='BASIC', multi_scale_output=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.register_load_state_dict_pre_hook(backbone_keys_on_load)
        if not isinstance(width, int) or width < 1:
            raise ValueError(f'width must be a positive int, got {width!r}')
        if len(num_modules) != 3 or len(num_blocks) != 3:
            raise ValueError('num_modules and num_blocks need one entry per stage 2, 3, 4; got '
                             f'{num_modules!r} and {num_blocks!r}')
        if block not in BLOCKS:
            raise ValueError(f'block must be one of {sorted(BLOCKS)}, got {block!r}')
        self.width = width
        stage_block = BLOCKS[block]

        self.conv1 = nn.Conv2d(3, STEM_CHANNELS, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(STEM_CHANNELS, momentum=BN_MOMENTUM)
        self.conv2 = nn.Conv2d(STEM_CHANNELS, STEM_CHANNELS, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(STEM_CHANNELS, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = make_blocks(Bottleneck, STEM_CHANNELS, STEM_CHANNELS, 4)

        previous = [STEM_CHANNELS * Bottleneck.expansion]
        for stage, (modules, blocks) in enumerate(zip(num_modules, num_blocks), start=2):
            channels = [width * 2 ** b for b in range(len(blocks))]
            branch_in = [c * stage_block.expansion for c in channels]
            setattr(self, f'transition{stage - 1}', self._make_transition(previous, branch_in))
            last_stage = stage == 4
            units = []
            for m in range(modules):
                unit = HighResolutionModule(
                    stage_block, branch_in, channels, blocks,
                    multi_scale_output=multi_scale_output or not (last_stage and m == modules - 1))
                branch_in = unit.out_channels
                units.append(unit)
            setattr(self, f'stage{stage}', nn.Sequential(*units))
            previous = branch_in

    @staticmethod
    def _make_transition(previous, current):
        """One entry per branch of the next stage: None for a branch kept as is, a 3x3 conv-BN-ReLU
        for a kept branch whose channel count changes, and for a new branch a chain of stride-2
        conv-BN-ReLU steps from the lowest-resolution branch (only the last step changes channels)."""
        entries = []
        for i, c in enumerate(current):
            if i < len(previous):
                entries.append(None if c == previous[i] else _conv_bn(previous[i], c, 1, relu=True))
            else:
                steps = []
                for k in range(i + 1 - len(previous)):
                    c_in = previous[-1]
                    c_out = c if k == i - len(previous) else c_in
                    steps.append(_conv_bn(c_in, c_out, 2, relu=True))
                entries.append(nn.Sequential(*steps))
        return nn.ModuleList(entries)

    def init_weights(self):
        check_pretrained_file(self.init_cfg)
        super().init_weights()

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        x = self.layer1(x)
        y = [t(x) if t is not None else x for t in self.transition1]
        y = self.stage2(y)
        for transition, stage in ((self.transition2, self.stage3), (self.transition3, self.stage4)):
            # official quirk: a branch with a transition module is fed the LAST (lowest
            # resolution) output of the previous stage, whatever its index
            y = stage([t(y[-1]) if t is not None else y[i] for i, t in enumerate(transition)])
        return tuple(y)
