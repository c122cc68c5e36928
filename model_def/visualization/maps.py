"""The network's maps as pictures: the heatmaps and the tag maps of ``PoseEstimator(return_heatmaps=True)``
laid over the image they came from. Used by ``higherhrnet predict --heatmaps`` and ``PoseVisualizationHook``."""
import cv2
import numpy as np

from ..inference.geometry import get_affine_transform, get_multi_scale_size

# Heat at or above this is drawn fully opaque; the official detection threshold is 0.1, a confident
# joint peaks near 1.
FULL_HEAT = 1.0
# How much of the image shows through the strongest colour: enough to see whose joint it is.
MAX_OPACITY = 0.8


def _check_maps(heatmaps, tags=None):
    heatmaps = np.asarray(heatmaps, dtype=np.float32)
    if heatmaps.ndim != 3:
        raise ValueError(f'heatmaps must have shape [joints, height, width], got {heatmaps.shape}')
    if tags is None:
        return heatmaps, None
    tags = np.asarray(tags, dtype=np.float32)
    if tags.ndim != 4 or tags.shape[:3] != heatmaps.shape:
        raise ValueError(f'tags must have shape [joints, height, width, tag_dim] = {list(heatmaps.shape)} + [T], '
                         f'got {list(tags.shape)}')
    return heatmaps, tags


def map_to_image_matrix(image_shape, map_size, input_size, scale_factor):
    """2x3 matrix from the pixels of an aggregated map of ``map_size`` (w, h) to the image's pixels.

    The maps cover the scale-1 network input, the image resized (short side ``input_size``) and padded
    about its centre; the estimator maps the joints back with the center and scale of the smallest
    scale, and so does this (the same arithmetic, ``get_final_preds``)."""
    height, width = image_shape[:2]
    min_scale = min(scale_factor)
    _, center, scale = get_multi_scale_size(height, width, input_size, min_scale, min_scale)
    return get_affine_transform(center, scale, map_size, inv=True)


def heat_strength(heatmaps):
    """Per map pixel the strongest joint's heat in 0..1 (the colour's opacity)."""
    return np.clip(heatmaps.max(axis=0) / FULL_HEAT, 0.0, 1.0)


def heatmap_colours(heatmaps):
    """BGR uint8 [H, W, 3]: the strongest joint's heat per pixel through the JET colour map (blue low, red high)."""
    heatmaps, _ = _check_maps(heatmaps)
    return cv2.applyColorMap(np.round(heat_strength(heatmaps) * 255).astype(np.uint8), cv2.COLORMAP_JET)


def tag_colours(tags, heatmaps):
    """BGR uint8 [H, W, 3]: per pixel the (first) tag value of its strongest joint, as a hue.

    Associative embedding gives the joints of one person similar tags and different people distant
    ones, so each person shows in a colour of their own. The hue spans the tags where some joint's heat
    reaches a tenth of full heat (elsewhere tags are noise)."""
    heatmaps, tags = _check_maps(heatmaps, tags)
    strongest = heatmaps.argmax(axis=0)
    values = np.take_along_axis(tags[..., 0], strongest[None], axis=0)[0]
    where = heat_strength(heatmaps) >= 0.1
    low, high = (values[where].min(), values[where].max()) if where.any() else (values.min(), values.max())
    hue = np.clip((values - low) / max(float(high - low), 1e-6), 0.0, 1.0)
    hsv = np.stack([np.round(hue * 150).astype(np.uint8),  # OpenCV hue 0..179; stop short of red again
                    np.full(hue.shape, 255, np.uint8), np.full(hue.shape, 255, np.uint8)], axis=-1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def overlay(image, colours, opacity, matrix):
    """``image`` (BGR uint8) with map-sized ``colours`` blended in by ``opacity`` (0..1 per map pixel),
    both warped onto the image by ``matrix`` (``map_to_image_matrix``)."""
    size = (image.shape[1], image.shape[0])
    colours = cv2.warpAffine(colours, matrix, size, flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(opacity.astype(np.float32), matrix, size, flags=cv2.INTER_LINEAR)[..., None] * MAX_OPACITY
    return np.round(image * (1.0 - alpha) + colours * alpha).astype(np.uint8)


def heatmap_picture(image, heatmaps, input_size, scale_factor=(1,)):
    """The image (BGR uint8) with its heatmaps over it (strongest joint per pixel, JET)."""
    heatmaps, _ = _check_maps(heatmaps)
    matrix = map_to_image_matrix(image.shape, heatmaps.shape[:0:-1], input_size, scale_factor)
    return overlay(image, heatmap_colours(heatmaps), heat_strength(heatmaps), matrix)


def tag_picture(image, tags, heatmaps, input_size, scale_factor=(1,)):
    """The image (BGR uint8) with its tag map over it, where the heatmaps are strong (see ``tag_colours``)."""
    heatmaps, tags = _check_maps(heatmaps, tags)
    matrix = map_to_image_matrix(image.shape, heatmaps.shape[:0:-1], input_size, scale_factor)
    return overlay(image, tag_colours(tags, heatmaps), heat_strength(heatmaps), matrix)
