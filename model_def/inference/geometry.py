"""Geometry of the test-time pipeline: input sizes, the resize-and-align warp, and the way back.

Everything here reproduces the official ``lib/utils/transforms.py`` arithmetic (Python doubles for the
sizes, a float32 three-point construction for the affine matrix) because the goldens depend on it
bit for bit: a different but "equivalent" matrix shifts OpenCV's fixed-point bilinear weights.

Conventions: sizes are ``(width, height)`` like OpenCV, points are ``(x, y)``; ``scale`` is the
official pair ``(scale_x, scale_y)`` in units of 200 image pixels.
"""
import numbers

import cv2
import numpy as np

# The official code expresses box sizes in units of 200 pixels (a leftover of the top-down MPII code).
PIXEL_STD = 200.0


def get_multi_scale_size(height, width, input_size, current_scale, min_scale):
    """Network input size, center and scale of an ``height x width`` image at ``current_scale``.

    Returns ``((w_resized, h_resized), center, scale)``: ``center`` the integer image center (x, y),
    ``scale`` (scale_x, scale_y) as float64. The short side becomes ``input_size`` times the scale
    ratio; the long side is padded up to a multiple of 64 **at the smallest scale** and then scaled,
    so the scale-1 input size depends on the whole scale set (official behaviour, kept on purpose).
    """
    center = np.array([int(width / 2.0 + 0.5), int(height / 2.0 + 0.5)])
    min_input_size = int((min_scale * input_size + 63) // 64 * 64)
    ratio = current_scale / min_scale
    if width < height:
        w_resized = int(min_input_size * ratio)
        h_resized = int(int((min_input_size / width * height + 63) // 64 * 64) * ratio)
        scale = np.array([width / PIXEL_STD, h_resized / w_resized * width / PIXEL_STD])
    else:
        h_resized = int(min_input_size * ratio)
        w_resized = int(int((min_input_size / height * width + 63) // 64 * 64) * ratio)
        scale = np.array([w_resized / h_resized * height / PIXEL_STD, height / PIXEL_STD])
    return (w_resized, h_resized), center, scale


def _third_point(a, b):
    """``b`` plus ``a - b`` rotated by 90 degrees, in float32 like the official helper."""
    direction = a - b
    return b + np.array([-direction[1], direction[0]], dtype=np.float32)


def get_affine_transform(center, scale, output_size, inv=False):
    """2x3 float64 matrix mapping the box (center, scale) onto an ``output_size`` (w, h) image.

    Built from three float32 point pairs and ``cv2.getAffineTransform`` exactly as the official
    code (rotation 0, no shift): the center goes to the output center, the point half a box width
    above it to the point half an output width above the output center. Only ``scale[0]`` matters,
    so the mapping is an isotropic scaling plus a translation. ``inv=True`` gives the inverse.
    """
    src_w = scale[0] * PIXEL_STD
    dst_w, dst_h = output_size
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0] = center
    src[1] = np.asarray(center, dtype=np.float64) + np.array([0.0, src_w * -0.5])
    dst[0] = [dst_w * 0.5, dst_h * 0.5]
    dst[1] = dst[0] + np.array([0.0, dst_w * -0.5], dtype=np.float32)
    src[2] = _third_point(src[0], src[1])
    dst[2] = _third_point(dst[0], dst[1])
    if inv:
        return cv2.getAffineTransform(dst, src)
    return cv2.getAffineTransform(src, dst)


def check_interpolation(interpolation):
    """Raise ``ValueError`` unless ``interpolation`` is a flag value ``cv2.warpAffine`` accepts for the
    resize (simple-HigherHRNet hands its ``interpolation`` to warpAffine as is)."""
    if isinstance(interpolation, bool) or not isinstance(interpolation, numbers.Integral):
        raise ValueError(f'interpolation must be an OpenCV flag such as cv2.INTER_LINEAR, got {interpolation!r}')
    # WARP_INVERSE_MAP is accepted by warpAffine but would read the resize matrix backwards.
    if interpolation & cv2.WARP_INVERSE_MAP:
        raise ValueError(f'interpolation {interpolation} includes cv2.WARP_INVERSE_MAP, which would invert the resize')
    try:
        cv2.warpAffine(np.zeros((2, 2, 3), np.uint8), np.eye(2, 3), (2, 2), flags=int(interpolation))
    except (cv2.error, OverflowError):
        raise ValueError(f'interpolation {interpolation} is not accepted by cv2.warpAffine; use cv2.INTER_NEAREST, '
                         'INTER_LINEAR, INTER_CUBIC, INTER_AREA or INTER_LANCZOS4') from None


def resize_align_multi_scale(image, input_size, current_scale, min_scale, interpolation=cv2.INTER_LINEAR):
    """Warp ``image`` to its network input at ``current_scale`` (black border).

    ``interpolation``: the warp's OpenCV flags; the official resize is bilinear (``cv2.INTER_LINEAR``).
    Returns ``(resized, center, scale)``; ``center``/``scale`` are the ones of this scale.
    """
    size, center, scale = get_multi_scale_size(image.shape[0], image.shape[1], input_size,
                                               current_scale, min_scale)
    trans = get_affine_transform(center, scale, size)
    return cv2.warpAffine(image, trans, size, flags=interpolation), center, scale


def get_final_preds(poses, center, scale, output_size):
    """Map the x, y columns of ``poses`` [P, K, C] from an ``output_size`` (w, h) map to image pixels.

    Every joint is mapped, undetected ones (0, 0) included, as in the official code; the other
    columns (value, tags) are copied unchanged. The products run in float64 and are stored as float32.
    """
    trans = get_affine_transform(center, scale, output_size, inv=True)
    poses = np.asarray(poses, dtype=np.float32)
    result = poses.copy()
    xy = poses[..., :2].astype(np.float64)
    result[..., 0] = xy[..., 0] * trans[0, 0] + xy[..., 1] * trans[0, 1] + trans[0, 2]
    result[..., 1] = xy[..., 0] * trans[1, 0] + xy[..., 1] * trans[1, 1] + trans[1, 2]
    return result
