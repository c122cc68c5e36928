"""A training checkpoint reduced to what inference reads: the weights (and mmengine's ``meta``).

mmengine's training checkpoint also holds Adam's two moments (twice the weights), the message hub
and the schedulers: needed to resume, dead weight in a served model or a published file.
"""
import hashlib
from pathlib import Path

import torch

from .checkpoint import load_checkpoint_file, unwrap_state_dict

# What a weights file keeps: the weights, and mmengine's meta (epoch, iteration, the config text and
# the dataset's keypoint set) so that it still says where it came from.
KEPT = ('state_dict', 'meta')
HASH_LENGTH = 8  # hex digits of the sha256 in a published name, as mmpose's publish_model


def weights_only(checkpoint):
    """``checkpoint`` (any layout) without optimiser and training state: ``{'state_dict': ..., 'meta': ...}``
    (meta when it has one). A bare state dict stays as it is."""
    state_dict = unwrap_state_dict(checkpoint)
    if state_dict is checkpoint:
        return checkpoint
    lean = {'state_dict': state_dict}
    if isinstance(checkpoint.get('meta'), dict):
        lean['meta'] = checkpoint['meta']
    return lean


def is_weights_only(checkpoint):
    return unwrap_state_dict(checkpoint) is checkpoint or set(checkpoint) <= set(KEPT)


def publish_weights(checkpoint_path, output):
    """Write the weights of ``checkpoint_path`` (read weights-only) as ``<output stem>-<sha256[:8]>.pth``
    beside ``output``, mmpose's naming of published models; returns that path."""
    lean = weights_only(load_checkpoint_file(checkpoint_path))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staged = output.with_name(output.name + '.part')
    torch.save(lean, staged)
    digest = hashlib.sha256(staged.read_bytes()).hexdigest()[:HASH_LENGTH]
    stem = output.name[:-len('.pth')] if output.name.endswith('.pth') else output.name
    published = output.with_name(f'{stem}-{digest}.pth')
    staged.replace(published)
    return published
