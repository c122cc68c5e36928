"""Untrained weights drawn from a fixed seed: the same network, hence the same people, in every run and
every process.

The tools that run without a checkpoint (``higherhrnet ... `` without ``--checkpoint``, ``make archive
WEIGHTS=untrained``) use them, and so do the tests of a user's clone, which has no ``../shared``
reference weights. They are not PyTorch's default initialisation: that one depends on the global
RNG (a different network on every run) and its untrained HigherHRNet gives near-constant maps
without peaks, so a smoke test would never reach the grouping. Here every tensor is drawn from a
private generator seeded by (seed, key), so the values do not depend on the order the layers are
built in nor on anything the caller did with ``torch.manual_seed``, and the caller's RNG is left
alone.
"""
import hashlib
import math
import warnings

import torch

SEED = 0
# Convolution weights have std GAIN / sqrt(fan_in). With BatchNorm at its defaults and no biases the
# untrained network is positively homogeneous, so its output scales like GAIN to the power of its
# depth: 0.5 gives flat maps (no person), 1.0 maps of order 1e3; 0.65 gives heatmap peaks of 0.25
# (width 8) to 0.5 (width 32), above the detection threshold of 0.1: people to group, as a smoke
# test needs.
GAIN = 0.65
# What every tool says when it runs on these weights (the command line, the Python API, the handler).
UNTRAINED_MESSAGE = 'the network has untrained weights (drawn from a fixed seed) and its poses are meaningless'


class UntrainedWeightsWarning(UserWarning):
    """A model runs on the seeded untrained weights because no checkpoint was given (filterable)."""


def _generator(seed, key):
    """A private generator for one tensor: its seed comes from the key, not from a shared stream."""
    digest = hashlib.sha256(f'{seed}/{key}'.encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], 'little'))


def seeded_tensor(key, shape, seed=SEED):
    """The untrained value of one state-dict entry (official or our key names; rules by the last name).

    BatchNorm keeps PyTorch's defaults (weight 1, bias 0, running mean 0 and variance 1); convolution
    and deconvolution weights (rank >= 2) are normal with std GAIN / sqrt(fan_in), fan_in =
    prod(shape[1:]); every bias is 0.
    """
    shape = tuple(int(side) for side in shape)
    leaf = key.rsplit('.', 1)[-1]
    if leaf == 'num_batches_tracked':
        return torch.zeros(shape, dtype=torch.int64)
    if leaf in ('running_var', 'weight') and len(shape) == 1:
        return torch.ones(shape)
    if len(shape) < 2:
        return torch.zeros(shape)
    fan_in = math.prod(shape[1:])
    return torch.randn(shape, generator=_generator(seed, key)) * (GAIN / math.sqrt(fan_in))


def seeded_state_dict(keys, seed=SEED):
    """A state dict of untrained values for ``keys``: (key, shape) pairs, or a state dict to mirror."""
    pairs = keys.items() if isinstance(keys, dict) else keys
    return {key: seeded_tensor(key, getattr(shape, 'shape', shape), seed) for key, shape in pairs}


def untrained_state_dict(config, seed=SEED):
    """Untrained weights of a config's network (a config file or a name in ``registry/configs``), in the
    official key layout (what the official checkpoints hold, loadable by every loader of the project)."""
    from mmengine.registry import MODELS

    from .checkpoint import to_official_state_dict
    from .configs import load_config

    # Built on the meta device: only the keys and shapes are needed, and no initialisation runs
    # (it would cost seconds and draw from the caller's global RNG).
    with torch.device('meta'):
        model = MODELS.build(load_config(config).model)
    return seeded_state_dict(to_official_state_dict(model), seed)


def load_untrained_weights(model, seed=SEED):
    """Load the seeded untrained weights into a built ``model`` and warn (``UntrainedWeightsWarning``):
    what the Python API does when it is given no checkpoint, instead of PyTorch's silent default."""
    from .checkpoint import load_official_checkpoint, to_official_state_dict

    # stacklevel 3: the warning names the user's line that called from_config / SimpleHigherHRNet(...)
    warnings.warn(f'no checkpoint given: {UNTRAINED_MESSAGE}', UntrainedWeightsWarning, stacklevel=3)
    load_official_checkpoint(model, seeded_state_dict(to_official_state_dict(model), seed))
