"""Official HigherHRNet checkpoints: reading the files safely and translating their key layouts.

Our state-dict keys are the official ones under a part prefix: ``'backbone.' + k`` for the HRNet
keys and ``'head.' + k`` for ``final_layers.*`` / ``deconv_layers.*``. The official files come as

* a bare state dict with official keys (``pose_higher_hrnet_w32_512.pth``);
* the ``network_to_half`` layout of the FP16 configs (the 640 ``.pth.tar`` files): every key under
  ``'1.'``, conv / deconv / head tensors float16, BatchNorm float32;
* training checkpoints: keys under ``'module.'`` (DataParallel), possibly ``'module.1.'``, inside
  a dict ``{epoch, model: <name>, state_dict, best_state_dict, perf, optimizer}``;
* a dict wrapping the state dict under ``'state_dict'`` or ``'model'`` (what simple-HigherHRNet
  reads), and our own layout, also as written by mmengine's ``save_checkpoint``;
* mmpose 0.x HigherHRNet checkpoints: the same network with the head under ``'keypoint_head.'``.

``to_model_state_dict`` maps all of them to our keys; ``HigherHRNet`` applies it in a
load-state-dict pre-hook, so ``model.load_state_dict`` and ``mmengine.runner.load_checkpoint``
(which walks the submodules' ``_load_from_state_dict`` instead) share one translation.
"""
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from .configs import official_configs

BACKBONE_ROOTS = frozenset(
    ['conv1', 'bn1', 'conv2', 'bn2', 'layer1', 'transition1', 'transition2', 'transition3',
     'stage2', 'stage3', 'stage4'])
HEAD_ROOTS = frozenset(['final_layers', 'deconv_layers'])
MMPOSE_HEAD = 'keypoint_head'  # mmpose 0.x AEHigherResolutionHead: same modules and names as ours
# Prefixes that wrap a whole state dict: DataParallel/DDP, and network_to_half's Sequential
# (tofp16, network, tofp32) which puts the network at index 1.
WRAPPER_PREFIXES = ('module.', '1.')
_LIST_LIMIT = 8
# torch.load reads each entry of a zip checkpoint whole into memory, at the size the zip declares,
# and a zip entry may be compressed a thousandfold (a 1 MB file holding 1 GiB). The largest official
# layout is W48's training checkpoint.pth.tar: state_dict, best_state_dict and Adam's two moments,
# 4 float32 copies of 63.9 M parameters (1.022e9 bytes), plus its small pickled entries. With ~4 %
# headroom for those (and for a training checkpoint of ours, 3 copies plus logs) a file declaring
# more than 1.06e9 bytes, just under 1 GiB, is refused unread.
MAX_CHECKPOINT_BYTES = 1_060_000_000

# torch.load(weights_only=True) refuses every non-tensor global. The official training
# checkpoint stores its metric ('perf') as a numpy float64 scalar, pickled as
# numpy.core.multiarray.scalar (numpy 1.x) or numpy._core.multiarray.scalar (numpy 2) plus its
# dtype; allow exactly those, nothing that could run other code.
torch.serialization.add_safe_globals([
    (np._core.multiarray.scalar, 'numpy.core.multiarray.scalar'),
    (np._core.multiarray.scalar, 'numpy._core.multiarray.scalar'),
    np.dtype,
    np.dtypes.Float64DType,
    np.dtypes.Float32DType,
    np.dtypes.Int64DType,
])


def check_unpacked_size(path, max_bytes=MAX_CHECKPOINT_BYTES):
    """Refuse a zip checkpoint whose entries add up to more than ``max_bytes`` once unpacked,
    before anything is decompressed. (The pre-zip format is read as stored: no check needed.)"""
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(entry.file_size for entry in archive.infolist())
    if unpacked > max_bytes:
        raise ValueError(f'{path} unpacks to {unpacked / 2**20:.0f} MiB, more than any HigherHRNet '
                         f'checkpoint ({max_bytes / 2**20:.0f} MiB at most): refused unread')


def load_checkpoint_file(path):
    """Read a checkpoint file on the CPU without executing arbitrary pickled code."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'checkpoint file {path} does not exist')
    check_unpacked_size(path)
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'{path} holds a {type(checkpoint).__name__}, not a state dict')
    return checkpoint


def _is_state_dict(obj):
    return isinstance(obj, Mapping) and all(isinstance(v, torch.Tensor) for v in obj.values())


def unwrap_state_dict(checkpoint):
    """The state dict inside ``checkpoint`` (itself, or under 'state_dict' / 'model')."""
    obj = checkpoint
    while isinstance(obj, Mapping) and not _is_state_dict(obj):
        inner = next((obj[k] for k in ('state_dict', 'model') if isinstance(obj.get(k), Mapping)), None)
        if inner is None:
            break
        obj = inner
    if not _is_state_dict(obj) or not obj:
        found = (f'the keys {_shorten(sorted(map(str, checkpoint)))}' if isinstance(checkpoint, Mapping)
                 else f'a {type(checkpoint).__name__}')
        raise ValueError('not a HigherHRNet checkpoint: expected a state dict of tensors, possibly under '
                         f"'state_dict' or 'model'; found {found}")
    return obj


def _strip_wrapper_prefixes(state_dict):
    keys = list(state_dict)
    stripped = True
    while stripped:
        stripped = False
        for prefix in WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in keys):
                keys = [k[len(prefix):] for k in keys]
                stripped = True
    return keys


def to_model_state_dict(checkpoint):
    """Our layout (``backbone.*``, ``head.*``, float32) of any official or own checkpoint layout.

    Keys that belong to neither part are kept as they are, so a strict load names them.
    """
    state_dict = unwrap_state_dict(checkpoint)
    result = OrderedDict()
    for key, value in zip(_strip_wrapper_prefixes(state_dict), state_dict.values()):
        root, _, rest = key.partition('.')
        if root in BACKBONE_ROOTS:
            key = 'backbone.' + key
        elif root in HEAD_ROOTS:
            key = 'head.' + key
        elif root == MMPOSE_HEAD:
            key = 'head.' + rest
        # the FP16 files keep conv weights in half precision; float32 holds them exactly
        result[key] = value.float() if value.dtype in (torch.float16, torch.bfloat16) else value
    return result


def to_official_state_dict(state_dict_or_model):
    """Official bare keys (as in ``pose_higher_hrnet_w32_512.pth``) from our model or any layout."""
    if isinstance(state_dict_or_model, torch.nn.Module):
        state_dict_or_model = state_dict_or_model.state_dict()
    result = OrderedDict()
    for key, value in to_model_state_dict(state_dict_or_model).items():
        part, _, official = key.partition('.')
        if part not in ('backbone', 'head'):
            raise ValueError(f'{key!r} is not a HigherHRNet key (expected backbone.* or head.*)')
        result[official] = value
    return result


def load_official_checkpoint(model, path_or_state_dict, strict=True):
    """Load any official checkpoint (a file path or an already loaded dict) into ``model``."""
    checkpoint = (path_or_state_dict if isinstance(path_or_state_dict, Mapping)
                  else load_checkpoint_file(path_or_state_dict))
    return model.load_state_dict(checkpoint, strict=strict)


def infer_variant(state_dict):
    """(width C, joints K) that the shapes of a state dict in our layout reveal, else None."""
    heatmaps_tags = state_dict.get('head.final_layers.0.weight')  # [2K, C, k, k]
    heatmaps = state_dict.get('head.final_layers.1.weight')  # [K, C, k, k]
    if heatmaps_tags is None or heatmaps is None or heatmaps_tags.ndim != 4 or heatmaps.ndim != 4:
        return None
    return int(heatmaps_tags.shape[1]), int(heatmaps.shape[0])


def config_hint(width, num_joints):
    """Which of our config files fit weights of this width and joint count, as a sentence."""
    names = [path.name for path in official_configs(width, num_joints)]
    what = f'these weights are width {width} with {num_joints} joints'
    if not names:
        return (f'{what}; no shipped config has them: build HigherHRNet with backbone.width={width}, '
                f'head.in_channels={width}, head.num_joints={num_joints}')
    if len(names) == 1:
        return f'{what}: use {names[0]}'
    return (f'{what}: use {" or ".join(names)} (the same network; they differ in input size, '
            'the weights were trained for the size in the file name)')


def _shorten(items):
    items = list(items)
    if len(items) <= _LIST_LIMIT:
        return ', '.join(items)
    return ', '.join(items[:_LIST_LIMIT]) + f', ... ({len(items) - _LIST_LIMIT} more)'


def mismatch_report(model, state_dict):
    """A short explanation of why ``state_dict`` (our layout) does not fit ``model``, or None."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    misshaped = [f'{k} (checkpoint {list(v.shape)}, model {list(expected[k].shape)})'
                 for k, v in state_dict.items() if k in expected and v.shape != expected[k].shape]
    if not (missing or unexpected or misshaped):
        return None
    lines = [f'the checkpoint does not fit this {type(model).__name__} '
             f'({_describe(infer_variant(expected))}):']
    for name, keys in (('missing', missing), ('unexpected', unexpected), ('mis-shaped', misshaped)):
        if keys:
            lines.append(f'{len(keys)} {name} keys: {_shorten(keys)}')
    variant = infer_variant(state_dict)
    if variant is not None and variant != infer_variant(expected):
        lines.append(config_hint(*variant))
    return '\n'.join(lines)


def _describe(variant):
    return 'unknown width' if variant is None else f'width {variant[0]}, {variant[1]} joints'


class CheckpointMismatchError(ValueError, RuntimeError):
    """A checkpoint whose keys or shapes do not fit the model (a RuntimeError like torch's own)."""


def translate_on_load(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                      error_msgs):
    """Load-state-dict pre-hook of ``HigherHRNet``: rewrites, in place, the entries under
    ``prefix`` to our layout before the submodules read them.

    torch and mmengine both call the hooks with strict=True whatever the caller asked for, so the
    hook cannot tell a strict load; ``HigherHRNet.load_state_dict`` checks strictness itself and
    switches the report off (``module.report_mismatch_on_load``). On mmengine's path the report
    comes first in its error (strict) or warning (not strict).
    """
    own = [k for k in state_dict if k.startswith(prefix)]
    if not own:
        return  # nothing for us: the submodules report every key as missing
    translated = to_model_state_dict({k[len(prefix):]: state_dict[k] for k in own})
    for key in own:
        del state_dict[key]
    state_dict.update((prefix + k, v) for k, v in translated.items())
    if module.report_mismatch_on_load:
        report = mismatch_report(module, translated)
        if report:
            error_msgs.append(report)
