"""Image bytes -> the H x W x 3 uint8 BGR array that ``PoseEstimator.predict`` takes."""
import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import BadRequest

# Pillow's names of the formats we accept (its JPEG reader also opens cameras' MPO files).
FORMATS = ('JPEG', 'PNG', 'BMP', 'WEBP', 'TIFF')
DEFAULT_MAX_PIXELS = 40_000_000
# A person needs some pixels; smaller images are a client mistake, not a picture.
DEFAULT_MIN_SIDE = 16
# Modes Pillow stores with 16 (or 32) bits per grey value.
SIXTEEN_BIT_MODES = ('I;16', 'I;16L', 'I;16B', 'I;16N', 'I')
# Pillow registers only its most common formats until asked for all of them (WebP, TIFF).
Image.init()


def _open(data, max_pixels):
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own pixel limit; ours (max_pixels) decides instead.
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise BadRequest(f'image has more than {max_pixels} pixels', 413) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise BadRequest('body is not an image (expected JPEG, PNG, BMP, WebP or TIFF bytes)',
                         415) from None


def _rgb8(image):
    """Pillow image of any supported mode as an RGB uint8 array."""
    if image.mode in SIXTEEN_BIT_MODES:
        # 16-bit grey: scale 0..65535 to 0..255 (what 8-bit conversions of it show), then grey to RGB.
        grey = np.asarray(image, dtype=np.float64)
        grey = np.clip(np.rint(grey / 257.0), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if image.mode == 'F':
        raise BadRequest('32-bit float images are not supported; send 8 or 16 bits per channel', 415)
    # Grey, palette and CMYK become RGB; alpha is dropped, as cv2.imread does.
    return np.asarray(image.convert('RGB'))


def decode_image(data, *, max_pixels=DEFAULT_MAX_PIXELS, min_side=DEFAULT_MIN_SIDE):
    """Decode image bytes (JPEG, PNG, BMP, WebP, TIFF) to an H x W x 3 uint8 BGR array.

    The EXIF orientation is applied (as ``cv2.imread`` does), so coordinates refer to the image as
    it is displayed. Raises ``BadRequest`` with a 4xx code for anything that is not such an image.
    """
    if not data:
        raise BadRequest('empty image')
    image = _open(bytes(data), max_pixels)
    width, height = image.size
    if width * height > max_pixels:
        raise BadRequest(f'image is {width}x{height} pixels, more than the limit of {max_pixels}', 413)
    if min(width, height) < min_side:
        raise BadRequest(f'image is {width}x{height} pixels; at least {min_side} are needed on each side')
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise BadRequest(f'cannot decode the {image.format} image ({error})') from None
    image = ImageOps.exif_transpose(image)
    return np.ascontiguousarray(_rgb8(image)[:, :, ::-1])
