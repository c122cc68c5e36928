"""The loss mask of a training image: which pixels count in the heatmap loss (official ``get_mask``)."""
import warnings

import numpy as np
from pycocotools import mask as mask_utils


def decode_loss_mask(ignore_regions, height, width):
    """Bool H x W, True where the heatmap loss counts, False inside any of ``ignore_regions``.

    ``ignore_regions`` are COCO segmentations (an RLE dict, compressed or not, or a list of
    polygons). The official code adds up the decoded regions in a float image and keeps
    ``sum < 0.5``; overlapping regions therefore stay excluded. The size is the image's size as
    written in the annotation file, as in the official code. An empty segmentation (on which
    the official code fails) leaves nothing out.
    """
    summed = np.zeros((height, width))
    for segmentation in ignore_regions:
        if not segmentation:
            continue
        with warnings.catch_warnings():
            # pycocotools 2.0 under numpy 2 warns on every decode about its own __array__.
            warnings.filterwarnings('ignore', message='__array__ implementation', category=DeprecationWarning)
            decoded = mask_utils.decode(mask_utils.frPyObjects(segmentation, height, width))
        if decoded.ndim == 3:  # a list of polygons decodes to one channel per polygon
            decoded = decoded.sum(axis=2)
        summed += decoded
    return summed < 0.5
