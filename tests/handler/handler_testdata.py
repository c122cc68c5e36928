"""Request bodies for the handler tests: good images, images the handler converts, bad inputs."""
import base64
import io
import json

import numpy as np
from PIL import Image

# The handler tests archive/configure this pixel limit so that an "over the limit" image stays small.
MAX_IMAGE_PIXELS = 200_000


def synthetic_rgb(height=96, width=128, seed=0):
    """An RGB uint8 picture with smooth structure and noise (not a photo; the weights are random)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255.0 / width, y * 255.0 / height, (x + y) * 127.0 / (width + height)], axis=2)
    return np.clip(base + rng.uniform(-40, 40, (height, width, 3)), 0, 255).astype(np.uint8)


def encode(array_or_image, fmt, **save_options):
    image = array_or_image if isinstance(array_or_image, Image.Image) else Image.fromarray(array_or_image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_options)
    return buffer.getvalue()


def jpeg(seed=0, height=96, width=128):
    return encode(synthetic_rgb(height, width, seed), 'JPEG', quality=90)


def json_body(document):
    return json.dumps(document).encode()


def b64(data):
    return base64.b64encode(data).decode()


def sixteen_bit_png():
    grey = (synthetic_rgb()[:, :, 0].astype(np.uint16) * 257)
    return encode(Image.fromarray(grey), 'PNG')


def cmyk_jpeg():
    return encode(Image.fromarray(synthetic_rgb()).convert('CMYK'), 'JPEG')


def bad_requests():
    """name -> (request body bytes, expected status): every bad input of the issue."""
    good = jpeg()
    return {
        'empty body': (b'', 400),
        'not an image': (b'this is plain text, not a picture', 415),
        'truncated JPEG': (good[:len(good) // 2], 400),
        'bad base64': (json_body({'image': 'not base64 !!'}), 400),
        'bad JSON': (b'{"image": "abc', 400),
        'unknown option': (json_body({'image': b64(good), 'flip': False}), 400),
        '1x1 image': (encode(np.zeros((1, 1, 3), np.uint8), 'PNG'), 400),
        'over the pixel limit': (encode(np.zeros((500, 500, 3), np.uint8), 'PNG'), 413),
    }


def converted_requests():
    """name -> request body of an image the handler converts to BGR rather than refuses."""
    rgb = synthetic_rgb()
    return {
        'grayscale PNG': encode(rgb[:, :, 1], 'PNG'),
        'RGBA PNG': encode(np.dstack([rgb, np.full(rgb.shape[:2], 128, np.uint8)]), 'PNG'),
        '16-bit PNG': sixteen_bit_png(),
        'CMYK JPEG': cmyk_jpeg(),
    }
