"""handler.image: every accepted format and mode to BGR uint8; bad images to a 4xx BadRequest."""
import io

import cv2
import numpy as np
import pytest
from handler_testdata import (MAX_IMAGE_PIXELS, bad_requests, cmyk_jpeg, encode, sixteen_bit_png,
                              synthetic_rgb)
from hostile_testdata import (corrupt_exif_jpeg, corrupt_tag_tiff, header_truncated_jpeg, png_header,
                             text_chunk_png)
from PIL import Image

from higherhrnet.handler.errors import BadRequest
from higherhrnet.handler.image import decode_image, open_image

RGB = synthetic_rgb()


@pytest.mark.parametrize('fmt', ['PNG', 'BMP', 'TIFF', 'WEBP'])
def test_lossless_formats_decode_to_the_same_bgr_pixels(fmt):
    options = {'lossless': True} if fmt == 'WEBP' else {}
    decoded = decode_image(encode(RGB, fmt, **options))
    assert decoded.dtype == np.uint8 and decoded.flags['C_CONTIGUOUS']
    np.testing.assert_array_equal(decoded, RGB[:, :, ::-1])


@pytest.mark.parametrize('subsampling', [0, 2])
def test_jpeg_decodes_to_the_pixels_of_cv2_imread(subsampling):
    # Same pixels as OpenCV, so the server finds the same people as the Python API on cv2.imread.
    data = encode(RGB, 'JPEG', quality=90, subsampling=subsampling)
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(decode_image(data), expected)


def test_grayscale_becomes_three_equal_channels():
    decoded = decode_image(encode(RGB[:, :, 1], 'PNG'))
    np.testing.assert_array_equal(decoded, np.repeat(RGB[:, :, 1:2], 3, axis=2))


def test_alpha_is_dropped():
    rgba = np.dstack([RGB, np.full(RGB.shape[:2], 7, np.uint8)])
    np.testing.assert_array_equal(decode_image(encode(rgba, 'PNG')), RGB[:, :, ::-1])


def test_sixteen_bit_grey_is_scaled_to_eight_bits():
    # the 16-bit picture is RGB[..., 0] * 257, so scaling back gives the 8-bit values exactly
    np.testing.assert_array_equal(decode_image(sixteen_bit_png()), np.repeat(RGB[:, :, :1], 3, axis=2))


def test_cmyk_jpeg_is_converted_to_bgr():
    data = cmyk_jpeg()
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    # Pillow and OpenCV round the CMYK -> RGB conversion differently by at most one level.
    assert np.abs(decode_image(data).astype(int) - expected).max() <= 1


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = decode_image(encode(RGB, 'PNG', exif=exif))
    np.testing.assert_array_equal(decoded, np.rot90(RGB, k=-1)[:, :, ::-1])


# JSON bodies are request-level errors: tests/handler/test_handler_request.py.
@pytest.mark.parametrize('name', [name for name, (body, _) in bad_requests().items()
                                  if not body.startswith(b'{')])
def test_bad_image_bodies_raise_a_4xx(name):
    body, code = bad_requests()[name]
    with pytest.raises(BadRequest) as error:
        decode_image(body, max_pixels=MAX_IMAGE_PIXELS)
    assert error.value.error_code == code
    assert isinstance(error.value, ValueError) and '\n' not in error.value.message


def test_unsupported_format_is_refused():
    with pytest.raises(BadRequest, match='not an image') as error:
        decode_image(encode(RGB, 'GIF'))
    assert error.value.error_code == 415


def test_float_images_are_refused():
    with pytest.raises(BadRequest, match='float'):
        decode_image(encode(Image.fromarray(RGB[:, :, 0].astype(np.float32)), 'TIFF'))


def test_corrupt_exif_is_ignored_and_the_image_used_as_stored():
    data, _ = corrupt_exif_jpeg()
    as_stored = np.asarray(Image.open(io.BytesIO(data)).convert('RGB'))[:, :, ::-1]
    np.testing.assert_array_equal(decode_image(data), as_stored)  # 64 x 48, not turned to 48 x 64


def test_a_corrupt_tiff_tag_is_a_400_without_python_internals():
    with pytest.raises(BadRequest) as error:
        decode_image(corrupt_tag_tiff())
    assert error.value.error_code == 400
    assert error.value.message == 'the TIFF image is corrupt: its header holds values its decoder cannot use'


def test_a_truncated_image_is_a_400_saying_so():
    good = encode(RGB, 'JPEG')
    with pytest.raises(BadRequest, match='^the JPEG image is truncated: its data ends') as error:
        decode_image(good[:len(good) // 2])
    assert error.value.error_code == 400


def test_an_image_truncated_inside_its_header_is_a_400_not_415():
    with pytest.raises(BadRequest, match='^the JPEG image is truncated or corrupt: its header') as error:
        decode_image(header_truncated_jpeg())
    assert error.value.error_code == 400


def test_a_png_over_the_text_chunk_limit_is_a_400_naming_the_metadata():
    with pytest.raises(BadRequest, match='^the PNG image holds a text chunk .metadata. larger') as error:
        decode_image(text_chunk_png())
    assert error.value.error_code == 400


def test_an_image_over_pillows_own_pixel_limit_is_a_413_naming_its_size():
    with pytest.raises(BadRequest, match='^image is 6000 x 30000 pixels, more than the limit of 40000000') as error:
        open_image(png_header(6000, 30000))
    assert error.value.error_code == 413


def test_sizes_are_checked_from_the_header_before_decoding():
    header_only = encode(np.zeros((700, 500, 3), np.uint8), 'PNG')[:100]  # IHDR, no pixel data
    with pytest.raises(BadRequest, match=r'image is 500 x 700 pixels, more than the limit') as error:
        open_image(header_only, max_pixels=MAX_IMAGE_PIXELS)
    assert error.value.error_code == 413
    image = open_image(encode(RGB, 'PNG'))
    assert image.size == (128, 96)
