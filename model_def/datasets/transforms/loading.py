"""Reading the image file of a sample."""
import cv2

from higherhrnet.registry import TRANSFORMS

from .base import BaseTransform
from .errors import UnusableSampleError


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Read ``results['img_path']`` into ``img`` (uint8 H x W x 3, RGB) and set ``ori_shape`` (H, W).

    The official decoding: ``cv2.imread`` in colour ignoring the EXIF orientation (the annotations
    refer to the stored pixel grid), then BGR -> RGB. A file OpenCV cannot read, or a truncated
    JPEG (which libjpeg decodes anyway, grey below the cut, with only a warning on stderr), raises
    :class:`UnusableSampleError` naming it.
    """

    def transform(self, results):
        path = results['img_path']
        if _truncated_jpeg(path):
            raise UnusableSampleError(f'image {path}: the JPEG file is truncated (no end-of-image '
                                      'marker)')
        image = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if image is None:
            raise UnusableSampleError(f'image {path}: OpenCV cannot read the file (missing, '
                                      'truncated or not an image)')
        results['img'] = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        results['ori_shape'] = image.shape[:2]
        return results


# Bytes at a JPEG's end searched for its end-of-image marker: encoders and cameras may pad after it.
JPEG_TAIL = 64


def _truncated_jpeg(path):
    """Whether ``path`` is a JPEG (by its first bytes) whose end-of-image marker (FF D9) is not among
    its last bytes. Entropy-coded data never holds FF D9, so a file cut anywhere in its pixels lacks
    it; two small reads, no decoding."""
    try:
        with open(path, 'rb') as file:
            if file.read(3) != b'\xff\xd8\xff':
                return False
            file.seek(0, 2)
            file.seek(max(file.tell() - JPEG_TAIL, 0))
            return b'\xff\xd9' not in file.read()
    except OSError:  # missing or unreadable: cv2.imread says so
        return False
