"""Image bytes -> the H x W x 3 uint8 BGR array that ``PoseEstimator.predict`` takes.

In two steps, so that a request's cost can be checked between them: ``open_image`` reads the
header only (format and size, checked against the pixel limits), ``to_bgr`` decodes the pixels.
Sizes in messages are width x height, as in the response's ``image_size``.
"""
import io
import logging
import warnings

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

from .errors import SHOWN_REASON, BadRequest, one_line

logger = logging.getLogger(__name__)

# Pillow's names of the formats we accept (its JPEG reader also opens cameras' MPO files).
FORMATS = ('JPEG', 'PNG', 'BMP', 'WEBP', 'TIFF')
# The first bytes of each (WebP: RIFF, then WEBP at byte 8).
SIGNATURES = {b'\xff\xd8\xff': 'JPEG', b'\x89PNG\r\n\x1a\n': 'PNG', b'BM': 'BMP', b'II*\x00': 'TIFF',
              b'MM\x00*': 'TIFF'}
DEFAULT_MAX_PIXELS = 40_000_000
# A person needs some pixels; smaller images are a client mistake, not a picture.
DEFAULT_MIN_SIDE = 16
# Modes Pillow stores with 16 (or 32) bits per grey value.
SIXTEEN_BIT_MODES = ('I;16', 'I;16L', 'I;16B', 'I;16N', 'I')
# Pillow registers only its most common formats until asked for all of them (WebP, TIFF).
Image.init()


def _signature_format(data):
    """The format whose signature ``data`` starts with (one of ``FORMATS``), or None: an image whose
    header Pillow cannot read is still an image (truncated or corrupt: 400), not a foreign body (415)."""
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'WEBP'
    for signature, fmt in SIGNATURES.items():
        if data.startswith(signature):
            return fmt
    return None


def _header_size(data, fmt):
    """(width, height) from the header of ``fmt`` bytes, without Pillow's pixel-count check (its
    DecompressionBombError does not say the size)."""
    factory, _ = Image.OPEN[fmt]
    return factory(io.BytesIO(data), None).size


def _unreadable_header(fmt, error):
    """400 for an image of ``fmt`` whose header Pillow refuses, naming the cause."""
    # PngImagePlugin's words for a zTXt/iTXt chunk over MAX_TEXT_CHUNK, and text over MAX_TEXT_MEMORY
    if isinstance(error, ValueError) and any(words in str(error).lower()
                                             for words in ('too large', 'text chunks')):
        return BadRequest(f'the {fmt} image holds a text chunk (metadata) larger than the reader\'s '
                          f'limit of {PngImagePlugin.MAX_TEXT_CHUNK // 2**20} MiB; strip its metadata '
                          'and send it again')
    return BadRequest(f'the {fmt} image is truncated or corrupt: its header cannot be read')


def open_image(data, *, max_pixels=DEFAULT_MAX_PIXELS, min_side=DEFAULT_MIN_SIDE):
    """The image of ``data`` with its header read and its size checked, pixels not yet decoded."""
    if not data:
        raise BadRequest('empty image')
    data = bytes(data)
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own pixel limit; ours (max_pixels) decides instead.
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        width, height = _header_size(data, _signature_format(data))
        raise BadRequest(f'image is {width} x {height} pixels, more than the limit of {max_pixels}',
                         413) from None
    except Exception as error:  # noqa: BLE001 - Pillow's readers raise assorted errors on foreign or corrupt headers
        fmt = _signature_format(data)
        if fmt:
            raise _unreadable_header(fmt, error) from None
        raise BadRequest('body is not an image (expected JPEG, PNG, BMP, WebP or TIFF bytes)',
                         415) from None
    width, height = image.size
    if width * height > max_pixels:
        raise BadRequest(f'image is {width} x {height} pixels, more than the limit of {max_pixels}', 413)
    if min(width, height) < min_side:
        raise BadRequest(f'image is {width} x {height} pixels; at least {min_side} are needed on each side')
    return image


def _displayed(image):
    """The image as displayed (EXIF orientation applied, as ``cv2.imread`` does); as stored when
    its EXIF block is corrupt (Pillow's parser then raises struct.error, TypeError, ...): a broken
    tag is no reason to refuse the pixels."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception as error:  # noqa: BLE001
        logger.info('EXIF orientation ignored (%s)', one_line(error))
        return image


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


def _undecodable(fmt, error):
    """400 for pixel data Pillow cannot decode: truncated, or corrupt. Pillow's decoders say what is
    wrong in an OSError; other exceptions (TypeError, struct.error, ...) come from values of the
    header that its Python code trips over, whose text would mean nothing to a client."""
    if isinstance(error, OSError) and 'truncated' in str(error):
        return BadRequest(f'the {fmt} image is truncated: its data ends before its last pixels')
    if isinstance(error, OSError):
        return BadRequest(f'the {fmt} image is corrupt: {str(error).splitlines()[0][:SHOWN_REASON]}')
    logger.info('undecodable %s image: %s', fmt, one_line(error))
    return BadRequest(f'the {fmt} image is corrupt: its header holds values its decoder cannot use')


def to_bgr(image):
    """Decode an ``open_image`` result to an H x W x 3 uint8 BGR array (C-contiguous)."""
    fmt = image.format
    try:
        image.load()
    except Exception as error:  # noqa: BLE001 - truncated or corrupt data: struct.error, OSError, ...
        raise _undecodable(fmt, error) from None
    image = _displayed(image)
    try:
        pixels = _rgb8(image)
    except BadRequest:
        raise
    except Exception as error:  # noqa: BLE001 - a mode or palette the header promised but the data breaks
        raise BadRequest(f'cannot convert the {fmt} image of mode {image.mode} to RGB '
                         f'({one_line(error)})') from None
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise BadRequest(f'cannot convert the {fmt} image of mode {image.mode} to RGB', 415)
    return np.ascontiguousarray(pixels[:, :, ::-1])


def decode_image(data, *, max_pixels=DEFAULT_MAX_PIXELS, min_side=DEFAULT_MIN_SIDE):
    """Decode image bytes (JPEG, PNG, BMP, WebP, TIFF) to an H x W x 3 uint8 BGR array.

    The EXIF orientation is applied, so coordinates refer to the image as it is displayed. Raises
    ``BadRequest`` with a 4xx code for anything that is not such an image.
    """
    return to_bgr(open_image(data, max_pixels=max_pixels, min_side=min_side))
