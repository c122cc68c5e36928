"""Packing a sample into what the data loader collates: an image tensor and a data element."""
import numpy as np
import torch
from mmengine.structures import BaseDataElement

from higherhrnet.registry import TRANSFORMS

from .base import BaseTransform

# The drawn augmentation of a training sample, kept in the metainfo for inspection.
AUGMENTATION_KEYS = ('input_size', 'output_sizes', 'aug_scale', 'aug_rot', 'translate', 'flip')


def image_to_tensor(image):
    """uint8 H x W x 3 -> uint8 tensor [3, H, W] (channel order unchanged)."""
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackBottomUpInputs(BaseTransform):
    """``dict(inputs=uint8 tensor [3, H, W] RGB, data_samples=BaseDataElement)``.

    A training sample (one that went through :class:`GenerateBottomUpTargets`) gets the fields
    ``heatmaps`` (float32 [K, R, R] per output size), ``masks`` (float32 0/1 [R, R]) and
    ``joint_indices`` (int64 [max_num_people, K, 2]), and the metainfo ``img_id``, ``img_path``,
    ``ori_shape`` (H, W) and the drawn augmentation (``input_size``, ``output_sizes``,
    ``aug_scale``, ``aug_rot``, ``translate`` (dx, dy), ``flip``). A test sample (image loaded
    only) gets the metainfo ``img_id``, ``img_path``, ``ori_shape``; its input is the original image.
    Normalisation happens later, in ``BottomUpDataPreprocessor``.
    """

    def transform(self, results):
        metainfo = dict(img_id=results['img_id'], img_path=results['img_path'],
                        ori_shape=tuple(results['ori_shape']))
        data_sample = BaseDataElement()
        if 'heatmaps' in results:
            metainfo.update({key: results[key] for key in AUGMENTATION_KEYS})
            data_sample.heatmaps = [torch.from_numpy(heatmap) for heatmap in results['heatmaps']]
            data_sample.masks = [torch.from_numpy(mask) for mask in results['masks']]
            data_sample.joint_indices = [torch.from_numpy(indices) for indices in results['joint_indices']]
        data_sample.set_metainfo(metainfo)
        return dict(inputs=image_to_tensor(results['img']), data_samples=data_sample)
