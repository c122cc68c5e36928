"""Reading the image file of a sample."""
import cv2

from higherhrnet.registry import TRANSFORMS

from .base import BaseTransform
from .errors import UnusableSampleError


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Read ``results['img_path']`` into ``img`` (uint8 H x W x 3, RGB) and set ``ori_shape`` (H, W).

    The official decoding: ``cv2.imread`` in colour ignoring the EXIF orientation (the annotations
    refer to the stored pixel grid), then BGR -> RGB. A file OpenCV cannot read raises
    :class:`UnusableSampleError` naming it.
    """

    def transform(self, results):
        path = results['img_path']
        image = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if image is None:
            raise UnusableSampleError(f'image {path}: OpenCV cannot read the file (missing, '
                                      'truncated or not an image)')
        results['img'] = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        results['ori_shape'] = image.shape[:2]
        return results
