"""Random horizontal flip of a training sample (official RandomHorizontalFlip)."""
import random

import numpy as np

from higherhrnet.registry import TRANSFORMS

from .base import BaseTransform
from .random_affine import warp_loss_mask


@TRANSFORMS.register_module()
class BottomUpRandomFlip(BaseTransform):
    """Mirror the image, the masks and the joints with probability ``prob``.

    Runs after :class:`BottomUpRandomAffine` (reads ``img``, ``masks``, ``joints``,
    ``input_size``, ``output_sizes``); writes ``flip``. Joints are re-ordered so that joint j
    becomes joint ``flip_index[j]`` (left <-> right); ``flip_index`` comes from the dataset meta
    (``results['flip_index']``) unless given here. The draw is Python's ``random.random()`` (not
    numpy's), as in the official code.

    ``flip_aligned=False`` (default) keeps official quirk 1: the image is mirrored at its size S
    (x -> S - 1 - x) but the masks and joints at each output size R (x -> R - 1 - x), which leaves
    the targets of a flipped sample ``1 - R/S`` output pixels left of the mirrored content.
    ``flip_aligned=True`` mirrors the targets about the image's mirror axis instead
    (x -> (S - 1) * R / S - x); the masks are warped again from ``loss_mask`` with that mirror
    folded into the affine matrix (needs ``loss_mask`` and ``output_matrices``).
    """

    def __init__(self, prob=0.5, flip_index=None, flip_aligned=False):
        self.prob = prob
        self.flip_index = flip_index
        self.flip_aligned = flip_aligned

    def draw_flip(self):
        """Whether to flip: Python's global RNG, one draw per sample (official)."""
        return random.random() < self.prob

    def transform(self, results):
        flip = self.draw_flip()
        results['flip'] = flip
        if not flip:
            return results
        flip_index = self.flip_index if self.flip_index is not None else results['flip_index']
        input_size = results['input_size']
        results['img'] = np.ascontiguousarray(results['img'][:, ::-1])
        masks, joints = [], []
        for i, size in enumerate(results['output_sizes']):
            people = results['joints'][i][:, flip_index]
            if self.flip_aligned:
                mirror = (input_size - 1) * size / input_size
                masks.append(self._aligned_mask(results['loss_mask'], results['output_matrices'][i], size, mirror))
                people[:, :, 0] = mirror - people[:, :, 0]
            else:
                masks.append(np.ascontiguousarray(results['masks'][i][:, ::-1]))
                # (R - x) - 1 in this order: the official float rounding.
                people[:, :, 0] = size - people[:, :, 0] - 1
            joints.append(people)
        results['masks'] = masks
        results['joints'] = joints
        return results

    @staticmethod
    def _aligned_mask(loss_mask, matrix, size, mirror):
        """The original loss mask warped with x -> mirror - x folded into its affine ``matrix``:
        the same warp (and > 0.5 rule) as an unflipped sample gets."""
        mirror_matrix = np.array([[-1.0, 0.0, mirror], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        return warp_loss_mask(loss_mask, (mirror_matrix @ np.vstack([matrix, [0, 0, 1]]))[:2], size)
